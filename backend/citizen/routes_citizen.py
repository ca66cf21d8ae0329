"""Citizen routes (/api/v1/citizen/...): PIN exchange, waiting room, signalling, documents, events."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from backend.checklists.facts import publish_pin_verified
from backend.citizen import credentials as cred
from backend.citizen import documents as docs
from backend.citizen.hub import AppointmentScope
from backend.citizen.identification import CitizenIdentity, exchange, resolve_session
from backend.citizen.service import CitizenServices, change_status, get_citizen_services
from backend.citizen.signalling import SignalError, validate_message
from backend.citizen.turn import ice_servers
from backend.citizen.uploads import UploadError
from backend.errors import ApiError
from backend.events import stream
from backend.models import Appointment, Office, Tramit

router = APIRouter(prefix="/citizen", tags=["citizen"])
CitizenDep = Annotated[CitizenServices, Depends(get_citizen_services)]
# The citizen page speaks Arabic and Urdu too (right to left); tràmit names fall back to Catalan.
Language = Literal["ca", "es", "eu", "en", "ar", "ur"]
_bearer = HTTPBearer(auto_error=False, description="Citizen token from POST /citizen/session")
INVALID = "invalid_link_or_pin"


class SessionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    join_token: str = Field(min_length=1, max_length=200)
    # Exactly six ASCII digits: checked before any lookup, so a PIN typed with Arabic-Indic digits
    # (the page converts them; an old page might not) is refused plainly and never costs a try.
    # The format says nothing about whether the link exists.
    pin: str = Field(pattern=r"^[0-9]{6}$", description="The 6-digit PIN sent by SMS (0-9)")
    language: Language | None = None


class SignalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: Any


def client_address(request: Request) -> str:
    # The socket peer only: X-Forwarded-For is not trusted (a deployment behind a proxy must set
    # uvicorn's --forwarded-allow-ips so request.client is already the real address).
    return request.client.host if request.client else "unknown"


def _invalid() -> ApiError:
    return ApiError(401, INVALID, "The link or the PIN is not valid")


def _limited(retry_after: float) -> ApiError:
    seconds = str(int(retry_after) + 1)
    return ApiError(
        429,
        "rate_limited",
        "Too many attempts. Wait a few minutes and try again.",
        headers={"Retry-After": seconds},
    )


@router.post("/session", responses={401: {}, 429: {}})
async def open_session(body: SessionIn, request: Request, svc: CitizenDep) -> dict[str, Any]:
    started = time.monotonic()
    ip = client_address(request)
    wait = svc.ip_limiter.hit(ip) or svc.link_limiter.hit(cred.token_hash(body.join_token))
    if wait:
        raise _limited(wait)

    verified: list[tuple[str, int]] = []  # (appointment, office) once the PIN exchange committed

    def work() -> dict[str, Any] | None:
        with svc.core.db.write() as s:
            result = exchange(
                s,
                svc.cfg,
                join_token=body.join_token,
                pin=body.pin,
                client=ip,
                language=body.language or "ca",
            )
            if not result.ok or result.appointment_id is None:
                return None
            appt = s.get(Appointment, result.appointment_id)
            assert appt is not None
            verified.append((appt.id, appt.office_id))
            language = body.language or appt.language
            office = s.get(Office, appt.office_id)
            tramit = s.get(Tramit, appt.tramit_code)
            names: dict[str, str] = tramit.names if tramit else {}
            from backend.routes.appointments import zone

            tz = zone(office.timezone if office else "Europe/Madrid")
            return {
                "citizen_token": result.citizen_token,
                "expires_in": svc.cfg.session_ttl_s,
                "appointment": {
                    "start": appt.start.astimezone(tz).isoformat(),
                    "tramit_name": names.get(language) or names.get("ca") or appt.tramit_code,
                    "office_name": office.name if office else "",
                    "language": language,
                },
            }

    answer = await run_in_threadpool(work)
    for appointment_id, office_id in verified:
        # The checklist's automatic "PIN verified" item ticks itself on the informador's console.
        publish_pin_verified(svc.core.bus, appointment_id, office_id)
    if answer is None:
        # Pad every failure to the same floor: the unknown-link and wrong-PIN paths differ by a
        # few database hits, which must not show in the response time.
        await asyncio.sleep(max(0.0, svc.cfg.failure_floor_s - (time.monotonic() - started)))
        raise _invalid()
    return answer


def _identity(svc: CitizenServices, token: str | None) -> CitizenIdentity:
    if token:
        with svc.core.db.read() as s:
            ident = resolve_session(s, token)
        if ident is not None:
            return ident
    raise ApiError(
        401,
        "not_authenticated",
        "Your session has ended; open your link again",
        headers={"WWW-Authenticate": "Bearer"},
    )


def current_citizen(
    svc: CitizenDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> CitizenIdentity:
    return _identity(svc, credentials.credentials if credentials else None)


def current_citizen_or_query(
    svc: CitizenDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    citizen_token: Annotated[str | None, Query(max_length=200, description="For EventSource")] = None,
) -> CitizenIdentity:
    return _identity(svc, credentials.credentials if credentials else citizen_token)


Citizen = Annotated[CitizenIdentity, Depends(current_citizen)]


@router.get("/events", response_class=StreamingResponse)
async def citizen_events(
    who: Annotated[CitizenIdentity, Depends(current_citizen_or_query)], svc: CitizenDep
) -> StreamingResponse:
    svc.hub.ensure_started()
    sub = svc.hub.bus.subscribe(AppointmentScope(office_ids=None, appointment_id=who.appointment_id))

    def current_status() -> str:
        with svc.core.db.read() as s:
            appt = s.get(Appointment, who.appointment_id)
            return appt.status if appt else "cancelled"

    status = await run_in_threadpool(current_status)
    # Replays the state a reconnecting page missed, then streams live events.
    if status == "in_call":
        svc.hub.publish("admitted", who.appointment_id, {"status": status})
    elif status == "waiting":
        svc.hub.publish("waiting", who.appointment_id, {"status": status})
    hello = {
        "server_time": datetime.now(UTC).isoformat(),
        "ping_interval_s": svc.core.settings.sse_ping_interval_s,
    }
    return StreamingResponse(
        stream(sub, hello, svc.core.settings.sse_ping_interval_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no"},
    )


@router.post("/waiting", status_code=204)
def enter_waiting_room(who: Citizen, svc: CitizenDep) -> Response:
    change_status(
        svc,
        who.appointment_id,
        "waiting",
        allowed_from=frozenset({"scheduled", "confirmed"}),
        actor_staff_id=None,
    )
    svc.core.bus.publish("citizen.waiting", who.office_id, {"appointment_id": who.appointment_id})
    svc.hub.publish("waiting", who.appointment_id, {"status": "waiting"})
    return Response(status_code=204)


@router.post("/leave", status_code=204)
def leave(who: Citizen, svc: CitizenDep) -> Response:
    change_status(
        svc, who.appointment_id, "confirmed", allowed_from=frozenset({"waiting"}), actor_staff_id=None
    )
    svc.core.bus.publish("citizen.left", who.office_id, {"appointment_id": who.appointment_id})
    return Response(status_code=204)


def relay_to_staff(
    svc: CitizenServices, appointment_id: str, office_id: int, raw: Any, party: str = "citizen"
) -> None:
    try:
        message = validate_message(raw)
    except SignalError as exc:
        raise ApiError(
            422, "invalid_signal", exc.message, errors=[{"field": exc.field, "message": exc.message}]
        ) from exc
    data: dict[str, Any] = {"appointment_id": appointment_id, "message": message}
    if party != "citizen":  # absent means the citizen (the console's original protocol)
        data["party"] = party
    svc.core.bus.publish("signal", office_id, data)


@router.post("/signal", status_code=202)
def citizen_signal(body: SignalIn, who: Citizen, svc: CitizenDep) -> Response:
    relay_to_staff(svc, who.appointment_id, who.office_id, body.message)
    return Response(status_code=202)


@router.get("/ice")
def citizen_ice(who: Citizen, svc: CitizenDep) -> dict[str, Any]:
    return {"ice_servers": ice_servers(svc.cfg, who.appointment_id)}


def upload_error(exc: UploadError) -> ApiError:
    return ApiError(exc.status, exc.code, exc.message, errors=[{"field": "file", "message": exc.message}])


async def receive_document(
    request: Request, svc: CitizenServices, appointment_id: str, uploader: str, staff_id: int | None
) -> dict[str, Any]:
    declared = request.headers.get("content-length", "")
    limit = svc.cfg.max_document_bytes
    if declared.isdigit() and int(declared) > limit + 64 * 1024:
        raise upload_error(
            UploadError(413, "too_large", f"The document is larger than {limit // (1024 * 1024)} MiB")
        )
    try:
        return await docs.store_upload(
            svc.core.db,
            svc.cfg.documents_dir,
            limit,
            request.headers.get("content-type", ""),
            request.stream(),
            appointment_id=appointment_id,
            uploader=uploader,
            staff_id=staff_id,
        )
    except UploadError as exc:
        raise upload_error(exc) from exc


@router.post("/documents", status_code=201, responses={413: {}, 415: {}, 422: {}})
async def citizen_upload(request: Request, svc: CitizenDep) -> dict[str, Any]:
    # Authenticated before a single body byte is read.
    creds = await _bearer(request)
    who = await run_in_threadpool(_identity, svc, creds.credentials if creds else None)
    doc = await receive_document(request, svc, who.appointment_id, "citizen", None)
    svc.core.bus.publish("document", who.office_id, {"appointment_id": who.appointment_id, "document": doc})
    return doc


@router.get("/documents")
def citizen_documents(who: Citizen, svc: CitizenDep) -> list[dict[str, Any]]:
    with svc.core.db.read() as s:
        return docs.list_for(s, who.appointment_id)


def attachment(doc: Any, path: Any) -> FileResponse:
    response = FileResponse(
        path, media_type=doc.content_type, filename=doc.name, content_disposition_type="attachment"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@router.get("/documents/{doc_id}", response_class=FileResponse, responses={404: {}})
def citizen_download(
    doc_id: Annotated[str, Path(max_length=64)], who: Citizen, svc: CitizenDep
) -> FileResponse:
    found = docs.open_for_download(
        svc.core.db,
        svc.cfg.documents_dir,
        doc_id,
        allowed=lambda _s, d: d.appointment_id == who.appointment_id,
        actor_staff_id=None,
        who="citizen",
    )
    if found is None:
        raise ApiError(404, "not_found", "Document not found")
    return attachment(*found)


__all__ = ["router"]
