"""ORM models (SQLAlchemy 2 typed). Times are stored as naive UTC and read back as aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Same storage on SQLite (which has no time zones) and PostgreSQL: naive UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Office(Base):
    __tablename__ = "office"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Madrid")
    recording_policy: Mapped[str] = mapped_column(String(16), default="never")
    max_concurrent_calls: Mapped[int] = mapped_column(Integer, default=4)
    languages: Mapped[list[Any]] = mapped_column(default=list)


class Staff(Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    office_id: Mapped[int | None] = mapped_column(ForeignKey("office.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    languages: Mapped[list[Any]] = mapped_column(default=list)
    skills: Mapped[list[Any]] = mapped_column(default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Tramit(Base):
    __tablename__ = "tramit"

    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(40))
    levels: Mapped[list[Any]] = mapped_column()
    identification_level: Mapped[str] = mapped_column(String(8))
    portal_url: Mapped[str] = mapped_column(String(500), default="")
    names: Mapped[dict[str, Any]] = mapped_column()
    required_documents: Mapped[list[Any]] = mapped_column(default=list)
    # Filled by later issues (wizard, call script); kept here so the table shape is stable.
    form_schema: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    call_script: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class Appointment(Base):
    __tablename__ = "appointment"
    __table_args__ = (Index("ix_appointment_office_start", "office_id", "start"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    pool: Mapped[bool] = mapped_column(Boolean, default=False)
    tramit_code: Mapped[str] = mapped_column(ForeignKey("tramit.code"))
    level: Mapped[str] = mapped_column(String(16))
    start: Mapped[datetime] = mapped_column(index=True)
    duration_min: Mapped[int] = mapped_column(Integer, default=20)
    citizen_name: Mapped[str] = mapped_column(String(200))
    citizen_phone: Mapped[str] = mapped_column(String(32), default="")
    citizen_email: Mapped[str | None] = mapped_column(String(254), default=None)
    # Personal data: compared in identification, shown only to the office's staff (backend/appointments.py).
    citizen_birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    language: Mapped[str] = mapped_column(String(8), default="ca")
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    # Optimistic concurrency: the ORM adds "WHERE version = :old" to every UPDATE (see mapper args).
    version: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}


class AuditEvent(Base):
    """Append-only, hash-chained: hash = sha256(prev_hash + payload); payload is canonical JSON."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column()
    actor_staff_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64), index=True)
    payload: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class RefreshToken(Base):
    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    family_id: Mapped[str] = mapped_column(String(36), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
