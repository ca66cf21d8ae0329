"""Checklist runs on the server: the run's context, strict validation of posted events, atomic append.

Validation reuses the console's engine (console.scripts is Qt-free): the posted events are replayed on
top of the stored ones, so an event that the console's engine could not have produced (unknown item,
wrong state, out of order, values an item does not accept) is refused with the engine's own message.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit
from backend.checklists.models import ChecklistEventRow
from backend.errors import ApiError
from backend.models import Appointment, AuditEvent, Office, Staff, Tramit
from console.scripts import (
    Action,
    AppointmentFacts,
    AttentionLevel,
    CallScript,
    ChecklistEvent,
    ChecklistRun,
    Fact,
    Gate,
    IdentificationLevel,
    ItemKind,
    ItemState,
    Language,
    LocalizedError,
    RecordingPolicy,
    RunError,
    ScriptContext,
    ScriptError,
    StaffRole,
    load_script,
)
from console.scripts.engine import MAX_NOTE_CHARS, MIN_OVERRIDE_REASON_CHARS, SYSTEM_ACTOR
from console.scripts.evidence import require_uncompared_note, sanitize, validate
from console.scripts.gates import all_gates, gate_status
from console.scripts.loader import TRAMIT_CODE, default_scripts_dir

SCRIPT_ID = re.compile(r"^(informativa|assistida|atesa)(\+[a-z0-9]+(-[a-z0-9]+)*)?$")
MAX_EVENTS_PER_POST = 100
MAX_EVENTS_PER_RUN = 2000
# Values the engine derives itself (not typed by the informador), per item kind.
_DERIVED_KEYS = {ItemKind.DATA_MATCH: {"birth_date_compared"}}


def scripts_root() -> Path:
    """Where the served scripts live; offices can point this at their own updated copies."""
    env = os.environ.get("VIDEOATENCIO_SCRIPTS_DIR")
    return Path(env) if env else default_scripts_dir()


def script_files(script_id: str) -> dict[str, str]:
    """The TOML texts a script id is built from, keyed by their path under the scripts root."""
    level, _, tramit = script_id.partition("+")
    root = scripts_root()
    names = [f"{level}.toml"] + ([f"tramits/{tramit}.toml"] if tramit else [])
    return {name: (root / name).read_text("utf-8") for name in names if (root / name).is_file()}


class ScriptUnusable(ApiError):
    """A served script file the loader refuses: checklists of that script cannot be read or gated."""

    def __init__(self, exc: ScriptError, root: Path) -> None:
        try:
            where = exc.path.relative_to(root).as_posix()
        except ValueError:
            where = exc.path.name
        self.reason = f"The call script is malformed ({where}:{exc.line}: {exc.message}); fix the file."
        super().__init__(500, "script_invalid", self.reason)


_script_cache: dict[tuple[str, tuple[float, ...]], CallScript] = {}


def _script(level: str, tramit_code: str | None) -> CallScript:
    """load_script, cached until one of its files changes (offices may edit them while running)."""
    root = scripts_root()
    # A code that cannot name a file has no overlay: the level's base script. A file that exists but
    # is malformed must not fall back to it (the overlay's gates would silently vanish): ScriptUnusable.
    code = tramit_code if tramit_code and TRAMIT_CODE.match(tramit_code) else None
    files = [root / f"{level}.toml"]
    if code:
        files.append(root / "tramits" / f"{code}.toml")
    key = (f"{level}+{code or ''}", tuple(f.stat().st_mtime if f.exists() else 0.0 for f in files))
    script = _script_cache.get(key)
    if script is None:
        try:
            script = load_script(level, code, root)
        except ScriptError as exc:
            raise ScriptUnusable(exc, root) from exc
        _script_cache[key] = script
    return script


@dataclass(frozen=True)
class RunContext:
    script: CallScript
    appointment: AppointmentFacts
    context: ScriptContext


def _enum(kind: type[Any], value: object, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


def run_context(session: Session, appt: Appointment, rows: list[ChecklistEventRow]) -> RunContext:
    tramit = session.get(Tramit, appt.tramit_code)
    office = session.get(Office, appt.office_id)
    context = ScriptContext(
        AttentionLevel(appt.level),
        _enum(IdentificationLevel, tramit.identification_level if tramit else "", IdentificationLevel.FULL),
        _enum(RecordingPolicy, office.recording_policy if office else "", RecordingPolicy.NEVER),
    )
    # A run keeps the script it started with (its first event names it).
    if rows:
        level, _, tramit_code = rows[0].script_id.partition("+")
        script = _script(level, tramit_code or None)
    else:
        script = _script(appt.level, appt.tramit_code)
    facts = AppointmentFacts(
        appointment_id=appt.id,
        citizen_name=appt.citizen_name,
        birth_date=appt.citizen_birth_date,  # None: see evidence.require_uncompared_note
        citizen_language=_enum(Language, appt.language, Language.CA),
    )
    return RunContext(script, facts, context)


def stored_rows(session: Session, appointment_id: str) -> list[ChecklistEventRow]:
    return list(
        session.scalars(
            select(ChecklistEventRow)
            .where(ChecklistEventRow.appointment_id == appointment_id)
            .order_by(ChecklistEventRow.seq)
        )
    )


def pin_verified(session: Session, appointment_id: str) -> bool:
    """The citizen's PIN exchange succeeded at least once (backend.citizen.identification audits it)."""
    return (
        session.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.action == "citizen.pin_verified", AuditEvent.object_id == appointment_id)
            .limit(1)
        )
        is not None
    )


