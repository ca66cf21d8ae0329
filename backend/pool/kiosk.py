"""The walk-in video kiosk: its page (GET /kiosk/{kiosk_token}), its ticket API, and admin kiosk tokens.

The kiosk token identifies a kiosk (and so its office); it is not a citizen credential. A ticket hands
the kiosk a citizen token bound to the walk-in's appointment, so the citizen routes (events, signal,
ICE, documents) serve the kiosk exactly like a citizen page. Ending the ticket revokes that token.
One kiosk serves one citizen at a time: a new ticket abandons the kiosk's previous unfinished one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend import audit
from backend.appointments import TERMINAL
from backend.citizen import credentials as cred
from backend.citizen.models import CitizenSession
from backend.citizen.page import PAGE_HEADERS, STATIC_DIR, PageToken
from backend.citizen.service import CitizenServices, get_citizen_services
from backend.deps import Caller
from backend.errors import ApiError
from backend.models import Appointment, Office, Staff, Tramit, utcnow
from backend.pool import service as svc
from backend.pool.models import CallRecord, Kiosk, WalkIn
from backend.pool.routes import publish_pool
from backend.schemas import MAX_INT

router = APIRouter(tags=["kiosk"])
page_router = APIRouter(include_in_schema=False)
CitizenDep = Annotated[CitizenServices, Depends(get_citizen_services)]
KioskToken = Annotated[str, Path(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")]
Language = Literal["ca", "es", "eu", "en", "ar", "ur"]
_bearer = HTTPBearer(auto_error=False, description="Citizen token from POST /kiosk/{kiosk_token}/tickets")
_UI_LANGUAGES = ("ca", "es", "eu", "en", "ar", "ur")


class TicketIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: Language
    tramit_code: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")


class KioskIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    office_id: int = Field(ge=1, le=MAX_INT)
    label: str = Field(default="", max_length=100, pattern=r"^[^\x00]*$")


def _kiosk(session: Session, token: str) -> tuple[Kiosk, Office]:
    kiosk = session.scalar(select(Kiosk).where(Kiosk.token_hash == cred.token_hash(token)))
    office = session.get(Office, kiosk.office_id) if kiosk is not None else None
    if kiosk is None or kiosk.revoked_at is not None or office is None:
        raise ApiError(404, "not_found", "This kiosk is not configured")
    return kiosk, office


@page_router.get("/kiosk/{kiosk_token}")
def kiosk_page(kiosk_token: PageToken) -> FileResponse:
    # Like /c/{token}: a static shell; the script reads the token from the path.
    return FileResponse(
        STATIC_DIR / "kiosk.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )


@router.get("/kiosk/{kiosk_token}", responses={404: {}})
def kiosk_info(kiosk_token: KioskToken, svc_: CitizenDep, request: Request) -> dict[str, Any]:
    """What the kiosk offers: the languages some informador speaks, plus Arabic and Urdu (served with an
    interpreter, as booked appointments are: backend/pool/service.py INTERPRETED), and the tràmits."""
    with svc_.core.db.read() as s:
        _kiosk_row, office = _kiosk(s, kiosk_token)
        spoken: set[str] = set()
        for langs in s.scalars(
            select(Staff.languages).where(Staff.role == "informador", Staff.active.is_(True))
        ):
            spoken.update(langs or [])
        tramits = [
            {"code": t.code, "names": t.names, "category": t.category}
            for t in s.scalars(select(Tramit).order_by(Tramit.category, Tramit.code))
        ]
    return {
        "office": {"code": office.code, "name": office.name},
        "languages": [lang for lang in _UI_LANGUAGES if lang in spoken or lang in svc.INTERPRETED],
        "tramits": tramits,
        "idle_s": request.app.state.pool_settings.kiosk_idle_s,
    }


def _end_ticket(session: Session, w: WalkIn, status: str) -> None:
    now = utcnow()
    w.status, w.ended_at = status, now
    session.execute(
        update(CitizenSession)
        .where(CitizenSession.appointment_id == w.appointment_id, CitizenSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )


@router.post("/kiosk/{kiosk_token}/tickets", status_code=201, responses={404: {}, 422: {}})
def new_ticket(kiosk_token: KioskToken, body: TicketIn, svc_: CitizenDep) -> dict[str, Any]:
    now = utcnow()
    abandoned: list[str] = []
    with svc_.core.db.write() as s:
        kiosk, office = _kiosk(s, kiosk_token)
        tramit = s.get(Tramit, body.tramit_code)
        if tramit is None:
            msg = "Unknown tràmit"
            raise ApiError(422, "validation_error", msg, errors=[{"field": "tramit_code", "message": msg}])
        for old in s.scalars(select(WalkIn).where(WalkIn.kiosk_id == kiosk.id, WalkIn.status == "waiting")):
            _end_ticket(s, old, "abandoned")
            appt_old = s.get(Appointment, old.appointment_id)
            if appt_old is not None and appt_old.status == "waiting":
                appt_old.status = "cancelled"
                appt_old.updated_at = now
            abandoned.append(str(old.id))
        lo, hi = svc.today_bounds(now)
        number = 1 + int(
            s.scalar(
                select(func.count())
                .select_from(WalkIn)
                .where(WalkIn.office_id == office.id, WalkIn.created_at >= lo, WalkIn.created_at < hi)
            )
            or 0
        )
        label = svc.ticket_label(office.code, number)
        appt = Appointment(
            id=str(uuid.uuid4()),
            office_id=office.id,
            staff_id=None,
            pool=True,
            tramit_code=tramit.code,
            level=(tramit.levels or ["informativa"])[0],
            start=now,
            duration_min=20,
            citizen_name=f"Kiosk {label}",  # walk-ins stay anonymous until the informador identifies them
            citizen_phone="",
            citizen_email=None,
            language=body.language,
            status="waiting",
            version=1,
            created_at=now,
            updated_at=now,
        )
        s.add(appt)
        s.flush()
        w = WalkIn(
            office_id=office.id,
            kiosk_id=kiosk.id,
            number=number,
            language=body.language,
            tramit_code=tramit.code,
            appointment_id=appt.id,
            status="waiting",
            created_at=now,
        )
        s.add(w)
        s.add(
            CallRecord(
                appointment_id=appt.id,
                office_id=office.id,
                tramit_code=tramit.code,
                walk_in=True,
                waiting_since=now,
                identification_failures=0,
                interpreter=body.language in svc.INTERPRETED,
            )
        )
        token = cred.new_session_token()
        s.add(
            CitizenSession(
                appointment_id=appt.id,
                token_hash=cred.token_hash(token),
                language=body.language,
                created_at=now,
                expires_at=now + timedelta(seconds=svc_.cfg.session_ttl_s),
            )
        )
        s.flush()
        audit.append(
            s,
            "walkin.created",
            object_type="appointment",
            object_id=appt.id,
            actor_staff_id=None,
            data={"kiosk_id": kiosk.id, "ticket": label},
        )
        item = svc.pool_items(s, now)
        mine = next(i for i in item if i["kind"] == "walkin" and i["id"] == str(w.id))
        ticket = _ticket_json(s, w, office, now)
        from backend.pool.routes import publish_appointment

        publish_appointment(svc_.core, s, appt)
    for old_id in abandoned:
        publish_pool(svc_.core, "removed", {"kind": "walkin", "id": old_id})
    publish_pool(svc_.core, "added", mine)
    svc_.core.bus.publish("walkin.created", office.id, {"ticket": ticket})
    svc_.core.bus.publish("citizen.waiting", office.id, {"appointment_id": appt.id})
    return {"ticket": ticket, "citizen_token": token, "expires_in": svc_.cfg.session_ttl_s}


def _ticket_json(s: Session, w: WalkIn, office: Office, now: Any) -> dict[str, Any]:
    ahead = int(
        s.scalar(
            select(func.count())
            .select_from(WalkIn)
            .where(WalkIn.status == "waiting", WalkIn.created_at < w.created_at)
        )
        or 0
    )
    tramit = s.get(Tramit, w.tramit_code)
    names: dict[str, str] = tramit.names if tramit else {}
    return {
        "id": str(w.id),
        "label": svc.ticket_label(office.code, w.number),
        "status": w.status,
        "language": w.language,
        "tramit_code": w.tramit_code,
        "tramit_name": names.get(w.language) or names.get("ca") or w.tramit_code,
        "office_name": office.name,
        "position": ahead + 1 if w.status == "waiting" else 0,
        "waiting_s": max(0, int((now - w.created_at).total_seconds())),
        "appointment_id": w.appointment_id,
    }


def _ticket_for(s: Session, token: str | None) -> WalkIn:
    row = None
    if token and len(token) <= 200:
        row = s.scalar(select(CitizenSession).where(CitizenSession.token_hash == cred.token_hash(token)))
    w = (
        s.scalar(select(WalkIn).where(WalkIn.appointment_id == row.appointment_id))
        if row is not None
        else None
    )
    if row is None or w is None or row.revoked_at is not None or row.expires_at < utcnow():
        raise ApiError(
            401, "not_authenticated", "This ticket has ended", headers={"WWW-Authenticate": "Bearer"}
        )
    return w


TicketAuth = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


@router.get("/kiosk-ticket", responses={401: {}})
def ticket_state(credentials: TicketAuth, svc_: CitizenDep) -> dict[str, Any]:
    """The kiosk's waiting screen: position in the queue and time waited."""
    with svc_.core.db.read() as s:
        w = _ticket_for(s, credentials.credentials if credentials else None)
        office = s.get(Office, w.office_id)
        assert office is not None
        return _ticket_json(s, w, office, utcnow())


