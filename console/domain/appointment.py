"""Appointments, their statuses and the allowed status transitions (docs/API.md)."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any


class Status(enum.StrEnum):
    SCHEDULED = "scheduled"
    CONFIRMED = "confirmed"
    WAITING = "waiting"
    IN_CALL = "in_call"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


class Level(enum.StrEnum):
    INFORMATIVA = "informativa"
    ASSISTIDA = "assistida"
    ATESA = "atesa"


class Outcome(enum.StrEnum):
    RESOLVED = "resolved"
    PENDING_DOCUMENTS = "pending_documents"
    REFERRED = "referred"
    UNRESOLVED = "unresolved"


TERMINAL = frozenset({Status.COMPLETED, Status.NO_SHOW, Status.CANCELLED})

# The state machine of docs/API.md as the backend enforces it (422 invalid_transition); this copy only
# keeps the console from offering buttons that would certainly fail. Order = order of the buttons.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.SCHEDULED: (Status.CONFIRMED, Status.WAITING, Status.NO_SHOW, Status.CANCELLED),
    Status.CONFIRMED: (Status.WAITING, Status.SCHEDULED, Status.NO_SHOW, Status.CANCELLED),
    Status.WAITING: (Status.IN_CALL, Status.CONFIRMED, Status.SCHEDULED, Status.NO_SHOW, Status.CANCELLED),
    Status.IN_CALL: (Status.COMPLETED,),
    Status.COMPLETED: (),
    Status.NO_SHOW: (),
    Status.CANCELLED: (),
}


def allowed_transitions(status: Status) -> tuple[Status, ...]:
    return TRANSITIONS.get(status, ())


@dataclass(frozen=True, slots=True)
class Appointment:
    id: str  # a UUID from the backend
    office_id: int
    staff_id: int | None
    pool: bool
    tramit_code: str
    level: str
    start: datetime
    duration_min: int
    citizen_name: str
    citizen_phone: str
    citizen_email: str
    language: str
    status: Status
    version: int
    outcome: str | None = None
    notes: str = ""
    updated_at: str = ""
    citizen_birth_date: str = ""  # ISO; only for the office's own staff (personal data), else ""

    @property
    def day(self) -> date:
        # `start` carries the office's offset, so its date is the office-local day.
        return self.start.date()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Appointment:
        return cls(
            id=str(data["id"]),
            office_id=int(data["office_id"]),
            staff_id=None if data.get("staff_id") is None else int(data["staff_id"]),
            pool=bool(data.get("pool", False)),
            tramit_code=str(data["tramit_code"]),
            level=str(data["level"]),
            start=datetime.fromisoformat(str(data["start"])),
            duration_min=int(data.get("duration_min") or 0),
            citizen_name=str(data.get("citizen_name") or ""),
            citizen_phone=str(data.get("citizen_phone") or ""),
            citizen_email=str(data.get("citizen_email") or ""),
            language=str(data.get("language") or ""),
            status=Status(data["status"]),
            version=int(data["version"]),
            outcome=None if data.get("outcome") is None else str(data["outcome"]),
            notes=str(data.get("notes") or ""),
            updated_at=str(data.get("updated_at") or ""),
            citizen_birth_date=str(data.get("citizen_birth_date") or ""),
        )

    def to_json(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["start"] = self.start.isoformat()
        out["status"] = str(self.status)
        return out

    def with_changes(self, **changes: Any) -> Appointment:
        return dataclasses.replace(self, **changes)
