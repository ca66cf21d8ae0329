"""Pool API against a real backend process: routing, the take race, the office limit, roles, reassign."""

from __future__ import annotations

import httpx
import pytest

from backend.pool.seed import demo_kiosk_token
from tests.backend.support import SseReader, assert_envelope, client
from tests.pool.support import add_informador, available, take_race, waiting_appointments


def _ticket(server, office: str, language: str, tramit: str) -> dict:
    r = httpx.post(
        f"{server.api}/kiosk/{demo_kiosk_token(office)}/tickets",
        json={"language": language, "tramit_code": tramit},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return r.json()


def _a_tramit(c: httpx.Client) -> str:
    return c.get("/tramits").json()[0]["code"]


def test_pool_routes_by_language_and_skill(fresh_backend):
    with client(fresh_backend, "marta") as marta, client(fresh_backend, "nerea") as nerea:
        available(fresh_backend, nerea.headers)
        tramit = _a_tramit(marta)
        eu = _ticket(fresh_backend, "VIT", "eu", tramit)["ticket"]
        ca = _ticket(fresh_backend, "GIR", "ca", tramit)["ticket"]
        marta_ids = {(i["kind"], i["id"]) for i in marta.get("/pool").json()["items"]}
        nerea_ids = {(i["kind"], i["id"]) for i in nerea.get("/pool").json()["items"]}
        assert ("walkin", ca["id"]) in marta_ids and ("walkin", eu["id"]) not in marta_ids
        assert ("walkin", eu["id"]) in nerea_ids and ("walkin", ca["id"]) not in nerea_ids
        # Every item marta sees matches her languages (ca/es/en); nerea's, hers (eu/es).
        assert all(i["language"] in {"ca", "es", "en"} for i in marta.get("/pool").json()["items"])
        assert all(i["language"] in {"eu", "es"} for i in nerea.get("/pool").json()["items"])
        # Taking an item one is not eligible for is refused, not silently allowed.
        assert_envelope(marta.post(f"/pool/walkin/{eu['id']}/take"), 403, "not_eligible")
        # Take-next gives the longest-waiting eligible citizen (a walk-in present before later items).
        r = nerea.post("/pool/take-next")
        assert r.status_code == 200, r.text
        taken = r.json()
        assert taken["appointment"]["staff_id"] == 4 and taken["appointment"]["language"] in {"eu", "es"}
        assert (taken["kind"], taken["id"]) not in {
            (i["kind"], i["id"]) for i in nerea.get("/pool").json()["items"]
        }


def test_take_race_has_exactly_one_winner(fresh_backend):
    users = ["marta", "jordi", "pau"]
    for u in users:
        available(fresh_backend, fresh_backend.headers(u))
    tokens = [fresh_backend.login(u)["access_token"] for u in users for _ in range(3)]  # 9 clients
    with client(fresh_backend, "marta") as c:
        ticket = _ticket(fresh_backend, "BCN", "ca", _a_tramit(c))["ticket"]
    results = take_race(fresh_backend, f"/pool/walkin/{ticket['id']}/take", tokens)
    codes = sorted(r.status_code for r in results)
    assert codes == [200] + [409] * (len(tokens) - 1), [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()
    for r in results:
        if r.status_code == 409:
            body = assert_envelope(r, 409, "already_taken")
            assert (
                "has just been taken by" in body["detail"]
                and body["taken_by"] == winner["appointment"]["staff_id"]
            )


def test_office_call_limit_on_admit_and_take(fresh_backend):
    with client(fresh_backend, "nerea") as nerea:
        appts = waiting_appointments(nerea, 4, 3)  # 4: nerea
        assert len(appts) == 3
        for a in appts[:2]:
            r = nerea.post(f"/appointments/{a['id']}/admit", json={"version": a["version"]})
            assert r.status_code == 200, r.text
        third = appts[2]
        body = assert_envelope(
            nerea.post(f"/appointments/{third['id']}/admit", json={"version": third["version"]}),
            409,
            "office_call_limit",
        )
        assert body["detail"] == "Vitoria-Gasteiz has 2 of 2 calls in progress"
        # A colleague of hers taking a walk-in (a call about to start) is refused the same way.
        add_informador(fresh_backend, "iker", "VIT", ["eu", "es"], [third["tramit_code"]])
        iker = fresh_backend.headers("iker")
        available(fresh_backend, iker)
        ticket = _ticket(fresh_backend, "VIT", "eu", third["tramit_code"])["ticket"]
        r = httpx.post(f"{fresh_backend.api}/pool/walkin/{ticket['id']}/take", headers=iker, timeout=10)
        assert assert_envelope(r, 409, "office_call_limit")["detail"] == body["detail"]
        # Finish one call: room again.
        first = nerea.get(f"/appointments/{appts[0]['id']}").json()
        r = nerea.patch(
            f"/appointments/{first['id']}",
            json={"version": first["version"], "status": "completed", "outcome": "referred"},
        )
        assert r.status_code == 200, r.text
        r = nerea.post(f"/appointments/{third['id']}/admit", json={"version": third["version"]})
        assert r.status_code == 200, r.text


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/supervisor/board"),
        ("get", "/supervisor/kpis"),
        ("get", "/supervisor/kpis.csv"),
        ("post", "/supervisor/reassign"),
    ],
)
def test_supervisor_routes_refuse_informadors(backend_server, method, path):
    with client(backend_server, "marta") as marta:
        body = {"kind": "appointment", "id": "00000000-0000-4000-8000-000000000000", "staff_id": None}
        r = marta.request(method, path, json=body if method == "post" else None)
        assert_envelope(r, 403, "forbidden")


