"""Agenda: list with filters, get one, PATCH with optimistic concurrency and the status state machine."""

from __future__ import annotations

import time as time_module
import uuid
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend import audit
from backend.appointments import sees_personal_data, to_json, transition_error
from backend.deps import Caller, ServicesDep, office_scope, scoped_appointment
from backend.errors import ApiError
from backend.models import Appointment, Office, utcnow
from backend.schemas import MAX_INT, AppointmentOut, AppointmentPatch, IsoDay, Level, Status, Text
from backend.security import AccessClaims

router = APIRouter(tags=["appointments"])

IdPath = Annotated[uuid.UUID, Path(description="Appointment id (UUID)")]


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


_ZONES_TTL_S = 30.0
# bind → (loaded at, zones). Offices almost never change and this is the agenda's hot path.
_zones_cache: dict[object, tuple[float, dict[int, ZoneInfo]]] = {}


def _office_zones(session: Session, *, fresh: bool = False) -> dict[int, ZoneInfo]:
    bind = session.get_bind()
    now = time_module.monotonic()
    cached = _zones_cache.get(bind)
    if fresh or cached is None or now - cached[0] > _ZONES_TTL_S:
        zones = {oid: zone(tz) for oid, tz in session.execute(select(Office.id, Office.timezone))}
        _zones_cache[bind] = (now, zones)
        return dict(zones)
    return dict(cached[1])