def replay(ctx: RunContext, rows: list[ChecklistEventRow]) -> ChecklistRun:
    events = [ChecklistEvent.from_dict(row.event) for row in rows]
    return ChecklistRun.replay(ctx.script, ctx.appointment, ctx.context, events)


def run_json(session: Session, appt: Appointment, *, personal: bool = True) -> dict[str, Any]:
    """GET .../checklist: what a console needs to rebuild the run (and what gates say right now).

    `personal=False` (a caller outside the office, backend.appointments.sees_personal_data) leaves the
    date of birth out of the appointment facts; the events keep what was recorded."""
    rows = stored_rows(session, appt.id)
    ctx = run_context(session, appt, rows)
    run = replay(ctx, rows)
    facts = ctx.appointment.to_dict()
    if not personal:
        facts["birth_date"] = None
    return {
        "appointment_id": appt.id,
        "script_id": ctx.script.id,
        "script_version": ctx.script.version,
        "context": {
            "attention_level": ctx.context.attention_level.value,
            "identification_level": ctx.context.identification_level.value,
            "recording_policy": ctx.context.recording_policy.value,
        },
        "appointment": facts,
        "events": [row.event for row in rows],
        "facts": {Fact.PIN_VERIFIED.value: pin_verified(session, appt.id)},
        "gates": {
            gate.value: {"allowed": st.allowed, "reasons": list(st.reasons), "missing": list(st.missing)}
            for gate, st in all_gates(run, Language.EN).items()
        },
    }


NO_RUN_REASON = "Identification has not been done: open the checklist and complete it."


def gate_refusal(session: Session, appt: Appointment, gate: Gate, *, require_run: bool) -> list[str] | None:
    """Why the stored checklist keeps `gate` closed for this appointment; None when it is open.

    Fails closed: a run that cannot be replayed, or a script file that cannot be loaded, refuses.
    With no run recorded, `require_run=False` (close_resolved) judges an empty run of the script the
    appointment would get (its level and tràmit): the engine decides what is required, so a level
    whose close_resolved gate has required items is refused, listing them. `require_run=True`
    (attended_mode, sending documents) refuses outright: nothing recorded is never enough there.
    """
    rows = stored_rows(session, appt.id)
    try:
        run = replay(run_context(session, appt, rows), rows)
    except ScriptUnusable as exc:
        return [exc.reason]
    except (RunError, ScriptError):
        return ["The checklist could not be read under the current script: record the identification again."]
    status = gate_status(run, gate, Language.EN)
    if not rows and require_run:
        return [NO_RUN_REASON, *status.reasons]
    return None if status.allowed else list(status.reasons)


