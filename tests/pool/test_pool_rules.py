"""The pool's rules against a real backend: the office call limit on every way a call starts (also in
parallel, on SQLite and PostgreSQL), skill routing, only free informadors take, the take-next race,
presence going stale, reassignment checks, and the interpreter's KPI flag."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.backend.support import SseReader, assert_envelope, client
from tests.helpers.backend_server import BackendProcess, session_day
from tests.pool.support import (
    add_informador,
    available,
    database,
    poll,
    set_skills,
    take_and_admit,
    take_race,
    ticket,
    waiting_appointments,
)

NEREA, JORDI = 4, 3
VIT_LIMIT = "Vitoria-Gasteiz has 2 of 2 calls in progress"


def _tramits(c: httpx.Client) -> list[str]:
    return [t["code"] for t in c.get("/tramits").json()]


def _pool_ids(c: httpx.Client) -> set[tuple[str, str]]:
    return {(i["kind"], i["id"]) for i in c.get("/pool").json()["items"]}


# -- 1. the office limit --------------------------------------------------------------------------------


def test_status_patch_to_in_call_obeys_the_office_limit(fresh_backend):
    with client(fresh_backend, "nerea") as nerea:
        appts = waiting_appointments(nerea, NEREA, 3)
        for a in appts[:2]:
            r = nerea.patch(f"/appointments/{a['id']}", json={"version": a["version"], "status": "in_call"})
            assert r.status_code == 200, r.text
        third = appts[2]
        body = assert_envelope(
            nerea.patch(
                f"/appointments/{third['id']}", json={"version": third["version"], "status": "in_call"}
            ),
            409,
            "office_call_limit",
        )
        assert body["detail"] == VIT_LIMIT and body["in_progress"] == 2 and body["limit"] == 2
        # Nothing changed: still waiting, same version.
        now = nerea.get(f"/appointments/{third['id']}").json()
        assert (now["status"], now["version"]) == ("waiting", third["version"])
    # A supervisor of another office starting it counts for Vitoria-Gasteiz too, not for Barcelona.
    with client(fresh_backend, "laia") as laia:
        assert_envelope(
            laia.patch(
                f"/appointments/{third['id']}", json={"version": third["version"], "status": "in_call"}
            ),
            409,
            "office_call_limit",
        )


@pytest.mark.parametrize("database_kind", ["sqlite", "postgresql"])
def test_parallel_call_starts_of_one_office_exactly_the_limit_wins(request, database_kind):
    server: BackendProcess = request.getfixturevalue(
        "fresh_backend" if database_kind == "sqlite" else "postgres_backend"
    )
    with client(server, "nerea") as nerea:
        appts = waiting_appointments(nerea, NEREA, 6)
    tokens = [server.login("nerea")["access_token"] for _ in appts]
    barrier = threading.Barrier(len(appts))

    def start(i: int) -> httpx.Response:
        a = appts[i]
        with httpx.Client(
            base_url=server.api, timeout=30, headers={"Authorization": f"Bearer {tokens[i]}"}
        ) as http:
            barrier.wait()
            if i % 2:  # both ways a call starts race each other
                return http.patch(
                    f"/appointments/{a['id']}", json={"version": a["version"], "status": "in_call"}
                )
            return http.post(f"/appointments/{a['id']}/admit", json={"version": a["version"]})

    with ThreadPoolExecutor(len(appts)) as pool:
        results = list(pool.map(start, range(len(appts))))
    assert sorted(r.status_code for r in results) == [200, 200, 409, 409, 409, 409], [r.text for r in results]
    for r in results:
        if r.status_code == 409:
            assert assert_envelope(r, 409, "office_call_limit")["detail"] == VIT_LIMIT
    with client(server, "laia") as laia:
        board = laia.get("/supervisor/board").json()
        vit = next(o for o in board["offices"] if o["code"] == "VIT")
        assert vit["calls_in_progress"] == 2
        statuses = [laia.get(f"/appointments/{a['id']}").json()["status"] for a in appts]
    assert sorted(statuses) == ["in_call"] * 2 + ["waiting"] * 4


# -- 2. skill routing -----------------------------------------------------------------------------------


def test_an_informador_with_narrow_skills_neither_sees_nor_takes_other_tramits(fresh_backend):
    with client(fresh_backend, "jordi") as jordi:
        own, other = _tramits(jordi)[:2]
    set_skills(fresh_backend, "marta", [own])
    mine = ticket(fresh_backend, "BCN", "ca", own)["ticket"]
    not_mine = ticket(fresh_backend, "GIR", "ca", other)["ticket"]  # one ticket per kiosk at a time
    with client(fresh_backend, "marta") as marta, client(fresh_backend, "jordi") as jordi:
        available(fresh_backend, marta.headers)
        items = marta.get("/pool").json()["items"]
        assert ("walkin", mine["id"]) in {(i["kind"], i["id"]) for i in items}
        assert {i["tramit_code"] for i in items} == {own}, items
        # jordi has every skill: he does see the other tràmit (the filter is the skill, not the ticket).
        assert ("walkin", not_mine["id"]) in _pool_ids(jordi)
        body = assert_envelope(marta.post(f"/pool/walkin/{not_mine['id']}/take"), 403, "not_eligible")
        assert not_mine["label"] in body["detail"]
        r = marta.post("/pool/take-next")
        assert r.status_code == 200, r.text
        assert r.json()["appointment"]["tramit_code"] == own and r.json()["appointment"]["staff_id"] == 1
        # The refused ticket is still there for someone who may take it.
        assert ("walkin", not_mine["id"]) in _pool_ids(jordi)


# -- 3. only a free informador takes ------------------------------------------------------------------------


def test_take_needs_presence_available_and_no_call_in_progress(fresh_backend):
    with client(fresh_backend, "jordi") as jordi:
        tramit = _tramits(jordi)[0]
        first = ticket(fresh_backend, "BCN", "ca", tramit)["ticket"]
        second = ticket(fresh_backend, "GIR", "es", tramit)["ticket"]  # one ticket per kiosk at a time
        assert jordi.put("/presence", json={"state": "away"}).status_code == 200
        for r in (jordi.post("/pool/take-next"), jordi.post(f"/pool/walkin/{first['id']}/take")):
            body = assert_envelope(r, 409, "not_available")
            assert body["detail"] == "You are away on the board: set yourself available to take a citizen"
        assert jordi.put("/presence", json={"state": "wrap_up"}).status_code == 200
        refused = assert_envelope(jordi.post("/pool/take-next"), 409)
        assert "You are wrapping up on the board" in refused["detail"]
        assert ("walkin", first["id"]) in _pool_ids(jordi)  # nothing was taken
        available(fresh_backend, jordi.headers)
        appt = take_and_admit(jordi, first["id"])
        # Presence still says available (a console that did not say otherwise): the call decides.
        for r in (jordi.post("/pool/take-next"), jordi.post(f"/pool/walkin/{second['id']}/take")):
            body = assert_envelope(r, 409, "in_a_call")
            assert body["detail"] == "You are in a call: finish it before taking the next citizen"
            assert body["appointment_id"] == appt["id"]
        assert ("walkin", second["id"]) in _pool_ids(jordi)


def test_admitting_an_unassigned_pool_appointment_moves_its_version_once(fresh_backend):
    """Admission gives the pool appointment to the admitter and starts the call in one write: a client
    holding the version it got back can go on without a spurious conflict."""
    with client(fresh_backend, "marta") as marta:
        rows = marta.get("/appointments").json()
        appt = next(a for a in rows if a["pool"] and a["staff_id"] is None and a["status"] == "confirmed")
        r = marta.patch(f"/appointments/{appt['id']}", json={"version": appt["version"], "status": "waiting"})
        assert r.status_code == 200, r.text
        waiting = r.json()
        assert waiting["version"] == appt["version"] + 1 and waiting["staff_id"] is None
        r = marta.post(f"/appointments/{appt['id']}/admit", json={"version": waiting["version"]})
        assert r.status_code == 200, r.text
        current = marta.get(f"/appointments/{appt['id']}").json()
        assert current["status"] == "in_call" and current["staff_id"] is not None
        assert current["version"] == waiting["version"] + 1


# -- 4. the take-next race ----------------------------------------------------------------------------------


def test_take_next_race_gives_distinct_items_and_clear_answers(fresh_backend):
    with client(fresh_backend, "laia") as laia:
        everything = laia.get("/pool").json()["items"]
    appointments = [i for i in everything if i["kind"] == "appointment" and i["language"] in ("ca", "es")]
    assert appointments, everything
    # The racers handle one tràmit and speak one language: the items they may take are known exactly.
    target = appointments[0]
    lang, tramit = target["language"], target["tramit_code"]
    for office in ("GIR", "EBR"):  # a kiosk has one ticket at a time
        ticket(fresh_backend, office, lang, tramit)
    with client(fresh_backend, "laia") as laia:
        items = {
            (i["kind"], i["id"])
            for i in laia.get("/pool").json()["items"]
            if i["tramit_code"] == tramit and i["language"] in (lang, "ar", "ur")
        }
    assert ("appointment", target["id"]) in items and len(items) >= 3
    racers = len(items) + 3
    ids = [add_informador(fresh_backend, f"racer{n}", "BCN", [lang], [tramit]) for n in range(racers)]
    heads = [fresh_backend.headers(f"racer{n}") for n in range(racers)]
    for h in heads:
        available(fresh_backend, h)
    barrier = threading.Barrier(racers)

    def take_next(h: dict[str, str]) -> httpx.Response:
        with httpx.Client(base_url=fresh_backend.api, timeout=30, headers=h) as http:
            barrier.wait()
            return http.post("/pool/take-next")

    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(take_next, heads))
    won = [r.json() for r in results if r.status_code == 200]
    assert len(won) == len(items), [r.text for r in results]
    assert {(w["kind"], w["id"]) for w in won} == items  # every item once: no double assignment
    assert sorted(w["appointment"]["staff_id"] for w in won) == sorted(
        sid for sid, r in zip(ids, results, strict=True) if r.status_code == 200
    )
    for r in results:
        if r.status_code != 200:
            body = assert_envelope(r, r.status_code)
            assert (r.status_code, body["code"]) in {(404, "pool_empty"), (409, "already_taken")}, body
            pool_empty = body["detail"] == "Nobody is waiting for you in the pool right now"
            assert pool_empty or "has just been taken by" in body["detail"], body
    with client(fresh_backend, "laia") as laia:
        appt = laia.get(f"/appointments/{target['id']}").json()
    winner = next(w for w in won if w["id"] == target["id"])
    assert appt["staff_id"] == winner["appointment"]["staff_id"] in ids


def test_take_race_on_a_pool_appointment_has_one_winner(fresh_backend):
    users = ["marta", "jordi", "pau"]
    for u in users:
        available(fresh_backend, fresh_backend.headers(u))
    with client(fresh_backend, "laia") as laia:
        target = next(
            i
            for i in laia.get("/pool").json()["items"]
            if i["kind"] == "appointment" and i["language"] in ("ca", "es")
        )
    tokens = [fresh_backend.login(u)["access_token"] for u in users for _ in range(3)]
    results = take_race(fresh_backend, f"/pool/appointment/{target['id']}/take", tokens)
    assert sorted(r.status_code for r in results) == [200] + [409] * 8, [r.text for r in results]
    winner = next(r for r in results if r.status_code == 200).json()["appointment"]["staff_id"]
    for r in results:
        if r.status_code == 409:
            body = assert_envelope(r, 409, "already_taken")
            assert "has just been taken by" in body["detail"] and body["taken_by"] == winner
    with client(fresh_backend, "laia") as laia:
        assert laia.get(f"/appointments/{target['id']}").json()["staff_id"] == winner


# -- 5. presence going stale --------------------------------------------------------------------------------


def test_presence_goes_offline_when_the_heartbeat_stops(tmp_path: Path):
    server = BackendProcess(
        tmp_path / "backend",
        session_day(),
        env={"VIDEOATENCIO_PRESENCE_TIMEOUT_S": "1", "VIDEOATENCIO_PRESENCE_SWEEP_S": "0.2"},
    )
    server.start()
    try:
        with client(server, "laia") as laia, client(server, "pau") as pau:
            sse = SseReader(f"{server.api}/events", headers=laia.headers)
            try:
                assert pau.put("/presence", json={"state": "available"}).status_code == 200

                def pau_state(ev: Any) -> str | None:
                    p = ev.data["presence"]
                    return str(p["state"]) if p["username"] == "pau" else None

                seen = [pau_state(sse.next("presence.updated"))]
                while seen[-1] != "offline":  # bounded by next()'s timeout
                    seen.append(pau_state(sse.next("presence.updated", timeout=5)))
                assert "available" in seen and seen[-1] == "offline", seen
                assert laia.get("/supervisor/board").json()["presence_timeout_s"] == 1
                row = next(
                    i for i in laia.get("/supervisor/board").json()["informadors"] if i["username"] == "pau"
                )
                assert row["state"] == "offline"
                # An offline informador is not routed citizens.
                assert (
                    "You are offline"
                    in assert_envelope(pau.post("/pool/take-next"), 409, "not_available")["detail"]
                )
                # The next heartbeat is news again.
                assert pau.put("/presence", json={"state": "available"}).status_code == 200
                while (state := pau_state(sse.next("presence.updated"))) is None:
                    pass
                assert state == "available"
            finally:
                sse.close()
    finally:
        server.stop()


# -- 6. the interpreter's KPI flag ---------------------------------------------------------------------


def _call_record(server: BackendProcess, appt_id: str) -> tuple[Any, ...] | None:
    with database(server) as con:
        row: tuple[Any, ...] | None = con.execute(
            "SELECT interpreter, office_id, staff_id, tramit_code, walk_in, admitted_at"
            " FROM call_record WHERE appointment_id = ?",
            (appt_id,),
        ).fetchone()
        return row


def test_interpreter_joining_creates_the_missing_call_record(fresh_backend):
    with client(fresh_backend, "nerea") as nerea:
        (a,) = waiting_appointments(nerea, NEREA, 1)
        r = nerea.post(f"/appointments/{a['id']}/admit", json={"version": a["version"]})
        assert r.status_code == 200, r.text
        # The follower records the call from the status events, asynchronously; remove its record to
        # stand for the moment before it got there.
        poll(lambda: (_call_record(fresh_backend, a["id"]) or (None,) * 6)[5], "the follower's record")
        with database(fresh_backend) as con:
            con.execute("DELETE FROM call_record WHERE appointment_id = ?", (a["id"],))
        invite = nerea.post(f"/calls/{a['id']}/interpreter")
        assert invite.status_code == 200, invite.text
        token = invite.json()["url"].rsplit("/i/", 1)[1]
        joined = httpx.post(
            f"{fresh_backend.api}/interpreter/session", json={"invite_token": token}, timeout=10
        )
        assert joined.status_code == 200, joined.text
    row = _call_record(fresh_backend, a["id"])
    assert row is not None and row[:5] == (1, 4, NEREA, a["tramit_code"], 0), row


# -- 7. reassignment follows the same rules as taking ------------------------------------------------


def test_reassign_checks_language_skill_and_the_office_limit(fresh_backend):
    with client(fresh_backend, "laia") as laia:
        one, two = _tramits(laia)[:2]
        eu = ticket(fresh_backend, "VIT", "eu", one)["ticket"]
        body = assert_envelope(
            laia.post("/supervisor/reassign", json={"kind": "walkin", "id": eu["id"], "staff_id": JORDI}),
            409,
            "not_eligible",
        )
        assert body["detail"] == "Jordi Vilaró Casals does not speak the citizen's language (eu)"
        set_skills(fresh_backend, "pau", [one])
        ca = ticket(fresh_backend, "EBR", "ca", two)["ticket"]
        body = assert_envelope(
            laia.post("/supervisor/reassign", json={"kind": "walkin", "id": ca["id"], "staff_id": 2}),
            409,
            "not_eligible",
        )
        assert body["detail"] == f"Pau Ferré Galceran does not handle the tràmit {two}"
        # Nerea's office is at its limit: a walk-in (a call about to start) cannot be pushed onto her.
        with client(fresh_backend, "nerea") as nerea:
            for a in waiting_appointments(nerea, NEREA, 2):
                r = nerea.post(f"/appointments/{a['id']}/admit", json={"version": a["version"]})
                assert r.status_code == 200, r.text
        body = assert_envelope(
            laia.post("/supervisor/reassign", json={"kind": "walkin", "id": eu["id"], "staff_id": NEREA}),
            409,
            "office_call_limit",
        )
        assert body["detail"] == VIT_LIMIT
        # Every refusal left the tickets where they were.
        waiting = {(i["kind"], i["id"]) for i in laia.get("/pool").json()["items"]}
        assert {("walkin", eu["id"]), ("walkin", ca["id"])} <= waiting
        # An eligible target with room is accepted.
        r = laia.post("/supervisor/reassign", json={"kind": "walkin", "id": ca["id"], "staff_id": JORDI})
        assert r.status_code == 200 and r.json()["staff_id"] == JORDI, r.text