def test_only_informadors_take(backend_server):
    with client(backend_server, "laia") as laia:
        assert_envelope(laia.post("/pool/take-next"), 403, "forbidden")


def test_presence_is_pushed(fresh_backend):
    with client(fresh_backend, "laia") as laia, client(fresh_backend, "pau") as pau:
        sse = SseReader(f"{fresh_backend.api}/events", headers=laia.headers)
        try:
            r = pau.put("/presence", json={"state": "in_call"})
            assert r.status_code == 200 and r.json()["state"] == "in_call"
            ev = sse.next("presence.updated")
            assert ev.data["presence"]["username"] == "pau" and ev.data["presence"]["state"] == "in_call"
            # A heartbeat that changes nothing is not pushed again.
            pau.put("/presence", json={"state": "in_call"})
            assert not [e for e in sse.drain(1.0) if e.event == "presence.updated"]
        finally:
            sse.close()
        board = laia.get("/supervisor/board").json()
        row = next(i for i in board["informadors"] if i["username"] == "pau")
        assert row["state"] == "in_call" and row["office_code"] == "EBR" and row["languages"] == ["ca", "es"]
        assert_envelope(pau.put("/presence", json={"state": "sleeping"}), 422, "validation_error")


def _pool_event(sse: SseReader, item_id: str) -> dict:
    """The next pool.updated about this item (others may be in between)."""
    while True:
        ev = sse.next("pool.updated")
        if ev.data["item"]["id"] == item_id:
            return ev.data


def test_reassign_walkin_and_appointment(fresh_backend):
    with client(fresh_backend, "laia") as laia, client(fresh_backend, "jordi") as jordi:
        tramit = _a_tramit(laia)
        ticket = _ticket(fresh_backend, "BCN", "ca", tramit)["ticket"]
        sse = SseReader(f"{fresh_backend.api}/events", headers=jordi.headers)
        try:
            r = laia.post("/supervisor/reassign", json={"kind": "walkin", "id": ticket["id"], "staff_id": 3})
            assert r.status_code == 200, r.text
            ev = _pool_event(sse, ticket["id"])
            assert ev["change"] == "reassigned" and ev["item"]["staff_id"] == 3, ev
            assert "citizen_name" not in ev["item"]
        finally:
            sse.close()
        assert jordi.get(f"/appointments/{ticket['appointment_id']}").json()["staff_id"] == 3
        assert ticket["id"] not in {i["id"] for i in jordi.get("/pool").json()["items"]}
        r = laia.post("/supervisor/reassign", json={"kind": "walkin", "id": ticket["id"], "staff_id": None})
        assert r.status_code == 200 and r.json()["staff_id"] is None
        assert ticket["id"] in {i["id"] for i in jordi.get("/pool").json()["items"]}
        assert_envelope(
            laia.post("/supervisor/reassign", json={"kind": "walkin", "id": ticket["id"], "staff_id": 5}),
            422,
            "validation_error",
        )
        assert_envelope(
            laia.post(
                "/supervisor/reassign",
                json={"kind": "appointment", "id": "00000000-0000-4000-8000-000000000000"},
            ),
            404,
        )
        # A real pool appointment (not a walk-in): to jordi, then back to the pool.
        appt = next(
            i
            for i in laia.get("/pool").json()["items"]
            if i["kind"] == "appointment" and i["language"] in ("ca", "es", "en")
        )
        sse = SseReader(f"{fresh_backend.api}/events", headers=jordi.headers)
        try:
            r = laia.post(
                "/supervisor/reassign", json={"kind": "appointment", "id": appt["id"], "staff_id": 3}
            )
            assert r.status_code == 200 and r.json()["staff_id"] == 3, r.text
            ev = _pool_event(sse, appt["id"])
            assert ev["change"] == "reassigned" and ev["item"]["staff_id"] == 3, ev
        finally:
            sse.close()
        assert jordi.get(f"/appointments/{appt['id']}").json()["staff_id"] == 3
        assert appt["id"] not in {i["id"] for i in jordi.get("/pool").json()["items"]}
        assert appt["id"] not in {i["id"] for i in laia.get("/pool").json()["items"]}
        r = laia.post(
            "/supervisor/reassign", json={"kind": "appointment", "id": appt["id"], "staff_id": None}
        )
        assert r.status_code == 200 and r.json()["staff_id"] is None, r.text
        back = laia.get(f"/appointments/{appt['id']}").json()  # maybe another office's: not jordi's
        assert back["staff_id"] is None and back["pool"] is True
        assert appt["id"] in {i["id"] for i in jordi.get("/pool").json()["items"]}
