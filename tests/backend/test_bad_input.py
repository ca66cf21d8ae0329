"""Bad input on every route gives a clear 4xx in the error envelope, never a 500.

The routes come from the served OpenAPI document, so a route added later is covered without
touching this file.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.backend.support import assert_envelope

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


def test_spec_lists_the_api(api):
    _c, spec = api
    paths = set(spec["paths"])
    expected = {"/health", "/auth/login", "/appointments", "/appointments/{appointment_id}", "/events",
                "/tramits/{code}", "/offices/{office_id}"}  # fmt: skip
    assert {f"/api/v1{p}" for p in expected} <= paths


def test_bad_path_params(api):
    c, spec = api
    for method, path, op in _operations(spec):
        if "{" not in path or _is_stream(op):
            continue
        for value in BAD_STRINGS:
            body = {"version": 1} if op.get("requestBody") else None
            r = c.request(method, _fill(path, value), json=body)
            _check(r, f"{method.upper()} {path} with {value[:20]!r}")


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


def test_bad_json_bodies(api):
    c, spec = api
    for method, path, op in _operations(spec):
        fields = _json_fields(spec, op)
        if not fields:
            continue
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


def test_field_names_in_validation_errors(api):
    c, _ = api
    r = c.get("/api/v1/appointments", params={"day": "2026-13-45", "status": "sleeping", "office_id": "x"})
    body = assert_envelope(r, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"day", "status", "office_id"}
    r = c.post("/api/v1/auth/login", json={"username": "marta"})
    assert [e["field"] for e in assert_envelope(r, 422, "validation_error")["errors"]] == ["password"]
    r = c.post("/api/v1/auth/login", content=b"{bad", headers={"Content-Type": "application/json"})
    assert_envelope(r, 400, "bad_request")


def test_oversized_bodies_are_413(api):
    c, spec = api
    for method, path, op in _operations(spec):
        if op.get("requestBody"):
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