def require_identification(
    session: Session, appt: Appointment, gate: Gate, *, needs: str, field: str
) -> None:
    """422 identification_incomplete unless the stored checklist opens `gate` (a run must be recorded):
    the message says what `needs` the identification and why not yet, on `field`, with the gate and its
    reasons for the console. For what acts on the citizen's personal data (attended mode, documents)."""
    reasons = gate_refusal(session, appt, gate, require_run=True)
    if reasons:
        msg = f"{needs}: " + " ".join(reasons)
        raise ApiError(
            422, "identification_incomplete", msg, errors=[{"field": field, "message": msg}],
            extra={"gate": gate.value, "reasons": reasons},
        )  # fmt: skip


# -- appending ----------------------------------------------------------------------------------------
def _invalid(index: int, code: str, message: str, field: str = "") -> ApiError:
    where = f"events[{index}]" + (f".{field}" if field else "")
    return ApiError(422, code, message, errors=[{"field": where, "message": message}])


def parse_events(raw_events: list[dict[str, Any]]) -> list[ChecklistEvent]:
    """The posted dicts as engine events; values through the engine's sanitizer (no bytes, no data:)."""
    events = []
    for i, raw in enumerate(raw_events):
        try:
            values = sanitize(raw.get("values") or {})
        except LocalizedError as exc:
            raise _invalid(i, "invalid_evidence", exc.message(Language.EN), "values") from None
        if len(str(raw.get("note") or "")) > MAX_NOTE_CHARS:
            raise _invalid(i, "invalid_event", f"note longer than {MAX_NOTE_CHARS} characters", "note")
        try:
            events.append(ChecklistEvent.from_dict({**raw, "values": values}))
        except RunError as exc:
            raise _invalid(i, "invalid_event", str(exc)) from None
    return events


@dataclass(frozen=True)
class Caller:
    staff_id: int
    username: str
    role: str


def _check_authority(i: int, event: ChecklistEvent, caller: Caller, facts: dict[str, bool]) -> None:
    if event.action is Action.FACT:
        fact = str(event.values.get("fact", ""))
        if event.by != SYSTEM_ACTOR or event.state is not ItemState.DONE or not facts.get(fact):
            raise _invalid(i, "invalid_event", f"the backend has not reported the fact {fact!r}", "values")
        return
    if event.by != caller.username:
        raise ApiError(403, "forbidden", "Checklist events must be recorded under your own user name")
    if event.action in (Action.OVERRIDE_GATE, Action.OVERRIDE_ITEM):
        if caller.role != StaffRole.SUPERVISOR.value or event.role is not StaffRole.SUPERVISOR:
            raise ApiError(403, "forbidden", "Only a supervisor can override the checklist")
        if len(event.note.strip()) < MIN_OVERRIDE_REASON_CHARS:
            raise _invalid(i, "invalid_event", "an override needs a written reason", "note")
    elif event.role is not None:
        raise _invalid(i, "invalid_event", "only overrides carry a role", "role")
    if event.action in (Action.FAIL, Action.RESET, Action.NOTE) and not event.note.strip():
        raise _invalid(i, "invalid_event", f"a {event.action.value} needs a note", "note")


def _check_evidence(i: int, event: ChecklistEvent, run: ChecklistRun, today: date) -> None:
    """A tick's values must be what the engine records for that item: re-validated here.

    `today` is the server's date in the office's zone, never the event's `at`: that comes from the
    client, and a backdated event would otherwise let an expired document through."""
    if event.item_id is None or not run.has_item(event.item_id):
        return  # replay reports it
    item = run.item(event.item_id)
    if event.action is Action.TICK:
        if item.kind is ItemKind.AUTOMATIC:
            raise _invalid(i, "invalid_event", f"{item.id} is only ticked by the backend's facts")
        derived = _DERIVED_KEYS.get(item.kind, set())
        typed = {k: v for k, v in event.values.items() if k not in derived}
        try:
            state, clean = validate(item, typed, run.appointment, today)
        except LocalizedError as exc:
            raise _invalid(i, "invalid_evidence", exc.message(Language.EN), "values") from None
        if state is not event.state or clean != dict(event.values):
            raise _invalid(i, "invalid_evidence", f"values or state differ from what {item.id} records")
    elif event.action is Action.SKIP and item.required:
        raise _invalid(i, "invalid_event", f"{item.id} is required and cannot be skipped")
    elif event.action in (Action.FAIL, Action.RESET) and item.kind is ItemKind.AUTOMATIC:
        raise _invalid(i, "invalid_event", f"{item.id} is only set by the backend's facts")


