"""Tables of the tràmit wizard. The OTP is stored as an HMAC only (a 6-digit space is too small for a
plain hash), bound to the exact summary hash it signs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, utcnow


class Tramitacio(Base):
    """One tràmit filed (or guided) during one appointment; survives calls, reconnections, transfers."""

    __tablename__ = "tramitacio"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), unique=True)
    tramit_code: Mapped[str] = mapped_column(ForeignKey("tramit.code"))
    level: Mapped[str] = mapped_column(String(16))  # assistida | atesa
    # draft → awaiting_signature → signed → submitted (atesa); draft → recorded (assistida)
    status: Mapped[str] = mapped_column(String(24), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)
    step: Mapped[str] = mapped_column(String(40), default="")  # the wizard page last saved
    form_data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Documents of the appointment the informador set aside (not part of the tràmit).
    excluded_documents: Mapped[list[Any]] = mapped_column(default=list)
    requested_documents: Mapped[list[Any]] = mapped_column(default=list)  # required_documents codes
    checked_documents: Mapped[list[Any]] = mapped_column(default=list)  # document ids the informador checked
    assisted: Mapped[dict[str, Any]] = mapped_column(default=dict)  # steps_done, result, notes
    summary: Mapped[dict[str, Any] | None] = mapped_column(default=None)  # the frozen summary
    summary_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    signed_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    signature: Mapped[dict[str, Any] | None] = mapped_column(default=None)  # evidence: channel, time, hash
    registry_number: Mapped[str | None] = mapped_column(String(32), unique=True, default=None)
    receipt_storage: Mapped[str | None] = mapped_column(String(64), default=None)
    receipt_sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    connector_result: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    post_summary: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    language: Mapped[str] = mapped_column(String(8), default="ca")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(default=None)


class SignatureChallenge(Base):
    __tablename__ = "signature_challenge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tramitacio_id: Mapped[str] = mapped_column(ForeignKey("tramitacio.id"), index=True)
    otp_hmac: Mapped[str] = mapped_column(String(64))
    bound_hash: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(default=None)
    voided_at: Mapped[datetime | None] = mapped_column(default=None)


class RegistryCounter(Base):
    """The last registry number handed out per year; incremented under a row lock (or SQLite's
    single writer), so two submissions never get the same number."""

    __tablename__ = "registry_counter"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer, default=0)


__all__ = ["RegistryCounter", "SignatureChallenge", "Tramitacio"]
