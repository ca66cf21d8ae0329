"""Loads the tràmit catalogue (backend/catalogue/tramits.toml) and upserts it into the database."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.orm import Session

from backend.models import Tramit

log = logging.getLogger("backend.catalogue")

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_CATALOGUE = PACKAGE_DIR / "catalogue" / "tramits.toml"
# A handful of real tràmits so a checkout without the full catalogue still seeds and serves.
FALLBACK_CATALOGUE = PACKAGE_DIR / "fallback_tramits.toml"

LANGS = ("ca", "es", "eu", "en")


class _Names(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ca: str = Field(min_length=1)
    es: str = Field(min_length=1)
    eu: str = Field(min_length=1)
    en: str = Field(min_length=1)


class _Document(BaseModel):
    model_config = ConfigDict(extra="ignore")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    names: _Names


class CatalogueEntry(BaseModel):
    # extra="ignore": the catalogue may grow fields (form schema, call script) before the loader does.
    model_config = ConfigDict(extra="ignore")
    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    source: Literal["catalogue", "pilot"]
    category: str = Field(min_length=1, max_length=40)
    levels: list[Literal["informativa", "assistida", "atesa"]] = Field(min_length=1)
    identification_level: Literal["none", "basic", "full"]
    portal_url: str = Field(default="", max_length=500)
    names: _Names
    required_documents: list[_Document] = Field(default_factory=list)

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("levels repeat")
        return v


class CatalogueError(ValueError):
    pass


def catalogue_path(explicit: Path | None = None) -> Path:
    if explicit is not None:
        return explicit
    if DEFAULT_CATALOGUE.exists():
        return DEFAULT_CATALOGUE
    log.warning("%s not found; using the small fallback catalogue", DEFAULT_CATALOGUE)
    return FALLBACK_CATALOGUE


def load_catalogue(path: Path) -> list[CatalogueEntry]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    raw = data.get("tramit")
    if not isinstance(raw, list) or not raw:
        raise CatalogueError(f"{path}: no [[tramit]] entries")
    entries: list[CatalogueEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        try:
            entry = CatalogueEntry.model_validate(item)
        except ValidationError as exc:
            code = item.get("code", "?") if isinstance(item, dict) else "?"
            raise CatalogueError(f"{path}: tramit #{i + 1} ({code}): {exc}") from exc
        if entry.code in seen:
            raise CatalogueError(f"{path}: duplicate tramit code {entry.code}")
        seen.add(entry.code)
        entries.append(entry)
    return entries


def upsert_catalogue(session: Session, entries: list[CatalogueEntry]) -> int:
    """Inserts new tràmits and updates existing ones; never deletes (appointments refer to them)."""
    existing = {t.code: t for t in session.query(Tramit).all()}
    for e in entries:
        row = existing.get(e.code) or Tramit(code=e.code)
        row.source = e.source
        row.category = e.category
        row.levels = list(e.levels)
        row.identification_level = e.identification_level
        row.portal_url = e.portal_url
        row.names = e.names.model_dump()
        row.required_documents = [d.model_dump() for d in e.required_documents]
        if e.code not in existing:
            session.add(row)
    return len(entries)
