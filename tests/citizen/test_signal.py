"""Signalling relay: validated messages, only between the appointment's parties."""

from __future__ import annotations

import httpx
import pytest

from tests.backend.support import SseReader
from tests.citizen.conftest import Citizen, CitizenBackend

SDP = (
    "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "a=ice-ufrag:abcd\r\na=fingerprint:sha-256 AA:BB\r\n"
)
GOOD = {"type": "offer", "call_id": "call-1", "pc_generation": 1, "sdp": SDP}
CAND = {"type": "candidate", "call_id": "c", "pc_generation": 1}
CANDIDATE = {
    "candidate": "candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host",
    "sdpMid": "0",
    "sdpMLineIndex": 0,
}

BAD = [
    ("not an object", ["offer"], "message"),
    ("unknown type", {**GOOD, "type": "hello"}, "message.type"),
    ("no call_id", {k: v for k, v in GOOD.items() if k != "call_id"}, "message.call_id"),
    ("bad call_id", {**GOOD, "call_id": "a b<"}, "message.call_id"),
    ("negative generation", {**GOOD, "pc_generation": -1}, "message.pc_generation"),
    ("string generation", {**GOOD, "pc_generation": "1"}, "message.pc_generation"),
    ("bool generation", {**GOOD, "pc_generation": True}, "message.pc_generation"),
    ("offer without sdp", {"type": "offer", "call_id": "c", "pc_generation": 1}, "message.sdp"),
    ("sdp not a string", {**GOOD, "sdp": 5}, "message.sdp"),
    ("sdp over 64 KiB", {**GOOD, "sdp": "v=0\r\n" + "a=x\r\n" * 14_000}, "message"),
    ("candidate not an object", {"type": "candidate", "call_id": "c", "pc_generation": 1, "candidate": "x"},
     "message.candidate"),
    ("candidate without mid or index",
     {**CAND, "candidate": {"candidate": CANDIDATE["candidate"]}},
     "message.candidate"),
    ("candidate bad index",
     {**CAND, "candidate": {**CANDIDATE, "sdpMLineIndex": -2}},
     "message.candidate.sdpMLineIndex"),
]  # fmt: skip


@pytest.fixture(scope="module")
def parties(citizen_backend: CitizenBackend) -> tuple[Citizen, dict[str, str]]:
    c = citizen_backend.prepare("jordi")
    return c, citizen_backend.citizen_headers(c)


@pytest.mark.parametrize(("why", "message", "field"), BAD, ids=[b[0] for b in BAD])
def test_malformed_signals_are_refused_with_a_reason(citizen_backend, parties, why, message, field) -> None:  # type: ignore[no-untyped-def]
    c, citizen = parties
    for url, headers in (
        (f"{citizen_backend.api}/citizen/signal", citizen),
        (f"{citizen_backend.api}/calls/{c.appointment_id}/signal", c.staff),
    ):
        r = httpx.post(url, json={"message": message}, headers=headers, timeout=10)
        if why == "sdp over 64 KiB" and r.status_code == 413:
            continue  # the body limit may answer first; both are a clear refusal
        assert r.status_code == 422, (why, r.text)
        body = r.json()
        assert body["code"] == "invalid_signal" and body["detail"], body
        assert body["errors"][0]["field"] == field, (why, body)


def test_relay_reaches_only_the_appointments_parties(citizen_backend: CitizenBackend) -> None:
    cb = citizen_backend
    c = cb.prepare("marta")
    other = cb.prepare("marta")  # another appointment of the same office
    citizen, other_citizen = cb.citizen_headers(c), cb.citizen_headers(other)
    marta = SseReader(f"{cb.api}/events", headers=c.staff)
    pau = SseReader(f"{cb.api}/events", headers=cb.headers("pau"))  # another office
    mine = SseReader(f"{cb.api}/citizen/events", headers=citizen)
    theirs = SseReader(f"{cb.api}/citizen/events", headers=other_citizen)
    try:
        # citizen → staff of that office
        assert (
            httpx.post(f"{cb.api}/citizen/signal", json={"message": GOOD}, headers=citizen).status_code == 202
        )
        ev = marta.next("signal")
        assert ev.data == {"appointment_id": c.appointment_id, "message": GOOD}
        # staff → that citizen only
        answer = {**GOOD, "type": "answer"}
        r = httpx.post(f"{cb.api}/calls/{c.appointment_id}/signal", json={"message": answer}, headers=c.staff)
        assert r.status_code == 202
        assert mine.next("signal").data == {"appointment_id": c.appointment_id, "message": answer}
        # another office's informador can neither send nor see it
        r = httpx.post(
            f"{cb.api}/calls/{c.appointment_id}/signal", json={"message": answer}, headers=cb.headers("pau")
        )
        assert r.status_code == 404
        assert not [e for e in pau.drain(1.0) if e.event == "signal"]
        assert not [e for e in theirs.drain(0.2) if e.event == "signal"]
    finally:
        for reader in (marta, pau, mine, theirs):
            reader.close()


def test_waiting_admit_and_events(citizen_backend: CitizenBackend) -> None:
    cb = citizen_backend
    c = cb.prepare()
    citizen = cb.citizen_headers(c)
    staff = SseReader(f"{cb.api}/events", headers=c.staff)
    token = citizen["Authorization"].split()[1]
    page = SseReader(f"{cb.api}/citizen/events", params={"citizen_token": token})
    try:
        assert page.next("hello")
        assert httpx.post(f"{cb.api}/citizen/waiting", headers=citizen).status_code == 204
        assert staff.next("citizen.waiting").data == {"appointment_id": c.appointment_id}
        appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff).json()
        assert appt["status"] == "waiting"
        stale = httpx.post(
            f"{cb.api}/appointments/{c.appointment_id}/admit", json={"version": 1}, headers=c.staff
        )
        assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
        r = httpx.post(
            f"{cb.api}/appointments/{c.appointment_id}/admit",
            json={"version": appt["version"]},
            headers=c.staff,
        )
        assert r.status_code == 200 and r.json()["status"] == "in_call"
        assert page.next("admitted")
        ice = httpx.get(f"{cb.api}/calls/{c.appointment_id}/ice", headers=c.staff).json()
        assert ice == {"ice_servers": []}  # nothing configured: no STUN wait for aiortc
        done = httpx.patch(
            f"{cb.api}/appointments/{c.appointment_id}",
            json={"version": r.json()["version"], "status": "completed", "outcome": "referred"},
            headers=c.staff,
        )
        assert done.status_code == 200, done.text
        assert page.next("ended")
        # The session ends with the appointment.
        assert (
            httpx.post(f"{cb.api}/citizen/signal", json={"message": GOOD}, headers=citizen).status_code == 401
        )
    finally:
        staff.close()
        page.close()


def test_citizen_routes_need_a_citizen_token(citizen_backend: CitizenBackend) -> None:
    cb = citizen_backend
    staff_token = {"Authorization": cb.headers("marta")["Authorization"]}
    for method, path in (
        ("POST", "/citizen/waiting"),
        ("POST", "/citizen/signal"),
        ("GET", "/citizen/documents"),
        ("GET", "/citizen/ice"),
        ("POST", "/citizen/leave"),
    ):
        for headers in ({}, staff_token, {"Authorization": "Bearer nonsense"}):
            r = httpx.request(method, f"{cb.api}{path}", headers=headers, json={"message": GOOD})
            assert r.status_code == 401, (path, r.text)
