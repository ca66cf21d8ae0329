"""The logged-in staff member and their office."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Staff:
    id: int
    username: str
    full_name: str
    role: str
    office_id: int
    languages: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Staff:
        return cls(
            id=int(data["id"]),
            username=str(data["username"]),
            full_name=str(data.get("full_name") or data["username"]),
            role=str(data.get("role") or "informador"),
            office_id=int(data["office_id"]) if data.get("office_id") is not None else 0,
            languages=tuple(str(x) for x in data.get("languages") or ()),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "full_name": self.full_name,
            "role": self.role,
            "office_id": self.office_id,
            "languages": list(self.languages),
        }


@dataclass(frozen=True, slots=True)
class Office:
    id: int
    code: str
    name: str
    timezone: str = "Europe/Madrid"
    recording_policy: str = "never"  # the call script asks for recording consent only where allowed

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Office:
        return cls(
            id=int(data["id"]),
            code=str(data.get("code") or ""),
            name=str(data.get("name") or ""),
            timezone=str(data.get("timezone") or "Europe/Madrid"),
            recording_policy=str(data.get("recording_policy") or "never"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "timezone": self.timezone,
            "recording_policy": self.recording_policy,
        }
