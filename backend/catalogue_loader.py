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


class _FieldOption(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)
    labels: _Names


class _FormField(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=80)
    type: Literal[
        "text", "dni_nie", "date", "postal_code", "phone", "email", "iban", "choice", "number", "bool"
    ]
    required: bool = False
    labels: _Names
    options: list[_FieldOption] = Field(default_factory=list)
    min: float | None = None
    max: float | None = None
    date_range: Literal["past", "future", "any"] = "any"
    max_length: int = Field(default=500, ge=1, le=2000)
    must_be_true: bool = False  # a declaration: only "yes" lets the form be submitted

    @field_validator("options")
    @classmethod
    def _unique_options(cls, v: list[_FieldOption]) -> list[_FieldOption]:
        if len({o.value for o in v}) != len(v):
            raise ValueError("option values repeat")
        return v


class _Form(BaseModel):
    model_config = ConfigDict(extra="forbid")
    fields: list[_FormField] = Field(min_length=1)

    @field_validator("fields")
    @classmethod
    def _check_fields(cls, v: list[_FormField]) -> list[_FormField]:
        if len({f.key for f in v}) != len(v):
            raise ValueError("form field keys repeat")
        for f in v:
            if (f.type == "choice") != bool(f.options):
                raise ValueError(f"{f.key}: options are for (and required by) choice fields")
        return v


class _AssistedStep(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: _Names
    documents: list[str] = Field(default_factory=list)


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
    # The tràmit wizard (backend/tramitacio): without them the generic schema applies.
    form: _Form | None = None
    assisted_steps: list[_AssistedStep] = Field(default_factory=list)

    @field_validator("levels")
    @classmethod
    def _unique_levels(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("levels repeat")
        return v


class CatalogueError(ValueError):
    pass


def catalogue_path(explicit: Path | None = None, *, demo: bool = False) -> Path:
    """The catalogue to load. Only the demo may fall back to the small one: a real office served 8
    tràmits instead of 33 would book citizens for tràmits that then "do not exist"."""
    if explicit is not None:
        return explicit
    if DEFAULT_CATALOGUE.exists():
        return DEFAULT_CATALOGUE
    if not demo:
        raise CatalogueError(
            f"{DEFAULT_CATALOGUE} not found: the full tràmit catalogue is required "
            "(pass --catalogue PATH; the small fallback is for the demo only)"
        )
    log.warning("%s not found; the demo uses the small fallback catalogue", DEFAULT_CATALOGUE)
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
        row.form_schema = (
            {
                "fields": [f.model_dump(exclude_none=True) for f in e.form.fields] if e.form else [],
                "assisted_steps": [s.model_dump() for s in e.assisted_steps],
            }
            if e.form or e.assisted_steps
            else None
        )
        if e.code not in existing:
            session.add(row)
    return len(entries)
