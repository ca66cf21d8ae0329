"""The office scope on every route that takes an appointment id, enumerated from the served OpenAPI.

One rule (backend.deps.may_serve): an informador serves their own office's appointments and any
appointment they hold, e.g. a pool appointment of another office they took. A route added later with
an {appointment_id} is covered without touching this file.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.backend.support import assert_envelope, client
from tests.helpers.backend_server import BackendProcess

GIRONA, BARCELONA = 1, 3
NOT_FOUND = "Appointment not found"
INFORMADORS = {2: "pau", 3: "jordi", 4: "nerea"}  # backend.seed: office id -> informador


def _spec(server: BackendProcess) -> dict[str, Any]:
    r = httpx.get(f"{server.api}/openapi.json", timeout=10)
    assert r.status_code == 200, r.text
    spec: dict[str, Any] = r.json()
    return spec


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else schema


def _minimal(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A smallest value the schema accepts, so the request reaches the handler (and its scope check)
    instead of stopping at body validation."""
    schema = _resolve(spec, schema)
    if "anyOf" in schema:
        options = [o for o in schema["anyOf"] if o.get("type") != "null"]
        return _minimal(spec, options[0]) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _minimal(spec, props[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [_minimal(spec, schema.get("items", {})) for _ in range(schema.get("minItems", 0))]
    if kind in ("integer", "number"):
        return max(1, int(schema.get("minimum", 1)))
    if kind == "boolean":
        return False
    if kind == "string":
        return "x" * max(1, int(schema.get("minLength", 1)))
    return {"type": "ping"}  # untyped (a signalling message): any JSON value passes validation


def _appointment_routes(spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    routes = []
    for path, item in spec["paths"].items():
        if "{appointment_id}" not in path:
            continue
        for method, op in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            content = op.get("requestBody", {}).get("content", {})
            body = (
                _minimal(spec, content["application/json"]["schema"])
                if "application/json" in content
                else None
            )
            routes.append((method, path.removeprefix("/api/v1"), body))
    return routes


def _call(c: httpx.Client, method: str, path: str, appointment_id: str, body: Any) -> httpx.Response:
    url = path.replace("{appointment_id}", appointment_id)
    return c.request(method, url, json=body) if body is not None else c.request(method, url)


def test_every_appointment_route_hides_other_offices(backend_server):
    spec = _spec(backend_server)
    routes = _appointment_routes(spec)
    # The enumeration really found the routes of every feature (appointments, call, tràmit, checklist).
    paths = {p for _m, p, _b in routes}
    assert {
        "/appointments/{appointment_id}",
        "/appointments/{appointment_id}/checklist",
        "/appointments/{appointment_id}/documents",
        "/appointments/{appointment_id}/tramitacio",
        "/calls/{appointment_id}/signal",
    } <= paths, paths
    with client(backend_server, "jordi") as jordi:
        barcelona = jordi.get("/appointments", params={"office_id": BARCELONA}).json()
    assert barcelona and {a["office_id"] for a in barcelona} == {BARCELONA}
    other = barcelona[0]["id"]
    with client(backend_server, "marta") as marta:
        for method, path, body in routes:
            r = _call(marta, method, path, other, body)
            context = f"{method.upper()} {path} as marta (Girona) on a Barcelona appointment"
            assert r.status_code in (403, 404), f"{context}: {r.status_code} {r.text[:300]}"
            assert_envelope(r, r.status_code)


def test_holder_of_another_offices_pool_appointment_gets_through(fresh_backend):
    with client(fresh_backend, "marta") as marta:
        items = marta.get("/pool").json()["items"]
        foreign = [i for i in items if i["kind"] == "appointment" and i["office_id"] != GIRONA]
        assert foreign, f"the demo pool has no other office's appointment marta may take: {items}"
        item = foreign[0]
        taken = marta.post(f"/pool/appointment/{item['id']}/take")
        assert taken.status_code == 200, taken.text
        appt_id = taken.json()["appointment"]["id"]
        assert taken.json()["appointment"]["office_id"] != GIRONA

        checklist = marta.get(f"/appointments/{appt_id}/checklist")
        assert checklist.status_code == 200, checklist.text
        assert (
            marta.get(f"/appointments/{appt_id}").json()["staff_id"]
            == taken.json()["appointment"]["staff_id"]
        )
        # No route with an appointment id refuses the holder as "not found".
        for method, path, body in _appointment_routes(_spec(fresh_backend)):
            r = _call(marta, method, path, appt_id, body)
            hidden = r.status_code == 404 and r.json().get("detail") == NOT_FOUND
            assert not hidden, f"{method.upper()} {path} hides the holder's appointment: {r.text[:300]}"
    # An informador of a third office, who does not hold it, is still refused.
    third = next(u for office, u in INFORMADORS.items() if office not in (GIRONA, item["office_id"]))
    with client(fresh_backend, third) as other:
        assert_envelope(other.get(f"/appointments/{appt_id}/checklist"), 404, "not_found")
