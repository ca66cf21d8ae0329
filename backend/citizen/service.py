"""What the citizen routes share: settings, gateways, limiters, the citizen hub, and helpers that
change an appointment's status and tell both sides."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from backend import audit
from backend.appointments import to_json, transition_error
from backend.citizen.config import CitizenSettings
from backend.citizen.gateways import Gateway
from backend.citizen.hub import CitizenHub
from backend.citizen.outbox import deliver_pending
from backend.citizen.ratelimit import WindowLimiter
from backend.deps import Services
from backend.errors import ApiError
from backend.models import Appointment, Office, utcnow

log = logging.getLogger("backend.citizen")


@dataclass
class CitizenServices:
    core: Services
    cfg: CitizenSettings
    gateways: dict[str, Gateway]
    hub: CitizenHub
    ip_limiter: WindowLimiter
    link_limiter: WindowLimiter

    def deliver_outbox(self) -> None:
        try:
            deliver_pending(self.core.db, self.gateways)
        except Exception:  # background work: log, never crash the worker; rows stay queued
            log.exception("outbox delivery failed")


def get_citizen_services(request: Request) -> CitizenServices:
    svc: CitizenServices = request.app.state.citizen
    return svc


def office_zone_name(session: Session, office_id: int) -> str:
    return session.scalar(select(Office.timezone).where(Office.id == office_id)) or "Europe/Madrid"


def change_status(
    svc: CitizenServices,
    appointment_id: str,
    new_status: str,
    *,
    allowed_from: frozenset[str],
    actor_staff_id: int | None,
    expected_version: int | None = None,
    guard: Callable[[Session, Appointment], None] | None = None,
) -> dict[str, Any] | None:
    """Moves the appointment to new_status if it is in allowed_from; returns its JSON (None if unchanged).

    Publishes appointment.updated on the staff bus and audits the change, like PATCH /appointments.
    `guard(session, appointment)` runs in the same transaction just before the change and may raise
    (the pool's per-office call limit on admit).
    """
    from backend.routes.appointments import zone

    for _ in range(3):  # a concurrent PATCH bumps the version: re-read and try again
        try:
            with svc.core.db.write() as s:
                appt = s.get(Appointment, appointment_id)
                if appt is None:
                    return None
                tz = zone(office_zone_name(s, appt.office_id))
                if expected_version is not None and appt.version != expected_version:
                    raise ApiError(
                        409,
                        "stale_version",
                        "Appointment was changed by someone else",
                        extra={"current": to_json(appt, tz)},
                    )
                if appt.status == new_status or appt.status not in allowed_from:
                    if expected_version is not None and appt.status != new_status:
                        reason = (
                            transition_error(appt.status, new_status)
                            or f"Cannot go from {appt.status} to {new_status}"
                        )
                        raise ApiError(
                            422, "invalid_transition", reason, errors=[{"field": "status", "message": reason}]
                        )
                    return None
                if guard is not None:
                    with s.no_autoflush:  # what the guard sets is written with the status: one version
                        guard(s, appt)
                old = appt.status
                appt.status = new_status
                appt.updated_at = utcnow()
                s.flush()
                audit.append(
                    s,
                    "appointment.updated",
                    object_type="appointment",
                    object_id=appt.id,
                    actor_staff_id=actor_staff_id,
                    data={
                        "changes": {"status": [old, new_status]},
                        "version": appt.version,
                        "by": "citizen" if actor_staff_id is None else "staff",
                    },
                )
                result = to_json(appt, tz)
                office_id = appt.office_id
        except StaleDataError:
            continue
        svc.core.bus.publish("appointment.updated", office_id, {"appointment": result})
        return result
    raise ApiError(409, "stale_version", "Appointment was changed by someone else")
