"""Pool logic on a SQLAlchemy session: presence, who may take what, the atomic take, the per-office
call limit, and the JSON shapes of pool items. Routes own transactions and event publishing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, and_, func, select, update
from sqlalchemy.orm import Session

from backend.errors import ApiError
from backend.models import Appointment, Office, Staff, Tramit, utcnow
from backend.pool.models import CallRecord, Presence, WalkIn

PRESENCE_STATES = ("available", "in_call", "wrap_up", "away", "offline")
TAKEABLE_STATUSES = ("scheduled", "confirmed", "waiting")
MADRID = ZoneInfo("Europe/Madrid")


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def today_bounds(now: datetime | None = None) -> tuple[datetime, datetime]:
    """Today in Europe/Madrid (every seeded office's zone; the pool spans offices, so one day)."""
    local = (now or utcnow()).astimezone(MADRID).date()
    lo = datetime.combine(local, time(0), MADRID)
    return lo, lo + timedelta(days=1)


def ticket_label(office_code: str, number: int) -> str:
    return f"{office_code}-{number:03d}"


# -- presence ----------------------------------------------------------------------------------------


def effective_state(row: Presence | None, timeout_s: float, now: datetime) -> str:
    if row is None or row.updated_at < now - timedelta(seconds=timeout_s):
        return "offline"
    return row.state


def presence_json(
    staff: Staff, row: Presence | None, office_code: str, timeout_s: float, now: datetime
) -> dict[str, Any]:
    state = effective_state(row, timeout_s, now)
    return {
        "staff_id": staff.id,
        "username": staff.username,
        "full_name": staff.full_name,
        "role": staff.role,
        "office_id": staff.office_id,
        "office_code": office_code,
        "languages": list(staff.languages or []),
        "state": state,
        "since": iso(row.since if row is not None else None),
        "updated_at": iso(row.updated_at if row is not None else None),
        "appointment_id": row.appointment_id if row is not None and state != "offline" else None,
    }


def set_presence(
    session: Session, staff_id: int, state: str, appointment_id: str | None, timeout_s: float
) -> tuple[Presence, bool]:
    """Upserts the heartbeat; returns (row, changed): whether the board would show something new."""
    now = utcnow()
    row = session.get(Presence, staff_id)
    if row is None:
        row = Presence(
            staff_id=staff_id, state=state, since=now, updated_at=now, appointment_id=appointment_id
        )
        session.add(row)
        session.flush()
        return row, True
    # A console coming back after the timeout was offline in between: its state changed.
    was_stale = row.updated_at < now - timedelta(seconds=timeout_s)
    changed = row.state != state or row.appointment_id != appointment_id or was_stale
    if row.state != state:
        row.since = now
    row.state, row.appointment_id, row.updated_at = state, appointment_id, now
    session.flush()
    return row, changed


# -- eligibility ---------------------------------------------------------------------------------------


# Languages no informador is expected to speak: the citizen is served through an interpreter, so any
# informador with the tràmit's skill may take them (the walk-in kiosk offers them too).
INTERPRETED = frozenset({"ar", "ur"})


@dataclass(frozen=True)
class Eligibility:
    languages: frozenset[str]
    skills: frozenset[str]

    @classmethod
    def of(cls, staff: Staff) -> Eligibility:
        return cls(frozenset(staff.languages or []), frozenset(staff.skills or []))

    def allows(self, language: str, tramit_code: str) -> bool:
        spoken = language in self.languages or language in INTERPRETED
        return spoken and tramit_code in self.skills


def _offices(session: Session) -> dict[int, Office]:
    return {o.id: o for o in session.scalars(select(Office))}


def _tramit_names(session: Session) -> dict[str, dict[str, str]]:
    return {code: names for code, names in session.execute(select(Tramit.code, Tramit.names))}


def pool_items(session: Session, now: datetime | None = None) -> list[dict[str, Any]]:
    """Everything waiting to be taken: walk-in tickets, then today's unassigned pool appointments.

    Citizens who are present (walk-ins, appointments in the waiting room) come first, longest wait
    first; then appointments that have not started waiting, by start time.
    """
    now = now or utcnow()
    offices = _offices(session)
    walkin_appts = select(WalkIn.appointment_id)
    items: list[dict[str, Any]] = []
    for w, appt in session.execute(
        select(WalkIn, Appointment)
        .join(Appointment, Appointment.id == WalkIn.appointment_id)
        .where(WalkIn.status == "waiting")
        .order_by(WalkIn.created_at, WalkIn.id)
    ):
        office = offices[w.office_id]
        items.append(
            {
                "kind": "walkin",
                "id": str(w.id),
                "appointment_id": w.appointment_id,
                "office_id": w.office_id,
                "office_code": office.code,
                "tramit_code": w.tramit_code,
                "language": w.language,
                "citizen_name": appt.citizen_name,
                "label": ticket_label(office.code, w.number),
                "status": appt.status,
                "waiting_since": iso(w.created_at),
                "waiting_s": max(0, int((now - w.created_at).total_seconds())),
                "start": iso(appt.start),
            }
        )
    lo, hi = today_bounds(now)
    rows = session.execute(
        select(Appointment, CallRecord.waiting_since)
        .outerjoin(CallRecord, CallRecord.appointment_id == Appointment.id)
        .where(
            Appointment.pool.is_(True),
            Appointment.staff_id.is_(None),
            Appointment.status.in_(TAKEABLE_STATUSES),
            Appointment.start >= lo,
            Appointment.start < hi,
            Appointment.id.not_in(walkin_appts),
        )
        .order_by(Appointment.start, Appointment.id)
    ).all()
    for appt, waiting_since in rows:
        office = offices[appt.office_id]
        since = (waiting_since or appt.updated_at) if appt.status == "waiting" else None
        items.append(
            {
                "kind": "appointment",
                "id": appt.id,
                "appointment_id": appt.id,
                "office_id": appt.office_id,
                "office_code": office.code,
                "tramit_code": appt.tramit_code,
                "language": appt.language,
                "citizen_name": appt.citizen_name,
                "label": "",
                "status": appt.status,
                "waiting_since": iso(since),
                "waiting_s": max(0, int((now - since).total_seconds())) if since else None,
                "start": iso(appt.start),
            }
        )
    present = [i for i in items if i["waiting_since"]]
    present.sort(key=lambda i: i["waiting_since"])
    return present + [i for i in items if not i["waiting_since"]]


def public_item(item: dict[str, Any]) -> dict[str, Any]:
    """What goes out on the shared event stream to every office: no citizen name."""
    return {k: v for k, v in item.items() if k != "citizen_name"}


# -- the per-office call limit ---------------------------------------------------------------------------


def calls_in_progress(session: Session, office_id: int, exclude_appointment: str | None = None) -> int:
    """Calls the office's staff are in, plus walk-ins they have taken and are about to admit."""
    taken_walkins = select(WalkIn.appointment_id).where(WalkIn.status == "taken")
    query = (
        select(func.count())
        .select_from(Appointment)
        .join(Staff, Staff.id == Appointment.staff_id)
        .where(
            Staff.office_id == office_id,
            (Appointment.status == "in_call")
            | and_(Appointment.status == "waiting", Appointment.id.in_(taken_walkins)),
        )
    )
    if exclude_appointment is not None:
        query = query.where(Appointment.id != exclude_appointment)
    return int(session.scalar(query) or 0)


def check_office_limit(
    session: Session, office_id: int | None, exclude_appointment: str | None = None
) -> None:
    """Raises 409 office_call_limit when one more call would exceed the office's limit.

    Runs inside the caller's write transaction: on SQLite writes are serialised (BEGIN IMMEDIATE); on
    PostgreSQL the office row is locked, so two admits of the same office cannot both pass the count.
    """
    if office_id is None:
        return
    office = session.scalar(select(Office).where(Office.id == office_id).with_for_update())
    if office is None:
        return
    current = calls_in_progress(session, office_id, exclude_appointment)
    if current >= office.max_concurrent_calls:
        raise ApiError(
            409,
            "office_call_limit",
            f"{office.name} has {current} of {office.max_concurrent_calls} calls in progress",
            extra={"office_id": office.id, "in_progress": current, "limit": office.max_concurrent_calls},
        )


def start_call_guard(session: Session, appt: Appointment, caller_staff_id: int) -> None:
    """Before an appointment goes in_call (admit, or a status PATCH): an unassigned pool appointment
    becomes the caller's, and the office of whoever holds the call must be under its limit."""
    if appt.pool and appt.staff_id is None:
        appt.staff_id = caller_staff_id
    # The call counts for the holder's office (calls_in_progress joins on the holder), not the caller's:
    # a supervisor starting an informador's call must not check the supervisor's own office.
    holder = session.get(Staff, appt.staff_id if appt.staff_id is not None else caller_staff_id)
    check_office_limit(session, holder.office_id if holder else None, exclude_appointment=appt.id)


def admit_guard(staff_id: int) -> Any:
    """For the admit route: the office limit, and an unassigned pool appointment becomes the admitter's."""

    def guard(session: Session, appt: Appointment) -> None:
        start_call_guard(session, appt, staff_id)

    return guard


def active_call(session: Session, staff_id: int) -> Appointment | None:
    return session.scalar(
        select(Appointment).where(Appointment.staff_id == staff_id, Appointment.status == "in_call").limit(1)
    )


def check_ready_to_take(session: Session, staff: Staff, timeout_s: float) -> None:
    """Only a free informador is routed a citizen: presence available (fresh) and no call going on."""
    state = effective_state(session.get(Presence, staff.id), timeout_s, utcnow())
    if state != "available":
        shown = {"wrap_up": "wrapping up", "in_call": "in a call"}.get(state, state)
        raise ApiError(
            409,
            "not_available",
            f"You are {shown} on the board: set yourself available to take a citizen",
            extra={"state": state},
        )
    call = active_call(session, staff.id)
    if call is not None:
        raise ApiError(
            409,
            "in_a_call",
            "You are in a call: finish it before taking the next citizen",
            extra={"appointment_id": call.id},
        )


def eligibility_refusal(staff: Staff, language: str, tramit_code: str) -> str | None:
    """Why `staff` may not serve this language and tràmit (None when they may)."""
    elig = Eligibility.of(staff)
    if language not in elig.languages and language not in INTERPRETED:
        return f"{staff.full_name} does not speak the citizen's language ({language})"
    if tramit_code not in elig.skills:
        return f"{staff.full_name} does not handle the tràmit {tramit_code}"
    return None


# -- taking ----------------------------------------------------------------------------------------------


def _already_taken(session: Session, label: str, by: int | None) -> ApiError:
    who = session.get(Staff, by) if by is not None else None
    name = who.full_name if who is not None else "another informador"
    return ApiError(
        409,
        "already_taken",
        f"{label} has just been taken by {name}. Take the next one.",
        extra={"taken_by": by},
    )


def _rowcount(session: Session, statement: Any) -> int:
    result = session.execute(statement)
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


def take(session: Session, staff: Staff, kind: str, item_id: str) -> dict[str, Any]:
    """Assigns one pool item to `staff`. Atomic: a conditional UPDATE whose rowcount says who won."""
    now = utcnow()
    elig = Eligibility.of(staff)
    if kind == "walkin":
        if not item_id.isdigit() or len(item_id) > 12:
            raise ApiError(404, "not_found", "Ticket not found")
        w = session.get(WalkIn, int(item_id))
        if w is None:
            raise ApiError(404, "not_found", "Ticket not found")
        office = session.get(Office, w.office_id)
        label = f"Ticket {ticket_label(office.code if office else '?', w.number)}"
        if w.status != "waiting":
            raise (
                _already_taken(session, label, w.taken_by)
                if w.taken_by
                else ApiError(409, "already_taken", f"{label} is no longer waiting")
            )
        if not elig.allows(w.language, w.tramit_code):
            raise ApiError(403, "not_eligible", f"{label} needs language {w.language} and this tràmit")
        check_office_limit(session, staff.office_id)
        won = _rowcount(
            session,
            update(WalkIn)
            .where(WalkIn.id == w.id, WalkIn.status == "waiting")
            .values(status="taken", taken_by=staff.id, taken_at=now)
            .execution_options(synchronize_session=False),
        )
        if won != 1:
            session.expire(w)
            raise _already_taken(session, label, w.taken_by)
        appointment_id = w.appointment_id
    else:
        appt = session.get(Appointment, item_id)
        if appt is None or not appt.pool:
            raise ApiError(404, "not_found", "Appointment not found in the pool")
        label = f"The appointment of {appt.citizen_name}"
        if appt.staff_id is not None or appt.status not in TAKEABLE_STATUSES:
            raise _already_taken(session, label, appt.staff_id)
        if not elig.allows(appt.language, appt.tramit_code):
            raise ApiError(403, "not_eligible", f"{label} needs language {appt.language} and this tràmit")
        if appt.status == "waiting":  # the citizen is there: the call is about to start
            check_office_limit(session, staff.office_id)
        appointment_id = appt.id
    won = _rowcount(
        session,
        update(Appointment)
        .where(
            Appointment.id == appointment_id,
            Appointment.staff_id.is_(None),
            Appointment.status.in_(TAKEABLE_STATUSES),
        )
        .values(staff_id=staff.id, version=Appointment.version + 1, updated_at=now)
        .execution_options(synchronize_session=False),
    )
    if won != 1:
        current = session.scalar(select(Appointment.staff_id).where(Appointment.id == appointment_id))
        raise _already_taken(session, label, current)
    return {"kind": kind, "id": item_id, "appointment_id": appointment_id, "label": label}


def next_candidates(session: Session, staff: Staff) -> list[dict[str, Any]]:
    elig = Eligibility.of(staff)
    return [i for i in pool_items(session) if elig.allows(i["language"], i["tramit_code"])]
