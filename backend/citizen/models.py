"""Tables of the citizen side. Secrets (link token, PIN, session token) are only ever stored hashed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, utcnow


class JoinLink(Base):
    """One personal link per appointment; a new link revokes the previous ones."""

    __tablename__ = "join_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex of the URL token
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Pin(Base):
    """A 6-digit PIN: HMAC-SHA256 with a server key (a plain hash of 10^6 values is trivially reversed)."""

    __tablename__ = "citizen_pin"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    pin_hmac: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    voided_at: Mapped[datetime | None] = mapped_column(default=None)
    used_at: Mapped[datetime | None] = mapped_column(default=None)


class CitizenSession(Base):
    """The citizen bearer handed out by a successful PIN exchange, bound to one appointment."""

    __tablename__ = "citizen_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    language: Mapped[str] = mapped_column(String(8), default="ca")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class OutboxMessage(Base):
    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[str | None] = mapped_column(ForeignKey("appointment.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))  # sms | email
    purpose: Mapped[str] = mapped_column(String(16))  # link | pin (the SMS limit counts "pin")
    to: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    # Files sent with the message (the receipt PDF): [{filename, content_type, size, sha256, data_b64}].
    # Kept in the row so a retry after a failed delivery sends exactly the same bytes.
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(8), default="queued")  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class Document(Base):
    __tablename__ = "document"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    uploader: Mapped[str] = mapped_column(String(8))  # citizen | staff
    uploader_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    name: Mapped[str] = mapped_column(String(200))  # sanitised display name, never a path
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str] = mapped_column(String(32))
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)  # generated, no user input
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class InterpreterInvite(Base):
    """A single-use invite for an interpreter/translator to join one call as a third party.

    The invite token (in the URL) is exchanged once for a session token; both are stored hashed. Both
    stop working when the appointment leaves in_call (checked on every use) or at expires_at.
    """

    __tablename__ = "interpreter_invite"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    invite_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_hash: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column(default=None)
