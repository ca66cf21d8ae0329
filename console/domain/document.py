"""A document exchanged during a call (docs/API.md, "Documents")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Document:
    id: str
    appointment_id: str
    uploader: str  # "citizen" | "staff"
    name: str  # chosen by the uploader: show it as plain text
    sha256: str
    size: int
    content_type: str
    created_at: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Document:
        return cls(
            id=str(data["id"]),
            appointment_id=str(data["appointment_id"]),
            uploader=str(data.get("uploader", "")),
            name=str(data.get("name", "")),
            sha256=str(data.get("sha256", "")),
            size=int(data.get("size", 0)),
            content_type=str(data.get("content_type", "")),
            created_at=str(data.get("created_at", "")),
        )
