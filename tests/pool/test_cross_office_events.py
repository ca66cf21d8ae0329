"""A pool appointment of another office: the informador who took it gets its citizen's events.

Real backend process; the citizen side uses the real PIN exchange. Office A = GIR (marta) takes office
B = BCN's pool appointment; C = EBR (pau) is unrelated; jordi (BCN) is of the appointment's office.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime, timedelta

import httpx

from tests.backend.support import SseReader
from tests.citizen.test_signal import GOOD
from tests.helpers.backend_server import BackendProcess
from tests.pool.support import available

OFFER = {**GOOD, "call_id": "pool-call"}


def _bcn_pool_appointment(server: BackendProcess, marta: dict[str, str]) -> dict:
    items = httpx.get(f"{server.api}/pool", headers=marta, timeout=10).json()["items"]
    return next(i for i in items if i["kind"] == "appointment" and i["office_code"] == "BCN")


def _citizen_token(server: BackendProcess, appointment_id: str) -> str:
    laia = server.headers("laia")  # the supervisor may issue link and PIN for any office
    # Inside the PIN window (the backend's own SQLite file: there is no reschedule route).
    start = (datetime.now(UTC) + timedelta(minutes=5)).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(server.data_dir / "videoatencio.db") as con:
        con.execute("UPDATE appointment SET start = ? WHERE id = ?", (start, appointment_id))
    url = httpx.post(f"{server.api}/appointments/{appointment_id}/link", headers=laia, timeout=10).json()[
        "url"
    ]
    assert (
        httpx.post(f"{server.api}/appointments/{appointment_id}/pin", headers=laia, timeout=10).status_code
        == 202
    )
    outbox = httpx.get(
        f"{server.api}/admin/outbox", params={"appointment_id": appointment_id}, headers=laia, timeout=10
    ).json()
    pin = re.search(r"\b(\d{6})\b", next(m["body"] for m in outbox if m["purpose"] == "pin"))
    assert pin
    r = httpx.post(
        f"{server.api}/citizen/session",
        json={"join_token": url.rsplit("/", 1)[1], "pin": pin.group(1)},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    token: str = r.json()["citizen_token"]
    return token


def _signals(reader: SseReader, seconds: float) -> list[dict]:
    return [e.data for e in reader.drain(seconds) if e.event == "signal"]


def test_taker_from_another_office_gets_the_citizens_events(fresh_backend: BackendProcess) -> None:
    api = fresh_backend.api
    marta, pau, jordi = (fresh_backend.headers(u) for u in ("marta", "pau", "jordi"))
    available(fresh_backend, marta)
    item = _bcn_pool_appointment(fresh_backend, marta)
    appt_id = item["appointment_id"]
    citizen = {"Authorization": f"Bearer {_citizen_token(fresh_backend, appt_id)}"}
    readers = {name: SseReader(f"{api}/events", headers=h) for name, h in
               (("marta", marta), ("pau", pau), ("jordi", jordi))}  # fmt: skip
    page = SseReader(f"{api}/citizen/events", headers=citizen)
    try:
        r = httpx.post(f"{api}/pool/appointment/{appt_id}/take", headers=marta, timeout=10)
        assert r.status_code == 200, r.text
        # The take's own appointment.updated already reaches the taker.
        ev = readers["marta"].next("appointment.updated")
        assert ev.data["appointment"]["id"] == appt_id and ev.data["appointment"]["staff_id"] == 1

        assert httpx.post(f"{api}/citizen/waiting", headers=citizen, timeout=10).status_code == 204
        assert readers["marta"].next("citizen.waiting").data == {"appointment_id": appt_id}
        assert (
            httpx.post(f"{api}/citizen/signal", json={"message": OFFER}, headers=citizen).status_code == 202
        )
        assert readers["marta"].next("signal").data == {"appointment_id": appt_id, "message": OFFER}
        # The appointment's own office still sees it (a colleague may take over); office C does not.
        assert readers["jordi"].next("signal").data["appointment_id"] == appt_id
        # (pool.updated "taken" is broadcast on purpose: everyone's pool list drops the item.)
        leaked = [
            e for e in readers["pau"].drain(1.0) if e.event != "pool.updated" and appt_id in str(e.data)
        ]
        assert not leaked, leaked

        # The taker serves it end to end: reads it, admits, signals back, closes it.
        appt = httpx.get(f"{api}/appointments/{appt_id}", headers=marta, timeout=10)
        assert appt.status_code == 200, appt.text
        admitted = httpx.post(
            f"{api}/appointments/{appt_id}/admit", json={"version": appt.json()["version"]}, headers=marta
        )
        assert admitted.status_code == 200, admitted.text
        answer = {**OFFER, "type": "answer"}
        assert (
            httpx.post(f"{api}/calls/{appt_id}/signal", json={"message": answer}, headers=marta).status_code
            == 202
        )
        assert page.next("signal").data["message"] == answer
        done = httpx.patch(
            f"{api}/appointments/{appt_id}",
            json={"version": admitted.json()["version"], "status": "completed", "outcome": "referred"},
            headers=marta,
        )
        assert done.status_code == 200, done.text
        # An unrelated informador can neither read it nor signal into it.
        assert httpx.get(f"{api}/appointments/{appt_id}", headers=pau).status_code == 404
    finally:
        for reader in (*readers.values(), page):
            reader.close()


def test_reassignment_tells_the_previous_holder(fresh_backend: BackendProcess) -> None:
    api = fresh_backend.api
    marta, laia = fresh_backend.headers("marta"), fresh_backend.headers("laia")
    available(fresh_backend, marta)
    appt_id = _bcn_pool_appointment(fresh_backend, marta)["appointment_id"]
    assert httpx.post(f"{api}/pool/appointment/{appt_id}/take", headers=marta).status_code == 200
    reader = SseReader(f"{api}/events", headers=marta)
    try:
        r = httpx.post(
            f"{api}/supervisor/reassign",
            json={"kind": "appointment", "id": appt_id, "staff_id": 3},
            headers=laia,
        )
        assert r.status_code == 200, r.text
        ev = reader.next("appointment.updated")
        assert ev.data["appointment"]["id"] == appt_id and ev.data["appointment"]["staff_id"] == 3
    finally:
        reader.close()
