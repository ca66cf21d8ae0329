"""The tràmit wizard's rules, on a SQLAlchemy session: drafts, the frozen summary and its hash, OTP
challenges, registry numbers. Routes (routes.py) add HTTP, the outbox and server push around them.

The bound hash is sha256 of the canonical JSON of exactly what the citizen signs: the tràmit, the
level, the normalised form data and the list of documents (id, name, sha256). Submission recomputes it
from the current data and the stored files; any difference voids the signature.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.audit import canonical_json
from backend.citizen.models import CitizenSession, Document
from backend.models import Appointment, Tramit, utcnow
from backend.tramitacio.models import RegistryCounter, SignatureChallenge, Tramitacio
from backend.tramitacio.schema import FormSchema, schema_from_json
from backend.tramitacio.texts import text
from backend.tramitacio.validation import FieldError, display_value, validate_form

OTP_DIGITS = 6
OTP_TTL = timedelta(minutes=5)
OTP_MAX_FAILURES = 5
REGISTRY_PREFIX = "OAC"
SIGNABLE = frozenset({"draft", "awaiting_signature", "signed"})


class TramitacioError(Exception):
    """A refusal with an HTTP status and a machine code (routes turn it into the error envelope)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def schema_for(tramit: Tramit | None) -> FormSchema:
    return schema_from_json(tramit.form_schema if tramit else None)


# The catalogue (tràmit names, form labels, document names) is written in these languages only; a
# citizen page in another one (ar, ur) reads them in Spanish, and names_note() says so once.
CATALOGUE_LANGS = ("ca", "es", "eu", "en")


def catalogue_lang(lang: str) -> str:
    return lang if lang in CATALOGUE_LANGS else "es"


def names_note(lang: str, prefix: str = "") -> str:
    """The one sentence that tells an ar/ur reader why the names are in Spanish ("" otherwise)."""
    return prefix + text("names_in_spanish", lang) if lang not in CATALOGUE_LANGS else ""


def tramit_name(tramit: Tramit | None, lang: str, fallback: str = "") -> str:
    names: dict[str, str] = dict(tramit.names) if tramit else {}
    return names.get(lang) or names.get(catalogue_lang(lang)) or names.get("ca") or fallback


def citizen_email(session: Session, t: Tramitacio, appt: Appointment) -> str:
    """Where the citizen's e-mails go: the appointment's address, else the e-mail field of the form."""
    if appt.citizen_email:
        return appt.citizen_email
    return _form_value_of_type(session, t, "email")


def citizen_phone(session: Session, t: Tramitacio, appt: Appointment) -> str:
    """The appointment's mobile, else the phone field of the form (for SMS)."""
    if appt.citizen_phone:
        return appt.citizen_phone
    return _form_value_of_type(session, t, "phone")


def _form_value_of_type(session: Session, t: Tramitacio, field_type: str) -> str:
    schema = schema_for(session.get(Tramit, t.tramit_code))
    data = t.form_data or {}
    for spec in schema.fields:
        value = data.get(spec.key)
        if spec.type == field_type and isinstance(value, str) and value.strip():
            # Validated when the draft was saved (and again before the summary).
            return value.strip()
    return ""


def citizen_language(session: Session, appt: Appointment) -> str:
    """The language the citizen chose on their page (latest session), else the appointment's."""
    chosen = session.scalar(
        select(CitizenSession.language)
        .where(CitizenSession.appointment_id == appt.id)
        .order_by(CitizenSession.id.desc())
        .limit(1)
    )
    return chosen or appt.language


def document_name(tramit: Tramit | None, code: str, lang: str) -> str:
    for doc in (tramit.required_documents if tramit else []) or []:
        if doc.get("code") == code:
            names = doc.get("names") or {}
            return str(names.get(lang) or names.get(catalogue_lang(lang)) or names.get("ca") or code)
    return code


# -- documents and the bound hash -------------------------------------------------------------------


def tramit_documents(session: Session, t: Tramitacio) -> list[Document]:
    """The citizen's uploads for this appointment that the informador did not set aside, oldest first."""
    excluded = set(t.excluded_documents or [])
    rows = session.scalars(
        select(Document)
        .where(Document.appointment_id == t.appointment_id, Document.uploader == "citizen")
        .order_by(Document.created_at, Document.id)
    ).all()
    return [d for d in rows if d.id not in excluded]