@router.post("/kiosk-ticket/end", status_code=204, responses={401: {}})
def end_ticket(credentials: TicketAuth, svc_: CitizenDep) -> Response:
    """The kiosk is done with this citizen (call over, gave up, or idle): the token stops working."""
    with svc_.core.db.write() as s:
        w = _ticket_for(s, credentials.credentials if credentials else None)
        appt = s.get(Appointment, w.appointment_id)
        left_waiting = appt is not None and appt.status == "waiting"
        _end_ticket(s, w, "abandoned" if left_waiting else "served")
        if appt is not None and left_waiting:
            appt.status = "cancelled"
            appt.updated_at = utcnow()
            s.flush()
        audit.append(
            s, "walkin.ended", object_type="appointment", object_id=w.appointment_id, actor_staff_id=None,
            data={"status": w.status},
        )  # fmt: skip
        if appt is not None:
            from backend.pool.routes import publish_appointment

            publish_appointment(svc_.core, s, appt)
        payload = {"kind": "walkin", "id": str(w.id), "appointment_id": w.appointment_id, "status": w.status}
        office_id = w.office_id
    publish_pool(svc_.core, "removed", payload)
    svc_.core.bus.publish("walkin.ended", office_id, payload)
    svc_.hub.publish("ended", payload["appointment_id"], {"status": payload["status"]})
    return Response(status_code=204)