def _check_uncompared_birth_date(i: int, event: ChecklistEvent, run: ChecklistRun) -> None:
    """Full identification without a date of birth on the appointment needs the informador's note."""
    if event.action is not Action.TICK or event.item_id is None or not run.has_item(event.item_id):
        return
    try:
        require_uncompared_note(run.item(event.item_id), run.appointment, run.context, event.note)
    except LocalizedError as exc:
        raise _invalid(i, "invalid_evidence", exc.message(Language.EN), "note") from None


def office_today(session: Session, appt: Appointment) -> date:
    """The server's date in the appointment's office zone: "today" for expiry and birth-date checks."""
    office = session.get(Office, appt.office_id)
    try:
        tz = ZoneInfo(office.timezone if office and office.timezone else "Europe/Madrid")
    except (ValueError, ZoneInfoNotFoundError):
        tz = ZoneInfo("Europe/Madrid")
    return datetime.now(tz).date()


def stale(session: Session, appt: Appointment) -> ApiError:
    return ApiError(
        409,
        "stale_seq",
        "The checklist was changed by someone else; merge the current events and retry",
        extra={"current": run_json(session, appt)},
    )


def append(
    session: Session, appt: Appointment, caller: Caller, expected_seq: int, raw_events: list[dict[str, Any]]
) -> list[ChecklistEventRow]:
    """Validates and stores the events in the caller's transaction, each with its audit row."""
    rows = stored_rows(session, appt.id)
    if expected_seq != len(rows):
        raise stale(session, appt)
    if len(rows) + len(raw_events) > MAX_EVENTS_PER_RUN:
        raise ApiError(422, "too_many_events", f"A checklist keeps at most {MAX_EVENTS_PER_RUN} events")
    events = parse_events(raw_events)
    ctx = run_context(session, appt, rows)
    run = replay(ctx, rows)
    facts = {Fact.PIN_VERIFIED.value: pin_verified(session, appt.id)}
    today = office_today(session, appt)
    for i, event in enumerate(events):
        _check_authority(i, event, caller, facts)
        _check_evidence(i, event, run, today)
        _check_uncompared_birth_date(i, event, run)
        try:
            run.apply(event)
        except RunError as exc:
            raise _invalid(i, "invalid_event", str(exc)) from None
    added = []
    for event in events:
        data = event.to_dict()
        row = ChecklistEventRow(
            appointment_id=appt.id,
            seq=event.seq,
            script_id=ctx.script.id,
            event=data,
            staff_id=caller.staff_id,
        )
        session.add(row)
        added.append(row)
        audit.append(
            session,
            audit_action(event),
            object_type="appointment",
            object_id=appt.id,
            actor_staff_id=caller.staff_id,
            data={"script_id": ctx.script.id, **data},
        )
    session.flush()
    return added


def audit_action(event: ChecklistEvent) -> str:
    if event.action in (Action.OVERRIDE_GATE, Action.OVERRIDE_ITEM):
        return "checklist.override"
    if event.action in (Action.NOTE, Action.HANDOVER):
        return f"checklist.{event.action.value}"
    return f"checklist.{event.state.value if event.state else event.action.value}"


def caller_for(session: Session, staff_id: int, role: str) -> Caller:
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active:
        raise ApiError(401, "not_authenticated", "Unknown staff member")
    return Caller(staff_id, staff.username, role)