def signed_core(t: Tramitacio, schema: FormSchema, docs: list[Document], today: date) -> dict[str, Any]:
    clean, _errors = validate_form(schema.fields, t.form_data or {}, today=today, complete=False)
    return {
        "tramitacio_id": t.id,
        "appointment_id": t.appointment_id,
        "tramit_code": t.tramit_code,
        "level": t.level,
        "form": clean,
        "documents": [{"id": d.id, "name": d.name, "sha256": d.sha256} for d in docs],
    }


def hash_of(core: dict[str, Any]) -> str:
    return hashlib.sha256(canonical_json(core).encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def stored_files_intact(docs: list[Document], documents_dir: Path) -> bool:
    """The files on disk still hash to what was recorded (and signed)."""
    for d in docs:
        path = documents_dir / d.storage_name
        if not path.is_file() or file_sha256(path) != d.sha256:
            return False
    return True


def refuse_unready_documents(t: Tramitacio, tramit: Tramit | None, docs: list[Document]) -> None:
    """The citizen signs only documents the informador has looked at: every document in the tràmit must
    be ticked as checked, and at least as many must have arrived as were requested (uploads carry no
    document code: the informador's tick is what ties a file to a request)."""
    checked = set(t.checked_documents or [])
    unchecked = [d for d in docs if d.id not in checked]
    requested = list(t.requested_documents or [])
    missing = max(0, len(requested) - len(docs))
    if not unchecked and not missing:
        return
    parts: list[str] = []
    if missing:
        names = ", ".join(document_name(tramit, c, "ca") for c in requested)
        parts.append(
            f"{missing} requested document(s) not received yet ({len(requested)} requested: {names};"
            f" {len(docs)} received)"
        )
    if unchecked:
        parts.append("not checked by the informador yet: " + ", ".join(d.name for d in unchecked))
    message = ("The documents are not ready for signature: " + "; ".join(parts))[:1000]
    raise TramitacioError(
        422, "documents_not_ready", message, errors=[{"field": "documents", "message": message}],
        missing=missing,
        requested=[{"code": c, "name": document_name(tramit, c, "ca")} for c in requested],
        unchecked=[{"id": d.id, "name": d.name} for d in unchecked],
    )  # fmt: skip


# -- drafts -----------------------------------------------------------------------------------------


def to_json(session: Session, t: Tramitacio, today: date) -> dict[str, Any]:
    tramit = session.get(Tramit, t.tramit_code)
    schema = schema_for(tramit)
    docs = tramit_documents(session, t)
    current = hash_of(signed_core(t, schema, docs, today))
    return {
        "id": t.id,
        "appointment_id": t.appointment_id,
        "tramit_code": t.tramit_code,
        "level": t.level,
        "status": t.status,
        "version": t.version,
        "step": t.step,
        "form_data": dict(t.form_data or {}),
        "excluded_documents": list(t.excluded_documents or []),
        "requested_documents": list(t.requested_documents or []),
        "checked_documents": list(t.checked_documents or []),
        "assisted": dict(t.assisted or {}),
        "documents": [
            {"id": d.id, "name": d.name, "sha256": d.sha256, "size": d.size, "content_type": d.content_type,
             "created_at": d.created_at.isoformat()}
            for d in docs
        ],
        "summary": t.summary,
        "summary_hash": t.summary_hash,
        "current_hash": current,
        "signed_hash": t.signed_hash,
        "signature_valid": bool(t.signed_hash) and t.signed_hash == current,
        "signature": t.signature,
        "registry_number": t.registry_number,
        "receipt_available": bool(t.receipt_storage),
        "receipt_sha256": t.receipt_sha256,
        "connector_result": t.connector_result,
        "post_summary": t.post_summary,
        "language": t.language,
        "updated_at": t.updated_at.isoformat(),
        "submitted_at": t.submitted_at.isoformat() if t.submitted_at else None,
    }  # fmt: skip


def for_appointment(session: Session, appointment_id: str) -> Tramitacio | None:
    return session.scalar(select(Tramitacio).where(Tramitacio.appointment_id == appointment_id))


@dataclass(frozen=True)
class DraftChange:
    tramit_code: str | None
    level: str
    step: str
    form_data: dict[str, Any]
    excluded_documents: list[str]
    checked_documents: list[str]
    assisted: dict[str, Any]


def void_signature(session: Session, t: Tramitacio, now: datetime) -> None:
    session.execute(
        update(SignatureChallenge)
        .where(SignatureChallenge.tramitacio_id == t.id, SignatureChallenge.voided_at.is_(None),
               SignatureChallenge.used_at.is_(None))
        .values(voided_at=now)
    )  # fmt: skip
    t.signed_hash = None
    t.signature = None
    t.status = "draft"


def save_draft(
    session: Session, appt: Appointment, version: int, change: DraftChange, *, staff_id: int, today: date
) -> tuple[Tramitacio, list[FieldError], bool]:
    """(row, field errors, reopened). Version 0 creates; a stale version raises 409 with the current copy."""
    t = for_appointment(session, appt.id)
    if t is None and version != 0:
        raise TramitacioError(404, "not_found", "No tràmit has been started for this appointment")
    if t is not None and t.version != version:
        raise TramitacioError(
            409, "stale_version", "The tràmit was changed elsewhere", current=to_json(session, t, today)
        )
    if t is not None and t.status in ("submitted", "submitting"):
        raise TramitacioError(409, "already_submitted", "This tràmit has already been submitted")
    code = change.tramit_code or (t.tramit_code if t else appt.tramit_code)
    tramit = session.get(Tramit, code)
    if tramit is None:
        raise TramitacioError(422, "validation_error", "Unknown tràmit", field="tramit_code")
    if change.level not in ("assistida", "atesa") or change.level not in (tramit.levels or []):
        raise TramitacioError(
            422, "validation_error", f"This tràmit cannot be processed as {change.level!r}", field="level"
        )
    schema = schema_for(tramit)
    _clean, errors = validate_form(schema.fields, change.form_data, today=today, complete=False)
    if errors:
        return t or Tramitacio(), errors, False
    now = utcnow()
    reopened = False
    if t is None:
        t = Tramitacio(
            id=str(uuid.uuid4()), appointment_id=appt.id, tramit_code=code, level=change.level,
            status="draft", version=1, language=appt.language, created_by=staff_id, created_at=now,
        )  # fmt: skip
        session.add(t)
    else:
        signed_part_changed = (
            t.tramit_code != code
            or t.level != change.level
            or dict(t.form_data or {}) != change.form_data
            or list(t.excluded_documents or []) != change.excluded_documents
        )
        if signed_part_changed and t.status in ("awaiting_signature", "signed"):
            void_signature(session, t, now)
            t.summary, t.summary_hash = None, None
            reopened = True
        t.version += 1
    t.tramit_code, t.level, t.step = code, change.level, change.step[:40]
    t.form_data = dict(change.form_data)
    t.excluded_documents = list(change.excluded_documents)
    t.checked_documents = list(change.checked_documents)
    t.assisted = dict(change.assisted)
    t.updated_at = now
    if t.status == "recorded" and change.level != "assistida":
        t.status = "draft"
    session.flush()
    return t, [], reopened


# -- summary and OTP --------------------------------------------------------------------------------


def otp_hmac(key: bytes, challenge_scope: str, bound_hash: str, otp: str) -> str:
    # Bound to the tràmit and the exact hash: the code is worthless for any other summary.
    msg = f"tramitacio-otp\x00{challenge_scope}\x00{bound_hash}\x00{otp}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def new_otp() -> str:
    return f"{secrets.randbelow(10**OTP_DIGITS):0{OTP_DIGITS}d}"


def citizen_summary(
    session: Session, t: Tramitacio, core: dict[str, Any], bound_hash: str, lang: str
) -> dict[str, Any]:
    """What the citizen reads before signing, in their language (display only: the hash covers `core`)."""
    tramit = session.get(Tramit, t.tramit_code)
    schema = schema_for(tramit)
    names_lang = catalogue_lang(lang)
    fields = []
    for spec in schema.fields:
        if spec.key in core["form"]:
            fields.append({"key": spec.key, "label": spec.label(names_lang),
                           "value": display_value(spec, core["form"][spec.key], names_lang)})  # fmt: skip
    return {
        "tramit_name": tramit_name(tramit, lang, t.tramit_code),
        "language": lang,
        "names_note": names_note(lang),
        "fields": fields,
        "documents": [{"name": d["name"], "sha256": d["sha256"]} for d in core["documents"]],
        "bound_hash": bound_hash,
    }


def freeze_summary(
    session: Session, t: Tramitacio, appt: Appointment, pin_key: bytes, today: date
) -> tuple[dict[str, Any], str, str, str]:
    """Freezes the summary and opens a challenge: (summary, otp, channel, destination)."""
    if t.level != "atesa":
        raise TramitacioError(422, "invalid_level", "Only attended tràmits (atesa) are signed by the citizen")
    if t.status not in SIGNABLE:
        raise TramitacioError(409, "already_submitted", "This tràmit has already been submitted")
    tramit = session.get(Tramit, t.tramit_code)
    schema = schema_for(tramit)
    _clean, errors = validate_form(schema.fields, t.form_data or {}, today=today, complete=True)
    if errors:
        raise TramitacioError(
            422, "validation_error", "The form is not complete",
            errors=[e.to_json(appt.language) for e in errors],
        )  # fmt: skip
    channel, to = ("sms", appt.citizen_phone) if appt.citizen_phone else ("email", appt.citizen_email or "")
    if not to:
        raise TramitacioError(422, "validation_error", "The appointment has no phone number or e-mail")
    docs = tramit_documents(session, t)
    refuse_unready_documents(t, tramit, docs)
    core = signed_core(t, schema, docs, today)
    bound = hash_of(core)
    now = utcnow()
    void_signature(session, t, now)
    lang = citizen_language(session, appt)
    summary = citizen_summary(session, t, core, bound, lang)
    otp = new_otp()
    session.add(
        SignatureChallenge(
            tramitacio_id=t.id, otp_hmac=otp_hmac(pin_key, t.id, bound, otp), bound_hash=bound,
            channel=channel, created_at=now, expires_at=now + OTP_TTL,
        )
    )  # fmt: skip
    summary["expires_at"] = (now + OTP_TTL).isoformat()
    t.summary, t.summary_hash, t.status = summary, bound, "awaiting_signature"
    t.language = lang
    t.version += 1
    t.updated_at = now
    session.flush()
    return summary, otp, channel, to


@dataclass(frozen=True)
class Verification:
    ok: bool
    code: str = ""
    status: int = 200
    message: str = ""
    attempts_left: int = 0
    voided: bool = False


def verify_otp(session: Session, t: Tramitacio, otp: str, pin_key: bytes, today: date) -> Verification:
    """Checks the code against the latest challenge; records attempts and use in the caller's transaction."""
    now = utcnow()
    ch = session.scalar(
        select(SignatureChallenge)
        .where(SignatureChallenge.tramitacio_id == t.id)
        .order_by(SignatureChallenge.id.desc())
        .limit(1)
    )
    if ch is None or t.status not in ("awaiting_signature", "signed", "submitted"):
        return Verification(False, "no_signature_pending", 409, "There is nothing to sign right now")
    if ch.used_at is not None:
        return Verification(False, "otp_used", 409, "This code has already been used")
    if ch.voided_at is not None:
        return Verification(False, "otp_void", 410, "This code can no longer be used; ask for a new one")
    if ch.expires_at < now:
        return Verification(False, "otp_expired", 410, "This code has expired; ask for a new one")
    given = otp if len(otp) == OTP_DIGITS and otp.isascii() and otp.isdigit() else ""
    if not hmac.compare_digest(otp_hmac(pin_key, t.id, ch.bound_hash, given), ch.otp_hmac):
        ch.attempts += 1
        left = max(0, OTP_MAX_FAILURES - ch.attempts)
        if left == 0:
            ch.voided_at = now
        return Verification(False, "otp_wrong", 401, "The code is not correct", left, voided=left == 0)
    tramit = session.get(Tramit, t.tramit_code)
    current = hash_of(signed_core(t, schema_for(tramit), tramit_documents(session, t), today))
    if current != ch.bound_hash or t.summary_hash != ch.bound_hash:
        ch.voided_at = now
        return Verification(
            False, "signature_invalidated", 409, "The summary changed after it was sent; ask for a new one"
        )
    ch.used_at = now
    t.status, t.signed_hash = "signed", ch.bound_hash
    t.signature = {
        "channel": ch.channel,
        "signed_at": now.isoformat(),
        "bound_hash": ch.bound_hash,
        "challenge_id": ch.id,
        "attempts": ch.attempts + 1,
    }
    t.version += 1
    t.updated_at = now
    return Verification(True)


def allocate_registry_number(session: Session, year: int) -> str:
    """OAC-<year>-<6 digits>, from a per-year counter locked for the transaction."""
    row = session.scalar(select(RegistryCounter).where(RegistryCounter.year == year).with_for_update())
    if row is None:
        row = RegistryCounter(year=year, last=0)
        session.add(row)
    row.last += 1
    session.flush()
    return f"{REGISTRY_PREFIX}-{year}-{row.last:06d}"
