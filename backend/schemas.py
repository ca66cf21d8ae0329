"""Request and response bodies (pydantic). Bounds on every input so bad values are 4xx, never 500."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

MAX_INT = 2**31 - 1  # fits INTEGER on both SQLite and PostgreSQL

Role = Literal["informador", "supervisor", "admin"]
Level = Literal["informativa", "assistida", "atesa"]
Status = Literal["scheduled", "confirmed", "waiting", "in_call", "completed", "no_show", "cancelled"]
Outcome = Literal["resolved", "pending_documents", "referred", "unresolved"]


def _iso_day(value: object) -> object:
    # pydantic alone would read "0" or "1700000000" as a Unix time; a day is only ever YYYY-MM-DD.
    if isinstance(value, str) and (len(value) != 10 or value[4] != "-" or value[7] != "-"):
        raise ValueError("expected a day as YYYY-MM-DD")
    return value


IsoDay = Annotated[date, BeforeValidator(_iso_day)]


def _clean_text(value: str) -> str:
    # PostgreSQL refuses NUL in text and no database can store a lone surrogate: a 422, not a 500.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError("must be valid Unicode text") from exc
    return value


Text = Annotated[str, AfterValidator(_clean_text)]


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class LoginIn(StrictInput):
    username: Text = Field(min_length=1, max_length=64)
    password: Text = Field(min_length=1, max_length=1024)


class RefreshIn(StrictInput):
    refresh_token: Text = Field(min_length=1, max_length=512)


class StaffOut(BaseModel):
    id: int
    username: str
    full_name: str
    role: Role
    office_id: int | None
    languages: list[str]
    skills: list[str]


class TokensOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    staff: StaffOut


class OfficeOut(BaseModel):
    id: int
    code: str
    name: str
    timezone: str
    recording_policy: Literal["never", "with_consent"]
    max_concurrent_calls: int
    languages: list[str]


class DocumentOut(BaseModel):
    code: str
    names: dict[str, str]


class TramitOut(BaseModel):
    code: str
    names: dict[str, str]
    levels: list[Level]
    identification_level: Literal["none", "basic", "full"]
    category: str
    source: Literal["catalogue", "pilot"]
    portal_url: str
    required_documents: list[DocumentOut]


class TramitDetailOut(TramitOut):
    """GET /tramits/{code}: the catalogue entry plus what the tràmit wizard needs (backend/tramitacio)."""

    form: dict[str, Any]  # {"fields": [FieldSpec JSON], "generic": bool}
    assisted_steps: list[dict[str, Any]]  # [{"texts": {lang: text}, "documents": [codes]}]


class AppointmentOut(BaseModel):
    id: str
    office_id: int
    staff_id: int | None
    pool: bool
    tramit_code: str
    level: Level
    start: datetime
    duration_min: int
    citizen_name: str
    citizen_phone: str
    citizen_email: str | None
    citizen_birth_date: date | None = None  # only for the office's own staff (personal data)
    language: str
    status: Status
    version: int
    outcome: Outcome | None
    notes: str
    updated_at: datetime


class AppointmentPatch(StrictInput):
    version: int = Field(ge=1, le=MAX_INT)
    status: Status | None = None
    outcome: Outcome | None = None
    notes: Text | None = Field(default=None, max_length=4000)


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    database: Literal["sqlite", "postgresql"]
