"""GET /events: hello, pings, ids, office scoping, and shutdown with open streams."""

from __future__ import annotations

import time

import httpx

from backend.embedded import start_embedded
from tests.backend.support import SseReader, assert_envelope, client


def test_update_reaches_same_office_and_supervisor_not_other_office(fresh_backend):
    api = fresh_backend.api
    marta = SseReader(f"{api}/events", headers=fresh_backend.headers("marta"))
    pau = SseReader(f"{api}/events", params={"access_token": fresh_backend.login("pau")["access_token"]})
    laia = SseReader(f"{api}/events", headers=fresh_backend.headers("laia"))
    try:
        assert marta.status == 200 and marta.content_type.startswith("text/event-stream")
        for reader in (marta, pau, laia):
            first = reader.next(timeout=5)
            assert first.event == "hello" and "server_time" in first.data

        with client(fresh_backend, "marta") as c:
            appt = c.get("/appointments", params={"status": "confirmed"}).json()[0]
            updated = c.patch(
                f"/appointments/{appt['id']}", json={"version": appt["version"], "notes": "n1"}
            ).json()
            again = c.patch(
                f"/appointments/{appt['id']}", json={"version": updated["version"], "notes": "n2"}
            ).json()

        # Events reach boards and every office's supervisors: the date of birth stays out of them.
        assert updated["citizen_birth_date"]
        published, published_again = ({**row, "citizen_birth_date": None} for row in (updated, again))
        got = marta.next("appointment.updated")
        assert got.data == {"appointment": published}
        got2 = marta.next("appointment.updated")
        assert got2.data == {"appointment": published_again}
        assert int(got2.id) > int(got.id)
        assert laia.next("appointment.updated").data == {"appointment": published}
        # pau (another office) gets pings only.
        seen = pau.drain(1.5)
        assert {e.event for e in seen} == {"ping"}, seen
    finally:
        for reader in (marta, pau, laia):
            reader.close()


def test_events_need_a_valid_token(backend_server):
    with client(backend_server) as c:
        assert_envelope(c.get("/events"), 401, "not_authenticated")
        assert_envelope(c.get("/events", params={"access_token": "garbage"}), 401, "not_authenticated")


def test_server_stop_with_open_streams_is_quick(fresh_backend):
    readers = [
        SseReader(f"{fresh_backend.api}/events", headers=fresh_backend.headers("laia")) for _ in range(3)
    ]
    for r in readers:
        r.next("hello")
    t0 = time.monotonic()
    fresh_backend.stop()  # SIGTERM, waits for exit
    elapsed = time.monotonic() - t0
    assert elapsed < 2.5, elapsed
    for r in readers:
        assert r.ended.wait(2)
        r.close()


def test_embedded_server_serves_and_stops_fast_with_open_stream(tmp_path):
    server = start_embedded(tmp_path / "demo")
    try:
        assert server.url.startswith("http://127.0.0.1:")
        api = f"{server.url}/api/v1"
        tokens = httpx.post(f"{api}/auth/login", json={"username": "marta", "password": "demo"}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        assert len(httpx.get(f"{api}/appointments", headers=headers).json()) >= 10
        reader = SseReader(f"{api}/events", headers=headers)
        reader.next("hello")
    finally:
        t0 = time.monotonic()
        server.stop()
        elapsed = time.monotonic() - t0
    assert elapsed < 2.0, elapsed
    assert reader.ended.wait(2)
    reader.close()
