"""Interpreter as a third party of a call (backend): single-use invite bound to an appointment in_call,
its own signalling channel relayed only between the console and that interpreter."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx

from tests.backend.support import SseReader
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.citizen.test_signal import GOOD


def _in_call(cb: CitizenBackend, username: str = "marta") -> tuple[Citizen, dict[str, str], dict[str, Any]]:
    c = cb.prepare(username)
    citizen = cb.citizen_headers(c)
    assert httpx.post(f"{cb.api}/citizen/waiting", headers=citizen).status_code == 204
    appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
    r = httpx.post(
        f"{cb.api}/appointments/{c.appointment_id}/admit", json={"version": appt["version"]}, headers=c.staff
    )
    assert r.status_code == 200, r.text
    return c, citizen, r.json()


def _invite(cb: CitizenBackend, c: Citizen) -> httpx.Response:
    return httpx.post(f"{cb.api}/calls/{c.appointment_id}/interpreter", headers=c.staff, timeout=10)


def _join(cb: CitizenBackend, token: str) -> httpx.Response:
    return httpx.post(f"{cb.api}/interpreter/session", json={"invite_token": token}, timeout=10)


def test_invite_only_in_call_single_use_and_expires_with_the_call(citizen_backend: CitizenBackend) -> None:
    cb = citizen_backend
    early = cb.prepare("marta")
    r = _invite(cb, early)
    assert r.status_code == 422 and r.json()["code"] == "invalid_transition"  # not in the call yet
    pau = httpx.post(f"{cb.api}/calls/{early.appointment_id}/interpreter", headers=cb.headers("pau"))
    assert pau.status_code == 404  # another office: answered like a missing appointment

    c, _citizen, appt = _in_call(cb)
    r = _invite(cb, c)
    assert r.status_code == 200, r.text
    url, expires = r.json()["url"], r.json()["expires_at"]
    token = url.rsplit("/i/", 1)[1]
    assert len(token) >= 22 and expires
    page = httpx.get(f"{cb.server.url}/i/{token}", timeout=10)
    assert page.status_code == 200 and token not in page.text  # the page never contains the token

    joined = _join(cb, token)
    assert joined.status_code == 200, joined.text
    bearer = {"Authorization": f"Bearer {joined.json()['interpreter_token']}"}
    assert httpx.get(f"{cb.api}/interpreter/ice", headers=bearer).json() == {"ice_servers": []}
    # Single use, and unknown tokens: the same answer.
    again, unknown = _join(cb, token), _join(cb, "x" * 32)
    assert again.status_code == unknown.status_code == 401
    assert again.json() == unknown.json()
    with sqlite3.connect(cb.db_path) as con:
        row = con.execute(
            "SELECT invite_hash FROM interpreter_invite WHERE appointment_id=?", (c.appointment_id,)
        )
        assert token not in row.fetchone()[0]  # stored hashed
        flag = con.execute("SELECT interpreter FROM call_record WHERE appointment_id=?", (c.appointment_id,))
        assert flag.fetchone()[0] == 1  # the KPI "share needing an interpreter"
        actions = [
            a for (a,) in con.execute("SELECT action FROM audit_event WHERE object_id=?", (c.appointment_id,))
        ]
    assert "interpreter.invited" in actions and "interpreter.joined" in actions

    unused = _invite(cb, c).json()["url"].rsplit("/i/", 1)[1]
    done = httpx.patch(
        f"{cb.api}/appointments/{c.appointment_id}",
        json={"version": appt["version"], "status": "completed", "outcome": "referred"},
        headers=c.staff,
    )
    assert done.status_code == 200, done.text
    # The call ended: the session and the unused invite both stop working, with the same answers.
    assert httpx.get(f"{cb.api}/interpreter/ice", headers=bearer).status_code == 401
    late = _join(cb, unused)
    assert late.status_code == 401 and late.json() == unknown.json()
    assert _invite(cb, c).status_code == 422


def test_interpreter_relay_is_scoped(citizen_backend: CitizenBackend) -> None:
    cb = citizen_backend
    c, citizen, _appt = _in_call(cb)
    token = _invite(cb, c).json()["url"].rsplit("/i/", 1)[1]
    bearer = {"Authorization": f"Bearer {_join(cb, token).json()['interpreter_token']}"}
    staff = SseReader(f"{cb.api}/events", headers=c.staff)
    mine = SseReader(f"{cb.api}/interpreter/events", headers=bearer)
    page = SseReader(f"{cb.api}/citizen/events", headers=citizen)
    try:
        assert mine.next("hello") and page.next("hello")
        assert staff.next("interpreter.ready").data == {"appointment_id": c.appointment_id}
        # interpreter → staff, marked as the interpreter's
        r = httpx.post(f"{cb.api}/interpreter/signal", json={"message": GOOD}, headers=bearer)
        assert r.status_code == 202, r.text
        ev = staff.next("signal")
        assert ev.data["party"] == "interpreter" and ev.data["message"] == GOOD
        # staff → interpreter only; staff → citizen only
        to_i = {**GOOD, "call_id": "to-interpreter"}
        r = httpx.post(
            f"{cb.api}/calls/{c.appointment_id}/signal",
            json={"message": to_i, "to": "interpreter"},
            headers=c.staff,
        )
        assert r.status_code == 202, r.text
        assert mine.next("signal").data["message"] == to_i
        r = httpx.post(f"{cb.api}/calls/{c.appointment_id}/signal", json={"message": GOOD}, headers=c.staff)
        assert r.status_code == 202
        assert page.next("signal").data["message"] == GOOD
        assert [e for e in mine.drain(0.3) if e.event == "signal"] == []
        assert all(
            e.data["message"]["call_id"] != "to-interpreter" for e in page.drain(0.3) if e.event == "signal"
        )
        # citizen signals keep their original shape
        assert (
            httpx.post(f"{cb.api}/citizen/signal", json={"message": GOOD}, headers=citizen).status_code == 202
        )
        assert "party" not in staff.next("signal").data  # absent = the citizen, as before
        # bad input → 4xx
        bad = httpx.post(f"{cb.api}/interpreter/signal", json={"message": {"type": "x"}}, headers=bearer)
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_signal"
        assert httpx.post(f"{cb.api}/interpreter/signal", json={"message": GOOD}).status_code == 401
        odd = httpx.post(
            f"{cb.api}/calls/{c.appointment_id}/signal",
            json={"message": GOOD, "to": "everyone"},
            headers=c.staff,
        )
        assert odd.status_code == 422
    finally:
        staff.close()
        mine.close()
        page.close()