def _day_bounds(day: date | None, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local_day = day or datetime.now(tz).date()
    start = datetime.combine(local_day, time(0), tz)
    return start, datetime.combine(local_day + timedelta(days=1), time(0), tz)


@router.get("/appointments", response_model=list[AppointmentOut], responses={403: {}})
async def list_appointments(
    claims: Caller,
    services: ServicesDep,
    *,
    day: Annotated[
        IsoDay | None, Query(description="YYYY-MM-DD in the office time zone; default today")
    ] = None,
    office_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    staff_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    status: Status | None = None,
    level: Level | None = None,
    tramit_code: Annotated[Text | None, Query(min_length=1, max_length=80)] = None,
    pool: bool | None = None,
) -> JSONResponse:
    scope = office_scope(claims)
    if scope is not None:
        if office_id is None:
            office_id = claims.office_id
        if office_id not in scope:
            raise ApiError(403, "forbidden", "You can only see your own office's appointments")
    # The agenda is the hot path: the read runs where the database wants it (Database.run_read).
    return await services.db.run_read(
        lambda s: _agenda(
            s,
            day=day,
            office_id=office_id,
            staff_id=staff_id,
            status=status,
            level=level,
            tramit_code=tramit_code,
            pool=pool,
            viewer=claims,
        )
    )


def _agenda(
    s: Session,
    *,
    day: date | None,
    office_id: int | None,
    staff_id: int | None,
    status: str | None,
    level: str | None,
    tramit_code: str | None,
    pool: bool | None,
    viewer: AccessClaims,
) -> JSONResponse:
    zones = _office_zones(s)
    if office_id is not None:
        if office_id not in zones:
            zones = _office_zones(s, fresh=True)  # maybe an office created since the cache
        if office_id not in zones:
            raise ApiError(404, "not_found", "Office not found")
        zones = {office_id: zones[office_id]}
    # A "day" is local to each office; group offices by zone so the range is right for each.
    by_zone: dict[ZoneInfo, list[int]] = {}
    for oid, tz in zones.items():
        by_zone.setdefault(tz, []).append(oid)
    day_terms: list[ColumnElement[bool]] = []
    for tz, oids in by_zone.items():
        lo, hi = _day_bounds(day, tz)
        day_terms.append(
            and_(
                Appointment.office_id == oids[0] if len(oids) == 1 else Appointment.office_id.in_(oids),
                Appointment.start >= lo,
                Appointment.start < hi,
            )
        )
    if not day_terms:
        return JSONResponse([])
    query = select(Appointment).where(or_(*day_terms))
    if staff_id is not None:
        query = query.where(Appointment.staff_id == staff_id)
    if status is not None:
        query = query.where(Appointment.status == status)
    if level is not None:
        query = query.where(Appointment.level == level)
    if tramit_code is not None:
        query = query.where(Appointment.tramit_code == tramit_code)
    if pool is not None:
        query = query.where(Appointment.pool.is_(pool))
    rows = s.scalars(query.order_by(Appointment.start, Appointment.id)).all()
    # Built directly (no per-row pydantic validation): this is the agenda's hot path.
    return JSONResponse(
        [to_json(a, zones[a.office_id], personal=sees_personal_data(viewer, a)) for a in rows]
    )


def _load_scoped(session: Session, claims: AccessClaims, appointment_id: uuid.UUID) -> Appointment:
    return scoped_appointment(session, claims, appointment_id)


def _zone_of(session: Session, office_id: int) -> ZoneInfo:
    tz = session.scalar(select(Office.timezone).where(Office.id == office_id))
    return zone(tz or "Europe/Madrid")


@router.get("/appointments/{appointment_id}", response_model=AppointmentOut, responses={404: {}})
def get_appointment(appointment_id: IdPath, claims: Caller, services: ServicesDep) -> dict[str, Any]:
    with services.db.read() as s:
        appt = _load_scoped(s, claims, appointment_id)
        return to_json(appt, _zone_of(s, appt.office_id), personal=sees_personal_data(claims, appt))


def _stale(current: dict[str, Any]) -> ApiError:
    return ApiError(
        409, "stale_version", "Appointment was changed by someone else", extra={"current": current}
    )


@router.patch(
    "/appointments/{appointment_id}", response_model=AppointmentOut, responses={404: {}, 409: {}, 422: {}}
)
def patch_appointment(
    appointment_id: IdPath, body: AppointmentPatch, claims: Caller, services: ServicesDep
) -> dict[str, Any]:
    try:
        with services.db.write() as s:
            appt = _load_scoped(s, claims, appointment_id)
            tz = _zone_of(s, appt.office_id)
            if body.version != appt.version:
                raise _stale(to_json(appt, tz, personal=sees_personal_data(claims, appt)))
            changes = _apply(appt, body)
            if not changes:
                return to_json(appt, tz)
            appt.updated_at = utcnow()
            # The guards only read other rows; without autoflush this appointment is written once, in
            # the flush below, so a PATCH moves its version by exactly one.
            with s.no_autoflush:
                if changes.get("status", [None, None])[1] == "in_call":
                    _start_call(s, appt, claims.staff_id)
                closing_resolved = (appt.status, appt.outcome) == ("completed", "resolved")
                if closing_resolved and changes.keys() & {"status", "outcome"}:
                    _require_close_resolved(s, appt)
            s.flush()  # the ORM's "WHERE version = old" UPDATE; StaleDataError if someone got there first
            audit.append(
                s,
                "appointment.updated",
                object_type="appointment",
                object_id=appt.id,
                actor_staff_id=claims.staff_id,
                data={"changes": changes, "version": appt.version},
            )
            # The event goes to boards and colleagues: without the date of birth; the caller gets it.
            published = to_json(appt, tz)
            result = to_json(appt, tz, personal=sees_personal_data(claims, appt))
            office_id = appt.office_id
    except StaleDataError:
        with services.db.read() as s:
            appt = _load_scoped(s, claims, appointment_id)
            # The caller's own view of the row, as a 200 would have given it (birth date included or not).
            current = to_json(appt, _zone_of(s, appt.office_id), personal=sees_personal_data(claims, appt))
            raise _stale(current) from None
    services.bus.publish("appointment.updated", office_id, {"appointment": published})
    return result


def _require_close_resolved(session: Session, appt: Appointment) -> None:
    """Closing as resolved needs the checklist's close_resolved gate open. With no checklist recorded
    the engine judges an empty run of the appointment's script: refused wherever the level asks for
    items before closing as resolved (every level does today), so an unopened checklist never passes."""
    from backend.checklists.service import gate_refusal  # the engine only loads when needed
    from console.scripts import Gate

    reasons = gate_refusal(session, appt, Gate.CLOSE_RESOLVED, require_run=False)
    if reasons:
        msg = "The checklist does not allow closing as resolved yet: " + " ".join(reasons)
        raise ApiError(422, "checklist_incomplete", msg, errors=[{"field": "outcome", "message": msg}])


def _start_call(session: Session, appt: Appointment, staff_id: int) -> None:
    """A call started by status PATCH obeys the same office limit as admit (409 office_call_limit)."""
    from backend.pool.service import start_call_guard

    start_call_guard(session, appt, staff_id)


def _apply(appt: Appointment, body: AppointmentPatch) -> dict[str, list[Any]]:
    """Validates and applies the patch; returns {field: [old, new]} of what actually changed."""
    fields = body.model_fields_set
    new_status = body.status if "status" in fields and body.status is not None else appt.status
    reason = transition_error(appt.status, new_status)
    if reason:
        raise ApiError(422, "invalid_transition", reason, errors=[{"field": "status", "message": reason}])
    changes: dict[str, list[Any]] = {}
    if "outcome" in fields:
        if body.outcome is not None and new_status != "completed":
            msg = "An outcome is only allowed on a completed appointment"
            raise ApiError(422, "validation_error", msg, errors=[{"field": "outcome", "message": msg}])
        if body.outcome != appt.outcome:
            changes["outcome"] = [appt.outcome, body.outcome]
            appt.outcome = body.outcome
    if new_status != appt.status:
        changes["status"] = [appt.status, new_status]
        appt.status = new_status
    if "notes" in fields and body.notes is not None and body.notes != appt.notes:
        # The audit keeps lengths, not the text: notes can hold personal data.
        changes["notes"] = [len(appt.notes), len(body.notes)]
        appt.notes = body.notes
    return changes
