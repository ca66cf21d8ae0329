"""A sign-language interpreter or translator as a third party of a call (docs/API.md, "Interpreter").

The informador's console is the hub: it holds one peer connection with the citizen and a second one
with the interpreter's browser, and relays media and chat between them. The backend only hands out a
single-use invite bound to the appointment and relays signalling between the console and that
interpreter, like the citizen's (same validation, same citizen hub with its own party channel).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from backend import audit
from backend.citizen import credentials as cred
from backend.citizen.hub import AppointmentScope
from backend.citizen.models import InterpreterInvite
from backend.citizen.page import PAGE_HEADERS, STATIC_DIR, PageToken
from backend.citizen.routes_citizen import SignalIn, client_address, relay_to_staff
from backend.citizen.routes_staff import IdPath, _base_url, scoped
from backend.citizen.service import CitizenServices, get_citizen_services
from backend.citizen.turn import ice_servers
from backend.deps import Caller
from backend.errors import ApiError
from backend.events import stream
from backend.models import Appointment, utcnow

router = APIRouter(tags=["interpreter"])
page_router = APIRouter(include_in_schema=False)
CitizenDep = Annotated[CitizenServices, Depends(get_citizen_services)]
_bearer = HTTPBearer(auto_error=False, description="Interpreter token from POST /interpreter/session")
# An upper bound for a call's length; the invite dies earlier, when the appointment leaves in_call.
INVITE_TTL = timedelta(hours=4)


class InterpreterSessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    invite_token: str = Field(min_length=1, max_length=200)


@router.post("/calls/{appointment_id}/interpreter", responses={404: {}, 422: {}})
def invite_interpreter(
    appointment_id: IdPath, request: Request, claims: Caller, svc: CitizenDep
) -> dict[str, str]:
    with svc.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        if appt.status != "in_call":
            raise ApiError(
                422,
                "invalid_transition",
                f"Appointment is {appt.status}; invite an interpreter during the call",
            )
        token = cred.new_join_token()
        now = utcnow()
        expires = now + INVITE_TTL
        s.add(
            InterpreterInvite(
                appointment_id=appt.id,
                invite_hash=cred.token_hash(token),
                created_by=claims.staff_id,
                created_at=now,
                expires_at=expires,
            )
        )
        audit.append(
            s,
            "interpreter.invited",
            object_type="appointment",
            object_id=appt.id,
            actor_staff_id=claims.staff_id,
        )
    return {
        "url": f"{_base_url(svc, request)}/i/{token}",
        "expires_at": expires.isoformat(),
    }


def _invalid() -> ApiError:
    return ApiError(401, "invalid_link", "The link is not valid or the call has ended")


def _usable(appt: Appointment | None, invite: InterpreterInvite) -> bool:
    return appt is not None and appt.status == "in_call" and invite.expires_at > utcnow()


@router.post("/interpreter/session", responses={401: {}, 429: {}})
async def interpreter_session(
    body: InterpreterSessionIn, request: Request, svc: CitizenDep
) -> dict[str, Any]:
    started = time.monotonic()
    ip = client_address(request)
    wait = svc.ip_limiter.hit(ip)
    if wait:
        raise ApiError(429, "rate_limited", "Too many attempts", headers={"Retry-After": str(int(wait) + 1)})

    def work() -> tuple[str, str, int] | None:
        with svc.core.db.write() as s:
            invite = s.scalar(
                select(InterpreterInvite).where(
                    InterpreterInvite.invite_hash == cred.token_hash(body.invite_token)
                )
            )
            if invite is None or invite.used_at is not None:
                return None
            appt = s.get(Appointment, invite.appointment_id)
            if appt is None or not _usable(appt, invite):
                return None
            token = cred.new_session_token()
            invite.used_at = utcnow()
            invite.session_hash = cred.token_hash(token)
            audit.append(
                s,
                "interpreter.joined",
                object_type="appointment",
                object_id=appt.id,
                actor_staff_id=None,
                data={"client": ip},
            )
            _mark_call_record(s, appt.id)
            return token, appt.id, appt.office_id

    found = await run_in_threadpool(work)
    if found is None:
        # Same answer and the same floor for unknown, used and expired invites.
        await asyncio.sleep(max(0.0, svc.cfg.failure_floor_s - (time.monotonic() - started)))
        raise _invalid()
    token, appt_id, office_id = found
    svc.core.bus.publish("interpreter.joined", office_id, {"appointment_id": appt_id})
    return {"interpreter_token": token}


def _mark_call_record(session: Any, appointment_id: str) -> None:
    """The pool's KPI "share of calls needing an interpreter" counts this call."""
    try:
        from backend.pool.models import CallRecord
    except ImportError:  # pragma: no cover - a deployment without the pool
        return
    rec = session.get(CallRecord, appointment_id)
    if rec is None:
        # The pool's follower creates records from status events, asynchronously: it may not have
        # seen this call yet. Create the record here; the follower fills in the times later.
        from sqlalchemy.exc import IntegrityError

        from backend.pool.models import WalkIn

        appt = session.get(Appointment, appointment_id)
        if appt is None:
            return
        walk_in = session.scalar(select(WalkIn.id).where(WalkIn.appointment_id == appointment_id))
        try:
            with session.begin_nested():  # the follower may insert the same row at the same moment
                session.add(
                    CallRecord(
                        appointment_id=appointment_id,
                        office_id=appt.office_id,
                        staff_id=appt.staff_id,
                        tramit_code=appt.tramit_code,
                        walk_in=walk_in is not None,
                        identification_failures=0,
                        interpreter=True,
                    )
                )
            return
        except IntegrityError:
            rec = session.get(CallRecord, appointment_id, populate_existing=True)
    if rec is not None:
        rec.interpreter = True


