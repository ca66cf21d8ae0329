"""Checklist routes: GET/POST an appointment's checklist events, and the call-script files."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import Field, StrictInt, StrictStr
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.appointments import sees_personal_data
from backend.checklists import service
from backend.deps import Caller, ServicesDep, scoped_appointment
from backend.errors import ApiError
from backend.models import Appointment
from backend.schemas import StrictInput, Text
from backend.security import AccessClaims

router = APIRouter(tags=["checklists"])

IdPath = Annotated[uuid.UUID, Path(description="Appointment id (UUID)")]


class EventIn(StrictInput):
    """ChecklistEvent.to_dict() shape. Values are checked by the engine's own sanitizer
    (console.scripts.evidence: short texts, ints, yes/no; never bytes or data: URIs), not here."""

    seq: StrictInt = Field(ge=1, le=service.MAX_EVENTS_PER_RUN)
    action: StrictStr = Field(max_length=32)
    at: StrictStr = Field(max_length=40)
    by: Text = Field(min_length=1, max_length=100)
    item_id: Text | None = Field(default=None, max_length=100)
    gate: StrictStr | None = Field(default=None, max_length=40)
    state: StrictStr | None = Field(default=None, max_length=20)
    values: dict[str, Any] = Field(default_factory=dict, max_length=20)
    note: Text = Field(default="", max_length=2000)
    role: StrictStr | None = Field(default=None, max_length=20)


class EventsIn(StrictInput):
    expected_seq: StrictInt = Field(ge=0, le=service.MAX_EVENTS_PER_RUN)
    events: list[EventIn] = Field(min_length=1, max_length=service.MAX_EVENTS_PER_POST)


def _load(session: Session, claims: AccessClaims, appointment_id: uuid.UUID) -> Appointment:
    # The shared rule: the holder of another office's pool appointment fills its checklist too.
    return scoped_appointment(session, claims, appointment_id)


@router.get("/appointments/{appointment_id}/checklist", responses={404: {}})
def get_checklist(appointment_id: IdPath, claims: Caller, services: ServicesDep) -> dict[str, Any]:
    with services.db.read() as s:
        appt = _load(s, claims, appointment_id)
        return service.run_json(s, appt, personal=sees_personal_data(claims, appt))


@router.post(
    "/appointments/{appointment_id}/checklist/events", responses={403: {}, 404: {}, 409: {}, 422: {}}
)
def post_events(
    appointment_id: IdPath, body: EventsIn, claims: Caller, services: ServicesDep
) -> dict[str, Any]:
    try:
        with services.db.write() as s:
            appt = _load(s, claims, appointment_id)
            caller = service.caller_for(s, claims.staff_id, claims.role)
            added = service.append(s, appt, caller, body.expected_seq, [e.model_dump() for e in body.events])
            office_id, last_seq = appt.office_id, added[-1].seq
            result = service.run_json(s, appt, personal=sees_personal_data(claims, appt))
    except IntegrityError:
        # PostgreSQL: another writer took the same seq first (SQLite serialises writers instead).
        with services.db.read() as s:
            raise service.stale(s, _load(s, claims, appointment_id)) from None
    services.bus.publish(
        "checklist.updated",
        office_id,
        {"appointment_id": str(appointment_id), "seq": last_seq, "by": caller.username},
    )
    return result


@router.get("/scripts/{script_id}", responses={404: {}})
def get_script(
    script_id: Annotated[str, Path(max_length=120, pattern=service.SCRIPT_ID.pattern)],
    _claims: Caller,
) -> dict[str, Any]:
    """The TOML files of a script, so consoles use the office's current copy (else their bundled one)."""
    files = service.script_files(script_id)
    if f"{script_id.partition('+')[0]}.toml" not in files:
        raise ApiError(404, "not_found", "Script not found")
    return {"script_id": script_id, "files": files}
