"""Bad input on every route gives a clear 4xx in the error envelope, never a 500.

The routes come from the served OpenAPI document, so a route added later is covered without
touching this file. Each route is swept with the session it needs: staff routes with a supervisor's
token, citizen routes with a citizen's (join link + PIN) and a kiosk ticket's token, interpreter
routes with an interpreter's; with any other token they answer 401 before reading the input.
The page routes hidden from OpenAPI (/c/, /i/, /kiosk/, /c-i18n/) are swept by name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from backend.pool.seed import demo_kiosk_token
from tests.backend.support import assert_envelope
from tests.citizen.conftest import CitizenBackend
from tests.helpers.backend_server import BackendProcess, session_day

BAD_STRINGS = [
    "not-a-uuid",
    "99999999999999999999999999999999",
    "-1",
    "0",
    "2026-13-45",
    "x" * 5000,
    "' OR 1=1 --",
    "\x00",
    "\ud800",
    "..%2F..%2Fetc%2Fpasswd",
    "1e309",
    "true;false",
]
BAD_JSON_BODIES = [
    b"{bad json",
    b"",
    b"[]",
    b"null",
    b'"a string"',
    b"1e999999",
    b"[" * 5000 + b"]" * 5000,
    b'{"\xff": 1}',
]


def _spec(server) -> dict[str, Any]:
    r = httpx.get(f"{server.api}/openapi.json")
    assert r.status_code == 200
    spec: dict[str, Any] = r.json()
    return spec


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield method, path, op


def _is_stream(op) -> bool:
    return "text/event-stream" in op.get("responses", {}).get("200", {}).get("content", {})


def _schema(spec, schema):
    ref = schema.get("$ref")
    if ref:
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _strict_type(spec, schema) -> bool:
    """True when the schema rejects arbitrary strings (typed, bounded or enumerated)."""
    schema = _schema(spec, schema)
    for raw_option in schema.get("anyOf", [schema]):
        option = _schema(spec, raw_option)
        if option.get("type") == "null":
            continue
        if option.get("type") in {"integer", "number", "boolean"} or "enum" in option or "format" in option:
            continue
        return False
    return True


def _fill(path: str, value: str) -> str:
    quoted = quote(value.encode("utf-8", "surrogatepass"), safe="")
    return re.sub(r"\{[^}]+\}", lambda _m: quoted, path)


def _valid_path(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)


def _check(r: httpx.Response, context: str) -> None:
    assert 400 <= r.status_code < 500, f"{context}: {r.status_code} {r.text[:300]}"
    if r.status_code != 404 or r.headers.get("content-type", "").startswith("application/json"):
        assert_envelope(r, r.status_code)
    assert "Traceback" not in r.text and 'File "' not in r.text, context


@pytest.fixture(scope="module")
def api(backend_server):
    headers = backend_server.headers("laia")
    with httpx.Client(base_url=backend_server.url, headers=headers, timeout=20) as c:
        yield c, _spec(backend_server)


API = "/api/v1"
# Routes that end the caller's session: swept last would be fine, swept first would 401 the rest.
ENDS_SESSION = {f"{API}/citizen/leave", f"{API}/kiosk-ticket/end"}


def _needs(kind: str, path: str) -> bool:
    """Whether a route is served to that kind of session (all others answer it 401)."""
    if path in ENDS_SESSION:
        return False
    citizen = path.startswith(f"{API}/citizen/") and path != f"{API}/citizen/session"
    if kind == "citizen":
        return citizen
    if kind == "kiosk":  # a kiosk ticket's token is a citizen token, plus its own ticket routes
        return citizen or path.startswith(f"{API}/kiosk-ticket")
    if kind == "interpreter":
        return path.startswith(f"{API}/interpreter/") and path != f"{API}/interpreter/session"
    return True


@dataclass
class Sweep:
    kind: str
    client: httpx.Client
    spec: dict[str, Any]

    def operations(self) -> Iterator[tuple[str, str, Any]]:
        for method, path, op in _operations(self.spec):
            if _needs(self.kind, path):
                yield method, path, op

    def check(self, r: httpx.Response, context: str) -> None:
        context = f"[{self.kind}] {context}"
        _check(r, context)
        if self.kind != "staff":
            # The session was accepted: the 4xx is about the input, which is what this sweep tests.
            assert r.status_code != 401, f"{context}: {r.text[:300]}"


def _session_tokens(server: BackendProcess) -> dict[str, str]:
    """A citizen (join link + PIN), a kiosk ticket and an interpreter in a call, as the demo makes them."""
    cb = CitizenBackend(server)
    citizen = cb.citizen_headers(cb.prepare("marta"))["Authorization"].removeprefix("Bearer ")
    ticket = httpx.post(
        f"{server.api}/kiosk/{demo_kiosk_token('GIR')}/tickets",
        json={"language": "ca", "tramit_code": "peticio-generica"},
        timeout=10,
    )
    assert ticket.status_code == 201, ticket.text
    # The interpreter joins a call in progress: citizen waiting, admitted by the informador, invited.
    in_call = cb.prepare("marta")
    auth = cb.citizen_headers(in_call)
    assert httpx.post(f"{server.api}/citizen/waiting", headers=auth, timeout=10).status_code == 204
    version = httpx.get(
        f"{server.api}/appointments/{in_call.appointment_id}", headers=in_call.staff, timeout=10
    ).json()["version"]
    admit = httpx.post(
        f"{server.api}/appointments/{in_call.appointment_id}/admit",
        json={"version": version},
        headers=in_call.staff,
        timeout=10,
    )
    assert admit.status_code == 200, admit.text
    invite = httpx.post(
        f"{server.api}/calls/{in_call.appointment_id}/interpreter", headers=in_call.staff, timeout=10
    )
    assert invite.status_code == 200, invite.text
    joined = httpx.post(
        f"{server.api}/interpreter/session",
        json={"invite_token": invite.json()["url"].rsplit("/i/", 1)[1]},
        timeout=10,
    )
    assert joined.status_code == 200, joined.text
    return {
        "citizen": citizen,
        "kiosk": ticket.json()["citizen_token"],
        "interpreter": joined.json()["interpreter_token"],
    }


@pytest.fixture(scope="module")
def sweeps(api, tmp_path_factory) -> Iterator[Callable[[str], Sweep]]:
    """sweeps(kind) -> a client holding that kind of session. The sessions live on their own backend:
    preparing them moves appointments and starts a call, which the shared backend must not see."""
    staff_client, spec = api
    server = BackendProcess(
        tmp_path_factory.mktemp("bad-input-sessions"),
        session_day(),
        env={"VIDEOATENCIO_CITIZEN_IP_ATTEMPTS": "100000"},
    )
    server.start()
    clients: list[httpx.Client] = []
    tokens: dict[str, str] = {}

    def get(kind: str) -> Sweep:
        if kind == "staff":
            return Sweep(kind, staff_client, spec)
        if not tokens:
            tokens.update(_session_tokens(server))
        client = httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {tokens[kind]}"}, timeout=20
        )
        clients.append(client)
        return Sweep(kind, client, spec)

    try:
        yield get
    finally:
        for client in clients:
            client.close()
        server.stop()


def test_spec_lists_the_api(api):
    _c, spec = api
    paths = set(spec["paths"])
    expected = {"/health", "/auth/login", "/appointments", "/appointments/{appointment_id}", "/events",
                "/tramits/{code}", "/offices/{office_id}"}  # fmt: skip
    assert {f"/api/v1{p}" for p in expected} <= paths


@pytest.mark.parametrize("kind", ["staff", "citizen", "kiosk"])  # interpreter routes have no path params
def test_bad_path_params(sweeps, kind):
    sweep = sweeps(kind)
    swept = set()
    for method, path, op in sweep.operations():
        if "{" not in path or _is_stream(op):
            continue
        swept.add(path)
        for value in BAD_STRINGS:
            body = {"version": 1} if op.get("requestBody") else None
            r = sweep.client.request(method, _fill(path, value), json=body)
            sweep.check(r, f"{method.upper()} {path} with {value[:20]!r}")
    assert swept, f"no {kind} route with a path parameter"


def test_bad_query_params(api):
    c, spec = api
    for method, path, op in _operations(spec):
        if _is_stream(op):
            continue
        for param in op.get("parameters", []):
            if param["in"] != "query":
                continue
            strict = _strict_type(spec, param.get("schema", {}))
            for value in BAD_STRINGS:
                raw = quote(value.encode("utf-8", "surrogatepass"), safe="")
                r = c.request(method, f"{_valid_path(path)}?{param['name']}={raw}")
                context = f"{method.upper()} {path}?{param['name']}={value[:20]!r}"
                schema_text = json.dumps(param.get("schema", {}))
                # Values from the list that are in fact valid: "0" is a boolean, 32 digits a UUID.
                valid = (value == "0" and "boolean" in schema_text) or (
                    value == BAD_STRINGS[1] and '"uuid"' in schema_text
                )
                if (strict and not valid) or r.status_code >= 400:
                    _check(r, context)
                else:
                    assert r.status_code < 300, context


def _json_fields(spec, op) -> dict[str, Any]:
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return {}
    return _schema(spec, content["application/json"]["schema"]).get("properties", {})


@pytest.mark.parametrize("kind", ["staff", "citizen", "kiosk", "interpreter"])
def test_bad_json_bodies(sweeps, kind):
    sweep = sweeps(kind)
    c, spec, _check = sweep.client, sweep.spec, sweep.check
    swept = set()
    for method, path, op in sweep.operations():
        fields = _json_fields(spec, op)
        if not fields:
            continue
        swept.add(path)
        url = _valid_path(path)
        for raw in BAD_JSON_BODIES:
            r = c.request(method, url, content=raw, headers={"Content-Type": "application/json"})
            _check(r, f"{method.upper()} {path} body {raw[:20]!r}")
        bad_values = [None, 10**40, -(10**40), 1.5, "", "x" * 100_000, [], {}, True, "\x00", "\ud800"]
        for name in fields:
            for value in bad_values:
                body = {f: "x" for f in fields} | {"version": 1} | {name: value}
                try:
                    payload = json.dumps(body).encode()
                except (TypeError, ValueError):
                    continue
                r = c.request(method, url, content=payload, headers={"Content-Type": "application/json"})
                _check(r, f"{method.upper()} {path} {name}={str(value)[:20]!r}")
        extra = c.request(method, url, json={"unexpected": 1, "version": 1})
        _check(extra, f"{method.upper()} {path} with an unknown field")
    assert swept, f"no {kind} route with a JSON body"


def test_field_names_in_validation_errors(api):
    c, _ = api
    r = c.get("/api/v1/appointments", params={"day": "2026-13-45", "status": "sleeping", "office_id": "x"})
    body = assert_envelope(r, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"day", "status", "office_id"}
    r = c.post("/api/v1/auth/login", json={"username": "marta"})
    assert [e["field"] for e in assert_envelope(r, 422, "validation_error")["errors"]] == ["password"]
    r = c.post("/api/v1/auth/login", content=b"{bad", headers={"Content-Type": "application/json"})
    assert_envelope(r, 400, "bad_request")


@pytest.mark.parametrize("kind", ["staff", "citizen", "kiosk", "interpreter"])
def test_oversized_bodies_are_413(sweeps, kind):
    sweep = sweeps(kind)
    c = sweep.client
    swept = set()
    for method, path, op in sweep.operations():
        if op.get("requestBody"):
            swept.add(path)
            big = b'{"version": 1, "notes": "' + b"x" * 200_000 + b'"}'
            r = c.request(
                method, _valid_path(path), content=big, headers={"Content-Type": "application/json"}
            )
            assert_envelope(r, 413, "too_large")

            def chunks():
                yield b'{"notes": "'
                for _ in range(100):
                    yield b"x" * 4096
                yield b'"}'

            r = c.request(
                method, _valid_path(path), content=chunks(), headers={"Content-Type": "application/json"}
            )
            assert_envelope(r, 413, "too_large")
    assert swept, f"no {kind} route with a body"


def test_each_session_reaches_its_routes_and_only_them(sweeps):
    """What makes the sweeps above meaningful: each token gets past authentication on its own routes,
    and a token of another kind is refused (401) before any input is read."""
    own = {"citizen": "/citizen/ice", "kiosk": "/kiosk-ticket", "interpreter": "/interpreter/ice"}
    staff = sweeps("staff").client
    for kind, path in own.items():
        session = sweeps(kind).client
        r = session.get(f"{API}{path}")
        assert r.status_code == 200, f"[{kind}] GET {path}: {r.status_code} {r.text[:200]}"
        assert_envelope(staff.get(f"{API}{path}"), 401)
        assert_envelope(session.get(f"{API}/appointments"), 401)
    assert_envelope(sweeps("citizen").client.get(f"{API}/interpreter/ice"), 401)
    assert_envelope(sweeps("interpreter").client.get(f"{API}/citizen/ice"), 401)
    assert_envelope(sweeps("citizen").client.get(f"{API}/kiosk-ticket"), 401)  # not a kiosk's ticket


def test_event_streams_refuse_bad_tokens(backend_server, api):
    """Streams are skipped above (a good token opens them for good); a bad token must not open one."""
    _c, spec = api
    swept = set()
    with httpx.Client(base_url=backend_server.url, timeout=10) as anon:
        for method, path, op in _operations(spec):
            # The citizen's and interpreter's streams do not declare text/event-stream in OpenAPI.
            if not (_is_stream(op) or (method == "get" and path.endswith("/events"))):
                continue
            for param in op.get("parameters", []):
                if param["in"] != "query":
                    continue
                swept.add(path)
                for value in [*BAD_STRINGS, "x" * 10_000]:
                    raw = quote(value.encode("utf-8", "surrogatepass"), safe="")
                    with anon.stream(method, f"{path}?{param['name']}={raw}") as r:
                        r.read()
                        context = f"{path}?{param['name']}={value[:20]!r}"
                        assert 400 <= r.status_code < 500, f"{context}: {r.status_code}"
                        assert "text/event-stream" not in r.headers.get("content-type", ""), context
    assert {f"{API}/events", f"{API}/citizen/events", f"{API}/interpreter/events"} <= swept


# Page routes left out of OpenAPI: the citizen's link, the interpreter's invite, the kiosk, the page's
# catalogues. {} is the parameter.
HIDDEN_ROUTES = ["/c/{}", "/i/{}", "/kiosk/{}", "/c-i18n/{}.json"]
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,200}")  # backend.citizen.page.PageToken
PAGE_GARBAGE = [
    *BAD_STRINGS,
    "x" * 201,
    "<script>alert(1)</script>",
    "../../../../etc/passwd",
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..\\..\\windows\\win.ini",
    "....//....//etc/passwd",
    "%252e%252e%252f",
    "a/../../b",
    "token\r\nSet-Cookie: x=1",
    "ca.json\x00",
]


def test_hidden_page_routes_refuse_garbage(backend_server):
    with httpx.Client(base_url=backend_server.url, timeout=10) as anon:
        # The pages and catalogues themselves are there (this is not a sweep of 404s for typos).
        assert anon.get(f"/kiosk/{demo_kiosk_token('GIR')}").status_code == 200
        assert anon.get("/c/" + "A" * 32).status_code == 200  # unknown links get the page, which says so
        assert anon.get("/c-i18n/ca.json").json()["lang"] == "ca"
        for route in HIDDEN_ROUTES:
            for value in PAGE_GARBAGE:
                encoded = value.encode("utf-8", "surrogatepass")
                for raw in {quote(encoded, safe=""), quote(encoded, safe="/%")}:
                    url = route.format(raw)
                    r = anon.get(url)
                    context = f"GET {url[:60]!r}: {r.status_code} {r.text[:200]}"
                    if route != "/c-i18n/{}.json" and TOKEN_SHAPE.fullmatch(value):
                        # Could be a link: the page is served and says "unknown link" after asking the API.
                        assert r.status_code == 200 and value not in r.text, context
                    else:
                        assert 400 <= r.status_code < 500, context
                    if r.headers.get("content-type", "").startswith("application/json"):
                        assert_envelope(r, r.status_code)
                    assert "Traceback" not in r.text and "root:" not in r.text, context
                    assert "<script>alert" not in r.text, context


def test_every_protected_route_needs_a_token(backend_server, api):
    _c, spec = api
    secured = {(m, p) for m, p, op in _operations(spec) if op.get("security")}
    assert ("get", "/api/v1/appointments") in secured and ("get", "/api/v1/health") not in secured
    with httpx.Client(base_url=backend_server.url, timeout=10) as anon:
        for method, path, op in _operations(spec):
            if not op.get("security"):
                continue
            body = {"version": 1} if op.get("requestBody") else None
            r = anon.request(method, _valid_path(path), json=body)
            assert_envelope(r, 401)


def test_unknown_routes_and_methods(api):
    c, _ = api
    assert_envelope(c.get("/api/v1/nothing-here"), 404, "not_found")
    assert_envelope(c.delete("/api/v1/appointments/00000000-0000-4000-8000-000000000000"), 405)
    assert_envelope(c.put("/api/v1/health"), 405, "method_not_allowed")
