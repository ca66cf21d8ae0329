"""Tables of the pool: presence, kiosks, walk-in tickets, call records (the facts behind the KPIs)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, utcnow


class Presence(Base):
    """One row per staff member, written by the console's heartbeat. A row not refreshed within the
    timeout reads as offline (the console may have crashed without saying goodbye)."""

    __tablename__ = "presence"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), default="offline")
    since: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    appointment_id: Mapped[str | None] = mapped_column(String(36), default=None)


class Kiosk(Base):
    """A video kiosk in a municipal office; the page URL carries the token (stored hashed)."""

    __tablename__ = "kiosk"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class WalkIn(Base):
    """A citizen who walked up to a kiosk: no appointment beforehand, no personal data kept."""

    __tablename__ = "walk_in"
    __table_args__ = (Index("ix_walk_in_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    kiosk_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk.id"), default=None)
    number: Mapped[int] = mapped_column(Integer)  # the ticket number shown to the citizen, per office/day
    language: Mapped[str] = mapped_column(String(8))
    tramit_code: Mapped[str] = mapped_column(ForeignKey("tramit.code"))
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="waiting")  # waiting|taken|served|abandoned
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)


class CallRecord(Base):
    """What happened around one appointment's call, for the KPIs (filled from status changes)."""

    __tablename__ = "call_record"

    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("office.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), default=None)
    tramit_code: Mapped[str] = mapped_column(String(80))
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    waiting_since: Mapped[datetime | None] = mapped_column(default=None, index=True)
    admitted_at: Mapped[datetime | None] = mapped_column(default=None)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)
    outcome: Mapped[str | None] = mapped_column(String(24), default=None)
    identification_failures: Mapped[int] = mapped_column(Integer, default=0)
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
