"""One row per checklist event. The engine's event list is the truth; item states are a fold over it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backend.models import Base, utcnow


class ChecklistEventRow(Base):
    __tablename__ = "checklist_event"
    # (appointment, seq) unique: two consoles appending the same seq cannot both win, on any database.
    __table_args__ = (UniqueConstraint("appointment_id", "seq", name="uq_checklist_event_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    appointment_id: Mapped[str] = mapped_column(ForeignKey("appointment.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    script_id: Mapped[str] = mapped_column(String(120))
    event: Mapped[dict[str, Any]] = mapped_column()
    staff_id: Mapped[int | None] = mapped_column(Integer)  # the caller who posted it (facts: the caller too)
    at: Mapped[datetime] = mapped_column(default=utcnow)  # when the backend stored it
