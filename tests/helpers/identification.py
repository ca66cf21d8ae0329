"""The identification checklist driven through the real REST API, shared by tests/checklists and
tests/tramitacio: engines rebuilt from GET .../checklist (so tests post exactly what a console's engine
would), and the attended_mode protocol completed item by item, the PIN through a real exchange."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from console.scripts import (
    AppointmentFacts,
    AttentionLevel,
    ChecklistEngine,
    ChecklistEvent,
    IdentificationLevel,
    RecordingPolicy,
    ScriptContext,
    load_script_by_id,
)

MADRID = ZoneInfo("Europe/Madrid")


def clock() -> datetime:
    return datetime.now(MADRID)


def engine_from(body: dict[str, Any]) -> ChecklistEngine:
    ctx = body["context"]
    return ChecklistEngine.from_events(
        load_script_by_id(body["script_id"]),
        AppointmentFacts.from_dict(body["appointment"]),
        ScriptContext(
            AttentionLevel(ctx["attention_level"]),
            IdentificationLevel(ctx["identification_level"]),
            RecordingPolicy(ctx["recording_policy"]),
        ),
        [ChecklistEvent.from_dict(e) for e in body["events"]],
        clock,
    )


def dicts(events: list[ChecklistEvent]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in events]


def set_level(db_path: Path | str, appointment_id: str, level: str, tramit: str) -> None:
    """No API edits an appointment's level or tràmit: the test edits the backend's own SQLite file."""
    with sqlite3.connect(db_path) as con:
        con.execute(
            "UPDATE appointment SET level = ?, tramit_code = ? WHERE id = ?", (level, tramit, appointment_id)
        )


def checklist(api: str, headers: dict[str, str], appointment_id: str) -> dict[str, Any]:
    r = httpx.get(f"{api}/appointments/{appointment_id}/checklist", headers=headers, timeout=10)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def post_events(
    api: str, headers: dict[str, str], appointment_id: str, expected_seq: int, events: list[ChecklistEvent]
) -> dict[str, Any]:
    r = httpx.post(
        f"{api}/appointments/{appointment_id}/checklist/events",
        json={"expected_seq": expected_seq, "events": dicts(events)},
        headers=headers,
        timeout=10,
    )
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def _values(kind: str, appointment: dict[str, Any]) -> dict[str, Any]:
    if kind == "id_document":
        expiry = (date.today() + timedelta(days=400)).isoformat()
        return {"doc_type": "dni", "number": "12345678Z", "expiry": expiry}
    if kind == "data_match":
        # The date of birth the appointment carries (the seed gives every demo appointment one).
        birth = appointment.get("birth_date")
        assert birth, "the appointment has no date of birth to match"
        return {"name": str(appointment.get("citizen_name") or ""), "birth_date": birth}
    if kind == "consent":
        return {"granted": True}
    return {}


def complete_identification(
    api: str,
    headers: dict[str, str],
    appointment_id: str,
    username: str = "marta",
    *,
    gate: str = "attended_mode",
    leave_pending: Collection[str] = (),
) -> dict[str, Any]:
    """Ticks every item still keeping `gate` closed (but `leave_pending`), as the informador would, and
    returns the checklist afterwards. The PIN item needs the citizen's real PIN exchange first (the
    backend refuses the fact otherwise)."""
    body = checklist(api, headers, appointment_id)
    engine = engine_from(body)
    events: list[ChecklistEvent] = []
    for item_id in engine.gate_status(gate).missing:
        if item_id in leave_pending:
            continue
        item = engine.run.item(item_id)
        if item.kind.value == "automatic":
            fact = item.fact.value if item.fact else ""
            assert body["facts"].get(fact), f"{item_id}: the backend has not reported {fact!r} (PIN exchange)"
            events += engine.apply_fact(fact, True)
        else:
            events.append(engine.tick(item_id, username, _values(item.kind.value, body["appointment"])))
    if events:
        post_events(api, headers, appointment_id, len(body["events"]), events)
    return checklist(api, headers, appointment_id)


def override_gate(
    api: str, headers: dict[str, str], appointment_id: str, username: str, *, gate: str, reason: str
) -> dict[str, Any]:
    """A supervisor's override of `gate`, with its written reason, posted like the console does."""
    body = checklist(api, headers, appointment_id)
    engine = engine_from(body)
    event = engine.override(gate, username, "supervisor", reason)
    return post_events(api, headers, appointment_id, len(body["events"]), [event])
