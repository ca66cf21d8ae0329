"""Staff routes for the call (bearer, office scope): link, PIN, admit, ICE, signalling, documents, outbox."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.appointments import TERMINAL
from backend.citizen import documents as docs
from backend.citizen.identification import SmsLimitReached, issue_link, issue_pin
from backend.citizen.models import OutboxMessage
from backend.citizen.routes_citizen import SignalIn, attachment, receive_document
from backend.citizen.service import CitizenServices, change_status, get_citizen_services
from backend.citizen.signalling import SignalError, validate_message
from backend.citizen.turn import ice_servers
from backend.deps import Caller, current_claims, may_serve, scoped_appointment
from backend.errors import ApiError
from backend.models import Appointment
from backend.pool.service import admit_guard
from backend.schemas import MAX_INT
from backend.security import AccessClaims

router = APIRouter(tags=["call"])
CitizenDep = Annotated[CitizenServices, Depends(get_citizen_services)]
IdPath = Annotated[uuid.UUID, Path(description="Appointment id (UUID)")]


class StaffSignalIn(SignalIn):
    # Which party of the call the message is for: the interpreter joins as a second connection.
    to: Literal["citizen", "interpreter"] = "citizen"


class AdmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=MAX_INT)


def scoped(session: Session, claims: AccessClaims, appointment_id: str) -> Appointment:
    """The appointment if the caller may serve it; out of scope answers like missing (404)."""
    return scoped_appointment(session, claims, appointment_id)


def _base_url(svc: CitizenServices, request: Request) -> str:
    return svc.cfg.public_url or str(request.base_url).rstrip("/")


@router.post("/appointments/{appointment_id}/link", responses={404: {}, 422: {}})
def new_link(
    appointment_id: IdPath, request: Request, claims: Caller, svc: CitizenDep, tasks: BackgroundTasks
) -> dict[str, str]:
    with svc.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        if appt.status in TERMINAL:
            raise ApiError(422, "invalid_transition", f"Appointment is {appt.status}; no new link")
        url = issue_link(s, appt, _base_url(svc, request), claims.staff_id)
    tasks.add_task(svc.deliver_outbox)
    return {"url": url}


@router.post("/appointments/{appointment_id}/pin", status_code=202, responses={404: {}, 422: {}, 429: {}})
def new_pin(appointment_id: IdPath, claims: Caller, svc: CitizenDep, tasks: BackgroundTasks) -> Response:
    try:
        with svc.core.db.write() as s:
            appt = scoped(s, claims, str(appointment_id))
            if appt.status in TERMINAL:
                raise ApiError(422, "invalid_transition", f"Appointment is {appt.status}; no new PIN")
            if not (appt.citizen_phone or appt.citizen_email):
                raise ApiError(
                    422, "validation_error", "The appointment has no phone number or e-mail for the PIN"
                )
            issue_pin(s, svc.cfg, appt, claims.staff_id)
    except SmsLimitReached:
        raise ApiError(
            429,
            "rate_limited",
            f"At most {svc.cfg.pin_sms_max} PIN messages per {svc.cfg.pin_sms_window_s // 60} minutes"
            " for one appointment",
            headers={"Retry-After": str(svc.cfg.pin_sms_window_s)},
        ) from None
    tasks.add_task(svc.deliver_outbox)
    return Response(status_code=202)


@router.post("/appointments/{appointment_id}/admit", responses={404: {}, 409: {}, 422: {}})
def admit(appointment_id: IdPath, body: AdmitIn, claims: Caller, svc: CitizenDep) -> dict[str, Any]:
    appt_id = str(appointment_id)
    with svc.core.db.read() as s:
        scoped(s, claims, appt_id)
    result = change_status(
        svc,
        appt_id,
        "in_call",
        allowed_from=frozenset({"waiting"}),
        actor_staff_id=claims.staff_id,
        expected_version=body.version,
        guard=admit_guard(claims.staff_id),  # the office's concurrent-call limit (backend/pool)
    )
    if result is None:  # already in the call: admitting twice is harmless
        from backend.routes.appointments import get_appointment

        result = get_appointment(appointment_id, claims, svc.core)
    svc.hub.publish("admitted", appt_id, {"status": "in_call"})
    return result


@router.get("/calls/{appointment_id}/ice", responses={404: {}})
def staff_ice(appointment_id: IdPath, claims: Caller, svc: CitizenDep) -> dict[str, Any]:
    with svc.core.db.read() as s:
        appt = scoped(s, claims, str(appointment_id))
        return {"ice_servers": ice_servers(svc.cfg, appt.id)}


@router.post("/calls/{appointment_id}/signal", status_code=202, responses={404: {}, 422: {}})
def staff_signal(appointment_id: IdPath, body: StaffSignalIn, claims: Caller, svc: CitizenDep) -> Response:
    with svc.core.db.read() as s:
        appt = scoped(s, claims, str(appointment_id))
        if appt.status in TERMINAL:
            raise ApiError(422, "invalid_transition", f"Appointment is {appt.status}; the call is over")
    try:
        message = validate_message(body.message)
    except SignalError as exc:
        raise ApiError(
            422, "invalid_signal", exc.message, errors=[{"field": exc.field, "message": exc.message}]
        ) from exc
    # "to" absent = the citizen (the hub's AppointmentScope default): the citizen page's shape is unchanged.
    svc.hub.publish(
        "signal",
        appt.id,
        {"message": message} if body.to == "citizen" else {"message": message, "to": body.to},
    )
    return Response(status_code=202)


@router.get("/appointments/{appointment_id}/documents", responses={404: {}})
def staff_documents(appointment_id: IdPath, claims: Caller, svc: CitizenDep) -> list[dict[str, Any]]:
    with svc.core.db.read() as s:
        appt = scoped(s, claims, str(appointment_id))
        return docs.list_for(s, appt.id)


@router.post(
    "/appointments/{appointment_id}/documents", status_code=201, responses={404: {}, 413: {}, 422: {}}
)
async def staff_upload(appointment_id: IdPath, request: Request, svc: CitizenDep) -> dict[str, Any]:
    # Authenticated, scoped and gated (the checklist's send_personal_documents) before a body byte is read.
    from fastapi.security import HTTPBearer

    creds = await HTTPBearer(auto_error=False)(request)
    from backend.deps import _claims_from

    claims = _claims_from(svc.core, creds.credentials if creds else None)

    def check() -> None:
        with svc.core.db.read() as s:
            _require_send_gate(s, scoped(s, claims, str(appointment_id)))

    await run_in_threadpool(check)
    doc = await receive_document(request, svc, str(appointment_id), "staff", claims.staff_id)
    svc.hub.publish("document", str(appointment_id), {"document": doc})
    return doc


def _require_send_gate(session: Session, appt: Appointment) -> None:
    """Whatever the informador sends is treated as a document with personal data: the server cannot
    tell a filled-in form from a leaflet, and public information goes as a link in the chat (the
    informativa script says so; there the gate only opens by a supervisor's override). So every upload
    needs the checklist's send_personal_documents gate, with a run recorded (fails closed)."""
    from backend.checklists.service import require_identification  # the engine only loads when needed
    from console.scripts import Gate

    require_identification(
        session, appt, Gate.SEND_PERSONAL_DOCUMENTS,
        needs="Sending documents needs the citizen's identification first", field="file",
    )  # fmt: skip


@router.get("/documents/{doc_id}", response_class=FileResponse, responses={404: {}})
def staff_download(
    doc_id: Annotated[str, Path(max_length=64)],
    claims: Annotated[AccessClaims, Depends(current_claims)],
    svc: CitizenDep,
) -> FileResponse:
    def allowed(session: Session, doc: Any) -> bool:
        appt = session.get(Appointment, doc.appointment_id)
        return appt is not None and may_serve(claims, appt)

    found = docs.open_for_download(
        svc.core.db,
        svc.cfg.documents_dir,
        doc_id,
        allowed=allowed,
        actor_staff_id=claims.staff_id,
        who="staff",
    )
    if found is None:
        raise ApiError(404, "not_found", "Document not found")
    return attachment(*found)


@router.get("/admin/outbox", responses={403: {}})
def outbox(
    claims: Caller,
    svc: CitizenDep,
    appointment_id: Annotated[uuid.UUID | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    if claims.role not in ("supervisor", "admin"):
        raise ApiError(403, "forbidden", "Only supervisors and administrators can read the outbox")
    with svc.core.db.read() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
        if appointment_id is not None:
            query = query.where(OutboxMessage.appointment_id == str(appointment_id))
        return [
            {
                "id": m.id,
                "appointment_id": m.appointment_id,
                "channel": m.channel,
                "purpose": m.purpose,
                "to": m.to,
                "body": m.body,
                "status": m.status,
                "error": m.error,
                "created_at": m.created_at.isoformat(),
                "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            }
            for m in s.scalars(query)
        ]
