"""Tràmits of the catalogue, with their names in every UI language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Tramit:
    code: str
    names: dict[str, str]
    levels: tuple[str, ...] = ()
    category: str = ""
    portal_url: str = ""
    required_documents: tuple[str, ...] = field(default=())
    identification_level: str = "full"  # none/basic/full: what the call script asks (offline starts)

    def name(self, lang: str) -> str:
        # Fall back to Catalan (the catalogue's source language), then to the code.
        return self.names.get(lang) or self.names.get("ca") or self.code

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Tramit:
        docs = data.get("required_documents") or []
        return cls(
            code=str(data["code"]),
            names={str(k): str(v) for k, v in (data.get("names") or {}).items()},
            levels=tuple(str(x) for x in data.get("levels") or ()),
            category=str(data.get("category") or ""),
            portal_url=str(data.get("portal_url") or ""),
            required_documents=tuple(str(d.get("code", "")) for d in docs if isinstance(d, dict)),
            identification_level=str(data.get("identification_level") or "full"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "names": dict(self.names),
            "levels": list(self.levels),
            "category": self.category,
            "portal_url": self.portal_url,
            "required_documents": [{"code": c} for c in self.required_documents],
            "identification_level": self.identification_level,
        }
