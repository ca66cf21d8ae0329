"""Appointment status state machine (docs/API.md, Objects) and its JSON form."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from backend.models import Appointment
from backend.security import AccessClaims

TERMINAL = frozenset({"completed", "no_show", "cancelled"})

TRANSITIONS: dict[str, frozenset[str]] = {
    "scheduled": frozenset({"confirmed", "waiting", "no_show", "cancelled"}),
    "confirmed": frozenset({"scheduled", "waiting", "no_show", "cancelled"}),
    # Back to confirmed/scheduled when the citizen leaves the waiting room.
    "waiting": frozenset({"in_call", "confirmed", "scheduled", "no_show", "cancelled"}),
    "in_call": frozenset({"completed"}),
    "completed": frozenset(),
    "no_show": frozenset(),
    "cancelled": frozenset(),
}


def transition_error(current: str, new: str) -> str | None:
    """None if current → new is allowed (staying put is allowed), else a human reason."""
    if new == current:
        return None
    if current in TERMINAL:
        return f"Appointment is {current}; it cannot change status"
    if new not in TRANSITIONS.get(current, frozenset()):
        return f"Cannot go from {current} to {new}"
    return None


def sees_personal_data(claims: AccessClaims, appt: Appointment) -> bool:
    """Personal data beyond the contact (the date of birth) is for the appointment's own office, and
    for whoever holds it (another office's informador who took it from the pool identifies the citizen);
    not for admins or supervisors of other offices, nor for events broadcast to boards."""
    return claims.office_id == appt.office_id or (
        appt.staff_id is not None and appt.staff_id == claims.staff_id
    )


def to_json(appt: Appointment, tz: ZoneInfo, *, personal: bool = False) -> dict[str, Any]:
    """Built by hand (not through pydantic) because the agenda list is the hot path. `personal`
    (see sees_personal_data) fills citizen_birth_date; otherwise it is null."""
    birth = appt.citizen_birth_date if personal else None
    return {
        "id": appt.id,
        "office_id": appt.office_id,
        "staff_id": appt.staff_id,
        "pool": appt.pool,
        "tramit_code": appt.tramit_code,
        "level": appt.level,
        "start": appt.start.astimezone(tz).isoformat(),
        "duration_min": appt.duration_min,
        "citizen_name": appt.citizen_name,
        "citizen_phone": appt.citizen_phone,
        "citizen_email": appt.citizen_email,
        "citizen_birth_date": birth.isoformat() if birth else None,
        "language": appt.language,
        "status": appt.status,
        "version": appt.version,
        "outcome": appt.outcome,
        "notes": appt.notes,
        "updated_at": appt.updated_at.astimezone(tz).isoformat(),
    }