class Interpreter(BaseModel):
    appointment_id: str
    office_id: int


def _identity(svc: CitizenServices, token: str | None) -> Interpreter:
    if token and len(token) <= 200:
        with svc.core.db.read() as s:
            invite = s.scalar(
                select(InterpreterInvite).where(InterpreterInvite.session_hash == cred.token_hash(token))
            )
            appt = s.get(Appointment, invite.appointment_id) if invite else None
            if invite is not None and appt is not None and _usable(appt, invite):
                return Interpreter(appointment_id=appt.id, office_id=appt.office_id)
    raise ApiError(
        401,
        "not_authenticated",
        "The call has ended or the link is not valid",
        headers={"WWW-Authenticate": "Bearer"},
    )


def current_interpreter(
    svc: CitizenDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Interpreter:
    return _identity(svc, credentials.credentials if credentials else None)


def current_interpreter_or_query(
    svc: CitizenDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    interpreter_token: Annotated[str | None, Query(max_length=200, description="For EventSource")] = None,
) -> Interpreter:
    return _identity(svc, credentials.credentials if credentials else interpreter_token)


InterpreterDep = Annotated[Interpreter, Depends(current_interpreter)]


@router.get("/interpreter/events", response_class=StreamingResponse)
async def interpreter_events(
    who: Annotated[Interpreter, Depends(current_interpreter_or_query)], svc: CitizenDep
) -> StreamingResponse:
    svc.hub.ensure_started()
    sub = svc.hub.bus.subscribe(
        AppointmentScope(office_ids=None, appointment_id=who.appointment_id, party="interpreter")
    )
    hello = {
        "server_time": datetime.now(UTC).isoformat(),
        "ping_interval_s": svc.core.settings.sse_ping_interval_s,
    }
    # The console offers when it hears "interpreter.joined" or this "ready" (a reloaded page).
    svc.core.bus.publish("interpreter.ready", who.office_id, {"appointment_id": who.appointment_id})
    return StreamingResponse(
        stream(sub, hello, svc.core.settings.sse_ping_interval_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


@router.post("/interpreter/signal", status_code=202, responses={401: {}, 422: {}})
def interpreter_signal(body: SignalIn, who: InterpreterDep, svc: CitizenDep) -> Response:
    relay_to_staff(svc, who.appointment_id, who.office_id, body.message, party="interpreter")
    return Response(status_code=202)


@router.get("/interpreter/ice", responses={401: {}})
def interpreter_ice(who: InterpreterDep, svc: CitizenDep) -> dict[str, Any]:
    return {"ice_servers": ice_servers(svc.cfg, who.appointment_id)}


@page_router.get("/i/{invite_token}")
def interpreter_page(invite_token: PageToken) -> FileResponse:
    # The same page as the citizen's; its script picks the interpreter role from the /i/ path.
    return FileResponse(
        STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=PAGE_HEADERS
    )
