"""HTTP routes of the tràmit wizard. Staff routes are office-scoped (404 outside the scope); citizen
routes use the citizen bearer bound to one appointment. Every step is audited."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit
from backend.citizen import credentials as cred
from backend.citizen.gateways import Attachment
from backend.citizen.identification import CitizenIdentity
from backend.citizen.models import CitizenSession, Document
from backend.citizen.outbox import enqueue, recent_count
from backend.citizen.routes_citizen import Citizen, client_address
from backend.citizen.routes_staff import scoped
from backend.citizen.service import CitizenServices, office_zone_name
from backend.deps import Caller
from backend.errors import ApiError
from backend.models import Appointment, Office, Tramit, utcnow
from backend.schemas import MAX_INT
from backend.tramitacio import service as svc_
from backend.tramitacio.connectors import (
    ConnectorError,
    DocumentUnavailable,
    Submission,
    SubmissionConnector,
)
from backend.tramitacio.models import Tramitacio
from backend.tramitacio.receipt import ReceiptData, build_receipt
from backend.tramitacio.texts import text
from backend.tramitacio.validation import display_value

log = logging.getLogger("backend.tramitacio")
IdPath = Annotated[uuid.UUID, Path(description="Appointment id (UUID)")]
OTP_SENDS_MAX = 3
OTP_SENDS_WINDOW_S = 10 * 60


class TramitacioServices:
    def __init__(self, citizen: CitizenServices, connector: SubmissionConnector) -> None:
        self.citizen = citizen
        self.connector = connector
        self.receipts_dir = citizen.cfg.documents_dir / "receipts"
        self.receipts_dir.mkdir(parents=True, exist_ok=True)


def get_services(request: Request) -> TramitacioServices:
    services: TramitacioServices = request.app.state.tramitacio
    return services


Svc = Annotated[TramitacioServices, Depends(get_services)]
staff_router = APIRouter(tags=["tramitacio"])
_bearer = HTTPBearer(auto_error=False, description="Citizen token from POST /citizen/session")
citizen_router = APIRouter(prefix="/citizen", tags=["citizen"])


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=0, le=MAX_INT, description="0 creates the draft")
    tramit_code: str | None = Field(default=None, max_length=80)
    level: Literal["assistida", "atesa"]
    step: str = Field(default="", max_length=40)
    form_data: dict[str, Any] = Field(default_factory=dict, max_length=100)
    excluded_documents: list[str] = Field(default_factory=list, max_length=200)
    checked_documents: list[str] = Field(default_factory=list, max_length=200)
    assisted: dict[str, Any] = Field(default_factory=dict, max_length=20)


class DocumentsRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[str] = Field(min_length=1, max_length=30)


class AssistedResultIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    registry_number: str = Field(default="", max_length=80)
    notes: str = Field(default="", max_length=2000)


class PostSummaryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    next_steps: str = Field(default="", max_length=2000)
    missing_documents: list[str] = Field(default_factory=list, max_length=30)


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    otp: str = Field(min_length=1, max_length=32)

    @field_validator("otp")
    @classmethod
    def ascii_digits_only(cls, value: str) -> str:
        """The page converts Arabic-Indic digits (٠-٩, ۰-۹) to 0-9 before sending; anything else that
        Python would read as a digit is refused here with a 422, never compared or crashed on."""
        if any(ch.isdigit() and not ("0" <= ch <= "9") for ch in value):
            raise ValueError("the code must be sent with the digits 0-9")
        return value


# -- helpers ----------------------------------------------------------------------------------------


def _today(session: Session, appt: Appointment) -> date:
    from backend.routes.appointments import zone

    return datetime.now(zone(office_zone_name(session, appt.office_id))).date()


def _error(exc: svc_.TramitacioError) -> ApiError:
    errors = exc.extra.pop("errors", None)
    field = exc.extra.pop("field", None)
    if field and not errors:
        errors = [{"field": field, "message": exc.message}]
    return ApiError(exc.status, exc.code, exc.message, errors=errors, extra=exc.extra)


def _require(session: Session, appointment_id: str) -> Tramitacio:
    t = svc_.for_appointment(session, appointment_id)
    if t is None:
        raise ApiError(404, "not_found", "No tràmit has been started for this appointment")
    return t


def _require_identified(session: Session, t: Tramitacio, appt: Appointment) -> None:
    """Attended processing files in the citizen's name, so the server itself insists on the checklist's
    attended_mode gate (full identification, or a supervisor's override), not only the console."""
    if t.level != "atesa":
        return  # assisted: the citizen acts on the portal themselves
    from backend.checklists.service import require_identification  # the engine only loads when needed
    from console.scripts import Gate

    require_identification(
        session, appt, Gate.ATTENDED_MODE,
        needs="Attended processing needs the citizen's full identification", field="level",
    )  # fmt: skip


def _audit(session: Session, action: str, t: Tramitacio, staff_id: int | None, **data: Any) -> None:
    audit.append(
        session, action, object_type="tramitacio", object_id=t.id, actor_staff_id=staff_id,
        data={"appointment_id": t.appointment_id, **data},
    )  # fmt: skip


def _publish(
    services: TramitacioServices, office_id: int, body: dict[str, Any], citizen_event: str = ""
) -> None:
    """Tells the consoles (their wizard follows the state) and, when relevant, the citizen's page."""
    services.citizen.core.bus.publish(
        "tramitacio.updated", office_id, {"appointment_id": body["appointment_id"], "tramitacio": body}
    )
    if citizen_event:
        services.citizen.hub.publish(
            f"tramitacio.{citizen_event}", body["appointment_id"], {"status": body["status"]}
        )


# -- staff routes -----------------------------------------------------------------------------------


@staff_router.get("/appointments/{appointment_id}/tramitacio", responses={404: {}})
def get_tramitacio(appointment_id: IdPath, claims: Caller, services: Svc) -> dict[str, Any]:
    with services.citizen.core.db.read() as s:
        appt = scoped(s, claims, str(appointment_id))
        return svc_.to_json(s, _require(s, appt.id), _today(s, appt))


@staff_router.put("/appointments/{appointment_id}/tramitacio", responses={404: {}, 409: {}, 422: {}})
def put_draft(appointment_id: IdPath, body: DraftIn, claims: Caller, services: Svc) -> dict[str, Any]:
    change = svc_.DraftChange(
        body.tramit_code, body.level, body.step, body.form_data, body.excluded_documents,
        body.checked_documents, body.assisted,
    )  # fmt: skip
    with services.citizen.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        today = _today(s, appt)
        before = svc_.for_appointment(s, appt.id)
        steps_before = list((before.assisted or {}).get("steps_done", [])) if before else []
        try:
            t, errors, reopened = svc_.save_draft(
                s, appt, body.version, change, staff_id=claims.staff_id, today=today
            )
        except svc_.TramitacioError as exc:
            raise _error(exc) from exc
        if errors:
            raise ApiError(
                422, "validation_error", errors[0].message("ca"),
                errors=[{"field": e.field, "code": e.code, "message": e.message("ca")} for e in errors],
            )  # fmt: skip
        _audit(s, "tramitacio.draft_saved", t, claims.staff_id, version=t.version, step=t.step, level=t.level)
        if reopened:
            _audit(s, "tramitacio.signature_invalidated", t, claims.staff_id, reason="draft changed")
        steps_now = list((t.assisted or {}).get("steps_done", []))
        if steps_now != steps_before:
            _audit(s, "tramitacio.assisted_steps", t, claims.staff_id, steps_done=steps_now)
        result = svc_.to_json(s, t, today)
        office_id = appt.office_id
    _publish(services, office_id, result, "reopened" if reopened else "")
    return result


@staff_router.post(
    "/appointments/{appointment_id}/tramitacio/documents-request",
    status_code=202,
    responses={404: {}, 422: {}},
)
def request_documents(
    appointment_id: IdPath, body: DocumentsRequestIn, claims: Caller, services: Svc
) -> Response:
    with services.citizen.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        t = _require(s, appt.id)
        tramit = s.get(Tramit, t.tramit_code)
        known = {d.get("code") for d in (tramit.required_documents if tramit else [])}
        unknown = [c for c in body.codes if c not in known]
        if unknown:
            raise ApiError(
                422, "validation_error", f"Not a document of this tràmit: {', '.join(unknown)[:200]}",
                errors=[{"field": "codes", "message": "unknown document code"}],
            )  # fmt: skip
        t.requested_documents = list(dict.fromkeys([*(t.requested_documents or []), *body.codes]))
        t.updated_at = utcnow()
        _audit(s, "tramitacio.documents_requested", t, claims.staff_id, codes=body.codes)
        documents = [
            {"code": c, "name": svc_.document_name(tramit, c, svc_.citizen_language(s, appt))}
            for c in t.requested_documents
        ]
    services.citizen.hub.publish(
        "tramitacio.documents_requested", str(appointment_id), {"documents": documents}
    )
    return Response(status_code=202)


@staff_router.post(
    "/appointments/{appointment_id}/tramitacio/summary", responses={404: {}, 409: {}, 422: {}, 429: {}}
)
def freeze_summary(
    appointment_id: IdPath, claims: Caller, services: Svc, tasks: BackgroundTasks
) -> dict[str, Any]:
    cfg = services.citizen.cfg
    with services.citizen.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        t = _require(s, appt.id)
        _require_identified(s, t, appt)
        if recent_count(s, appt.id, "otp", OTP_SENDS_WINDOW_S) >= OTP_SENDS_MAX:
            raise ApiError(
                429, "rate_limited",
                f"At most {OTP_SENDS_MAX} signing codes per {OTP_SENDS_WINDOW_S // 60} minutes",
                headers={"Retry-After": str(OTP_SENDS_WINDOW_S)},
            )  # fmt: skip
        try:
            summary, otp, channel, to = svc_.freeze_summary(s, t, appt, cfg.pin_key, _today(s, appt))
        except svc_.TramitacioError as exc:
            raise _error(exc) from exc
        enqueue(
            s, appointment_id=appt.id, channel=channel, purpose="otp", to=to,
            body=text("otp_sms", svc_.citizen_language(s, appt), otp=otp),
        )  # fmt: skip
        _audit(s, "tramitacio.summary_frozen", t, claims.staff_id, bound_hash=t.summary_hash,
               documents=[d["sha256"] for d in summary["documents"]])  # fmt: skip
        _audit(s, "tramitacio.otp_sent", t, claims.staff_id, channel=channel)
        result = svc_.to_json(s, t, _today(s, appt))
        office_id = appt.office_id
    tasks.add_task(services.citizen.deliver_outbox)
    _publish(services, office_id, result, "summary")
    return result


@staff_router.post(
    "/appointments/{appointment_id}/tramitacio/submit", responses={404: {}, 409: {}, 422: {}, 502: {}}
)
def submit(appointment_id: IdPath, claims: Caller, services: Svc, tasks: BackgroundTasks) -> dict[str, Any]:
    cfg = services.citizen.cfg
    db = services.citizen.core.db
    # 1. Check the signature against the CURRENT data and files, then take a registry number.
    with db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        t = _require(s, appt.id)
        today = _today(s, appt)
        if t.status == "submitted":
            return svc_.to_json(s, t, today)  # submitting twice is harmless
        _require_identified(s, t, appt)  # again: an identification item may have been reset since
        if t.status not in ("signed", "submitting") or not t.signed_hash:
            raise ApiError(409, "not_signed", "The citizen has not signed the current summary")
        tramit = s.get(Tramit, t.tramit_code)
        schema = svc_.schema_for(tramit)
        docs = svc_.tramit_documents(s, t)
        core = svc_.signed_core(t, schema, docs, today)
        intact = svc_.stored_files_intact(docs, cfg.documents_dir)
        invalid = svc_.hash_of(core) != t.signed_hash or not intact
        if not invalid:
            number = t.registry_number or svc_.allocate_registry_number(s, utcnow().year)
            t.registry_number, t.status = number, "submitting"
            office = s.get(Office, appt.office_id)
            submission = Submission(
                registry_number=number, tramitacio_id=t.id, appointment_id=appt.id,
                office_code=office.code if office else "", tramit_code=t.tramit_code, level=t.level,
                language=t.language, form=core["form"],
                documents=[{"id": d.id, "name": d.name, "sha256": d.sha256, "size": d.size,
                            "content_type": d.content_type} for d in docs],
                bound_hash=t.signed_hash, signed_at=str((t.signature or {}).get("signed_at", "")),
                submitted_by_staff_id=claims.staff_id,
                document_paths={d.id: cfg.documents_dir / d.storage_name for d in docs},
            )  # fmt: skip
    if invalid:
        with db.write() as s:
            t = _require(s, str(appointment_id))
            svc_.void_signature(s, t, utcnow())
            t.summary, t.summary_hash = None, None
            t.version += 1
            reason = (
                "documents or data changed after signing" if intact else "a stored file no longer matches"
            )
            _audit(s, "tramitacio.signature_invalidated", t, claims.staff_id, reason=reason)
            result = svc_.to_json(s, t, today)
        _publish(services, appt.office_id, result, "reopened")
        raise ApiError(
            409, "signature_invalidated",
            "The documents or data changed after the citizen signed: send the summary for signature again",
        )  # fmt: skip
    # 2. Hand it over (outside any transaction: an external system may be slow).
    try:
        connector_result = services.connector.submit(submission)
    except ConnectorError as exc:
        with db.write() as s:
            t = _require(s, str(appointment_id))
            t.status = "signed"  # keeps its registry number: a retry reuses it
            t.connector_result = {"connector": services.connector.name, "error": str(exc)[:500]}
            _audit(s, "tramitacio.submission_failed", t, claims.staff_id, error=str(exc)[:500])
        if isinstance(exc, DocumentUnavailable):  # changed on disk since the check above; nothing sent
            raise ApiError(
                409, "document_changed",
                f"Nothing was sent: {exc}. Submit again: the signature is checked against the files.",
                extra={"registry_number": submission.registry_number},
            ) from exc  # fmt: skip
        raise ApiError(
            502,
            "connector_failed",
            f"The tramitation system did not answer ({exc}). Nothing is lost: the tràmit stays signed with"
            f" registry number {submission.registry_number}; submit again to retry.",
            extra={"registry_number": submission.registry_number},
        ) from exc
    # 3. Receipt, state, e-mail.
    with db.write() as s:
        t = _require(s, str(appointment_id))
        row = s.get(Appointment, t.appointment_id)
        assert row is not None
        appt = row
        now = utcnow()
        # Made only now, with the connector's answer: an external system's own number is printed too.
        pdf = build_receipt(_receipt_data(s, t, appt, core, now, connector_result=connector_result))
        storage = secrets.token_hex(20)
        (services.receipts_dir / storage).write_bytes(pdf)
        t.receipt_storage, t.receipt_sha256 = storage, hashlib.sha256(pdf).hexdigest()
        t.status, t.submitted_at, t.connector_result = "submitted", now, connector_result
        t.version += 1
        t.updated_at = now
        _audit(
            s, "tramitacio.submitted", t, claims.staff_id, registry_number=t.registry_number,
            bound_hash=t.signed_hash, receipt_sha256=t.receipt_sha256,
            connector=connector_result.get("connector"),
        )  # fmt: skip
        email = svc_.citizen_email(s, t, appt)
        if email:
            lang = svc_.citizen_language(s, appt)
            tname = svc_.tramit_name(s.get(Tramit, t.tramit_code), lang, t.tramit_code)
            pdf_file = Attachment(_receipt_filename(t), "application/pdf", pdf)
            enqueue(
                s, appointment_id=appt.id, channel="email", purpose="receipt", to=email,
                body=text("receipt_email", lang, tramit=tname, registry=t.registry_number)
                + svc_.names_note(lang, "\n\n"),
                attachments=[pdf_file],
            )  # fmt: skip
            _audit(s, "tramitacio.receipt_emailed", t, claims.staff_id, receipt_sha256=pdf_file.sha256)
        result = svc_.to_json(s, t, today)
        office_id = appt.office_id
    tasks.add_task(services.citizen.deliver_outbox)
    _publish(services, office_id, result, "submitted")
    return result


def _receipt_data(
    session: Session,
    t: Tramitacio,
    appt: Appointment,
    core: dict[str, Any],
    now: datetime,
    *,
    connector_result: dict[str, Any],
) -> ReceiptData:
    from backend.routes.appointments import zone

    tz = zone(office_zone_name(session, appt.office_id))
    lang = svc_.citizen_language(session, appt)
    names_lang = svc_.catalogue_lang(lang)
    tramit = session.get(Tramit, t.tramit_code)
    schema = svc_.schema_for(tramit)
    office = session.get(Office, appt.office_id)
    reference = str(connector_result.get("reference") or "")
    signature = t.signature or {}
    signed_at = str(signature.get("signed_at", ""))
    try:
        signed_local = datetime.fromisoformat(signed_at).astimezone(tz).strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        signed_local = signed_at
    return ReceiptData(
        language=lang,
        registry_number=t.registry_number or "",
        submitted_at=now.astimezone(tz).strftime("%d/%m/%Y %H:%M:%S %Z"),
        tramit_name=svc_.tramit_name(tramit, lang, t.tramit_code),
        office_name=office.name if office else "",
        citizen_name=appt.citizen_name,
        fields=[(f.label(names_lang), display_value(f, core["form"][f.key], names_lang))
                for f in schema.fields if f.key in core["form"]],
        documents=core["documents"],
        signature_channel=str(signature.get("channel", "sms")),
        signed_at=signed_local,
        bound_hash=t.signed_hash or "",
        external_reference=reference if reference != t.registry_number else "",
        names_note=svc_.names_note(lang),
    )  # fmt: skip


def _receipt_filename(t: Tramitacio) -> str:
    return f"justificant-{t.registry_number}.pdf"


def _receipt_response(services: TramitacioServices, t: Tramitacio) -> FileResponse:
    if not t.receipt_storage:
        raise ApiError(404, "not_found", "There is no receipt yet")
    path = services.receipts_dir / t.receipt_storage
    if not path.is_file():
        raise ApiError(404, "not_found", "There is no receipt yet")
    response = FileResponse(
        path, media_type="application/pdf", filename=_receipt_filename(t),
        content_disposition_type="attachment",
    )  # fmt: skip
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@staff_router.get("/appointments/{appointment_id}/tramitacio/receipt", response_class=FileResponse)
def staff_receipt(appointment_id: IdPath, claims: Caller, services: Svc) -> FileResponse:
    with services.citizen.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        t = _require(s, appt.id)
        _audit(s, "tramitacio.receipt_accessed", t, claims.staff_id, by="staff")
        s.expunge(t)
    return _receipt_response(services, t)


@staff_router.post("/appointments/{appointment_id}/tramitacio/assisted/result", responses={404: {}, 409: {}})
def assisted_result(
    appointment_id: IdPath, body: AssistedResultIn, claims: Caller, services: Svc
) -> dict[str, Any]:
    with services.citizen.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        t = _require(s, appt.id)
        if t.level != "assistida":
            raise ApiError(409, "invalid_level", "Only assisted tràmits record a result from the portal")
        t.assisted = {**(t.assisted or {}), "result_registry_number": body.registry_number.strip(),
                      "notes": body.notes.strip()}  # fmt: skip
        t.status, t.version, t.updated_at = "recorded", t.version + 1, utcnow()
        _audit(
            s,
            "tramitacio.assisted_recorded",
            t,
            claims.staff_id,
            registry_number=body.registry_number.strip(),
        )
        result = svc_.to_json(s, t, _today(s, appt))
        office_id = appt.office_id
    _publish(services, office_id, result)
    return result


def post_summary_for(
    session: Session, t: Tramitacio, appt: Appointment, body: PostSummaryIn
) -> dict[str, Any]:
    lang = svc_.citizen_language(session, appt)
    tramit = session.get(Tramit, t.tramit_code)
    name = svc_.tramit_name(tramit, lang, t.tramit_code)
    registry = t.registry_number or str((t.assisted or {}).get("result_registry_number") or "")
    if t.status == "submitted":
        done, next_steps = text("done_submitted", lang, tramit=name), [text("next_submitted", lang)]
    elif t.status == "recorded":
        done, next_steps = text("done_assisted", lang, tramit=name), [text("next_submitted", lang)]
    else:
        done, next_steps = text("done_started", lang, tramit=name), [text("next_started", lang)]
    missing = [svc_.document_name(tramit, c, lang) for c in body.missing_documents]
    if missing:
        next_steps.append(text("next_missing", lang))
    if body.next_steps.strip():
        next_steps.append(body.next_steps.strip())  # the informador's own words, shown as plain text
    return {
        "language": lang,
        "tramit_name": name,
        "what_was_done": done,
        "registry_number": registry,
        "next_steps": next_steps,
        "missing_documents": missing,
        "receipt_available": bool(t.receipt_storage),
        "names_note": svc_.names_note(lang),
    }


def post_summary_email(summary: dict[str, Any]) -> str:
    """The whole post-call summary as a plain-text e-mail, in the citizen's language."""
    lang = str(summary["language"])
    lines = [f"Videoatenció — {text('post_title', lang)}", "", str(summary["what_was_done"])]
    if summary["registry_number"]:
        lines.append(f"{text('registry_number', lang)}: {summary['registry_number']}")
    lines += ["", f"{text('next_steps_title', lang)}:", *(f"- {s}" for s in summary["next_steps"])]
    if summary["missing_documents"]:
        lines += ["", f"{text('missing_title', lang)}:", *(f"- {d}" for d in summary["missing_documents"])]
    if summary["names_note"]:
        lines += ["", str(summary["names_note"])]
    return "\n".join(lines)


def post_summary_sms(summary: dict[str, Any]) -> str:
    """The short version for an SMS: what was done, the registry number, the missing documents."""
    lang = str(summary["language"])
    list_sep = "، " if lang in ("ar", "ur") else ", "  # the Arabic comma in Arabic script
    parts = [f"Videoatenció: {summary['what_was_done']}"]
    if summary["registry_number"]:
        parts.append(f"{text('registry_number', lang)}: {summary['registry_number']}.")
    if summary["missing_documents"]:
        parts.append(f"{text('missing_title', lang)}: {list_sep.join(summary['missing_documents'])}.")
    return " ".join(parts)[:480]


@staff_router.post("/appointments/{appointment_id}/tramitacio/post-summary", responses={404: {}, 422: {}})
def post_summary(
    appointment_id: IdPath, body: PostSummaryIn, claims: Caller, services: Svc, tasks: BackgroundTasks
) -> dict[str, Any]:
    with services.citizen.core.db.write() as s:
        appt = scoped(s, claims, str(appointment_id))
        t = _require(s, appt.id)
        tramit = s.get(Tramit, t.tramit_code)
        known = {d.get("code") for d in (tramit.required_documents if tramit else [])}
        if any(c not in known for c in body.missing_documents):
            raise ApiError(
                422, "validation_error", "Unknown document code",
                errors=[{"field": "missing_documents", "message": "unknown document code"}],
            )  # fmt: skip
        summary = post_summary_for(s, t, appt, body)
        t.post_summary = summary
        t.updated_at = utcnow()
        # Also sent, so the citizen keeps it after the page is closed: the whole text by e-mail when
        # there is an address, else the short version by SMS.
        email, phone = svc_.citizen_email(s, t, appt), svc_.citizen_phone(s, t, appt)
        channel = "email" if email else "sms" if phone else ""
        if channel:
            enqueue(
                s, appointment_id=appt.id, channel=channel, purpose="post_summary", to=email or phone,
                body=post_summary_email(summary) if email else post_summary_sms(summary),
            )  # fmt: skip
        _audit(s, "tramitacio.post_summary_sent", t, claims.staff_id, missing=body.missing_documents,
               channel=channel or "page only")  # fmt: skip
    tasks.add_task(services.citizen.deliver_outbox)
    services.citizen.hub.publish("tramitacio.post_summary", str(appointment_id), {"post_summary": summary})
    return summary


# -- citizen routes ---------------------------------------------------------------------------------


def _citizen_view(session: Session, who: CitizenIdentity) -> dict[str, Any]:
    t = svc_.for_appointment(session, who.appointment_id)
    if t is None:
        return {"status": "none"}
    appt = session.get(Appointment, who.appointment_id)
    assert appt is not None
    tramit = session.get(Tramit, t.tramit_code)
    lang = svc_.citizen_language(session, appt)
    return {
        "status": t.status,
        "tramit_name": svc_.tramit_name(tramit, lang, t.tramit_code),
        "requested_documents": [
            {"code": c, "name": svc_.document_name(tramit, c, lang)} for c in t.requested_documents or []
        ],
        "summary": t.summary
        if t.status in ("awaiting_signature", "signed", "submitting", "submitted")
        else None,
        "registry_number": t.registry_number if t.status == "submitted" else None,
        "receipt_available": bool(t.receipt_storage),
        "post_summary": t.post_summary,
    }


def citizen_after_call(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> CitizenIdentity:
    """Like the citizen bearer, but still valid once the appointment is completed: the receipt and the
    post-call summary are read after the informador closes the call (the session's own expiry holds)."""
    services = get_services(request)
    token = credentials.credentials if credentials else ""
    if token and len(token) <= 200:
        with services.citizen.core.db.read() as s:
            row = s.scalar(select(CitizenSession).where(CitizenSession.token_hash == cred.token_hash(token)))
            appt = s.get(Appointment, row.appointment_id) if row else None
            if row is not None and appt is not None and row.revoked_at is None and row.expires_at >= utcnow():
                return CitizenIdentity(row.id, appt.id, appt.office_id, row.language)
    raise ApiError(
        401, "not_authenticated", "Your session has ended; open your link again",
        headers={"WWW-Authenticate": "Bearer"},
    )  # fmt: skip


CitizenAfterCall = Annotated[CitizenIdentity, Depends(citizen_after_call)]


@citizen_router.get("/tramitacio")
def citizen_tramitacio(who: CitizenAfterCall, request: Request) -> dict[str, Any]:
    services = get_services(request)
    with services.citizen.core.db.read() as s:
        return _citizen_view(s, who)


@citizen_router.post("/signature", responses={401: {}, 409: {}, 410: {}})
async def citizen_signature(body: SignatureIn, who: Citizen, request: Request) -> dict[str, Any]:
    services = get_services(request)
    cfg = services.citizen.cfg
    client = client_address(request)

    def work() -> tuple[svc_.Verification, dict[str, Any] | None, int]:
        with services.citizen.core.db.write() as s:
            t = svc_.for_appointment(s, who.appointment_id)
            appt = s.get(Appointment, who.appointment_id)
            if t is None or appt is None:
                return (
                    svc_.Verification(False, "no_signature_pending", 409, "There is nothing to sign"),
                    None,
                    0,
                )
            outcome = svc_.verify_otp(s, t, body.otp.strip(), cfg.pin_key, _today(s, appt))
            if outcome.ok:
                _audit(s, "tramitacio.signature_verified", t, None, bound_hash=t.signed_hash, client=client)
                return outcome, svc_.to_json(s, t, _today(s, appt)), appt.office_id
            _audit(s, "tramitacio.signature_failed", t, None, reason=outcome.code,
                   attempts_left=outcome.attempts_left, client=client)  # fmt: skip
            if outcome.voided:
                _audit(s, "tramitacio.otp_voided", t, None)
            return outcome, None, appt.office_id

    outcome, result, office_id = await run_in_threadpool(work)
    if not outcome.ok:
        raise ApiError(
            outcome.status, outcome.code, outcome.message, extra={"attempts_left": outcome.attempts_left}
        )
    assert result is not None
    _publish(services, office_id, result, "signed")
    return {"status": "signed", "bound_hash": result["signed_hash"]}


@citizen_router.get("/tramitacio/receipt", response_class=FileResponse, responses={404: {}})
def citizen_receipt(who: CitizenAfterCall, request: Request) -> FileResponse:
    services = get_services(request)
    with services.citizen.core.db.write() as s:
        t = svc_.for_appointment(s, who.appointment_id)
        if t is None:
            raise ApiError(404, "not_found", "There is no receipt yet")
        _audit(s, "tramitacio.receipt_accessed", t, None, by="citizen")
        s.expunge(t)
    return _receipt_response(services, t)


__all__ = ["Document", "TramitacioServices", "citizen_router", "staff_router"]
