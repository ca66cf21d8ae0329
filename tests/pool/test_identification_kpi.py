"""Identification failures are counted in the call record as they happen (the supervisor's KPI)."""

from __future__ import annotations

import sqlite3
import time

from tests.helpers.backend_server import BackendProcess
from tests.helpers.identification import checklist, engine_from, post_events, set_level


def _failures(db: str, appointment_id: str, expect: int, within_s: float = 10.0) -> int:
    deadline = time.monotonic() + within_s
    value = -1
    while time.monotonic() < deadline:  # the backend's follower writes it just after the route returns
        with sqlite3.connect(db) as con:
            row = con.execute(
                "SELECT identification_failures FROM call_record WHERE appointment_id = ?", (appointment_id,)
            ).fetchone()
        value = row[0] if row else -1
        if value == expect:
            return value
        time.sleep(0.05)  # bounded poll of another process's database
    return value


def test_a_failed_identification_item_is_counted_live(fresh_backend: BackendProcess) -> None:
    import httpx

    api, marta = fresh_backend.api, fresh_backend.headers("marta")
    db = fresh_backend.database_url.removeprefix("sqlite:///")
    appt = next(
        a
        for a in httpx.get(f"{api}/appointments", headers=marta, timeout=10).json()
        if a["status"] in ("scheduled", "confirmed") and not a["pool"]
    )
    set_level(db, appt["id"], "atesa", "targeta-discapacitat")
    body = checklist(api, marta, appt["id"])
    engine = engine_from(body)
    section = next(s for s in engine.run.script.sections if s.id == "identification")
    item = next(i for i in section.items if i.kind.value != "automatic" and engine.run.has_item(i.id))
    post_events(api, marta, appt["id"], len(body["events"]), [engine.fail(item.id, "marta", "DNI expired")])
    assert _failures(db, appt["id"], 1) == 1
    # A second failed attempt after a reset is a second failure; other items do not count.
    body = checklist(api, marta, appt["id"])
    engine = engine_from(body)
    events = [engine.reset(item.id, "marta", "new document"), engine.fail(item.id, "marta", "photo mismatch")]
    post_events(api, marta, appt["id"], len(body["events"]), events)
    assert _failures(db, appt["id"], 2) == 2