@router.post("/admin/kiosks", status_code=201, responses={403: {}, 404: {}})
def create_kiosk(body: KioskIn, claims: Caller, svc_: CitizenDep) -> dict[str, Any]:
    """A new kiosk for an office; the token is shown once (only its hash is stored)."""
    if claims.role != "admin":
        raise ApiError(403, "forbidden", "Only administrators configure kiosks")
    token = cred.new_join_token()
    with svc_.core.db.write() as s:
        if s.get(Office, body.office_id) is None:
            raise ApiError(404, "not_found", "Office not found")
        kiosk = Kiosk(office_id=body.office_id, label=body.label, token_hash=cred.token_hash(token))
        s.add(kiosk)
        s.flush()
        audit.append(
            s, "kiosk.created", object_type="kiosk", object_id=str(kiosk.id), actor_staff_id=claims.staff_id
        )
        kiosk_id = kiosk.id
    return {"id": kiosk_id, "office_id": body.office_id, "label": body.label, "token": token,
            "path": f"/kiosk/{token}"}  # fmt: skip


def end_walkin_for(session: Session, appointment_id: str, status: str) -> dict[str, Any] | None:
    """Called when the walk-in's appointment reaches a terminal status (the informador closed it)."""
    w = session.scalar(select(WalkIn).where(WalkIn.appointment_id == appointment_id))
    if w is None or w.status in ("served", "abandoned"):
        return None
    _end_ticket(session, w, "served" if status == "completed" else "abandoned")
    return {"kind": "walkin", "id": str(w.id), "appointment_id": appointment_id, "status": w.status,
            "office_id": w.office_id}  # fmt: skip


__all__ = ["TERMINAL", "end_walkin_for", "page_router", "router"]
