"""Request and response bodies (pydantic). Bounds on every input so bad values are 4xx, never 500."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_INT = 2**31 - 1  # fits INTEGER on both SQLite and PostgreSQL

Role = Literal["informador", "supervisor", "admin"]
Level = Literal["informativa", "assistida", "atesa"]
Status = Literal["scheduled", "confirmed", "waiting", "in_call", "completed", "no_show", "cancelled"]
Outcome = Literal["resolved", "pending_documents", "referred", "unresolved"]


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid", str_max_length=4000)


class LoginIn(StrictInput):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(StrictInput):
    refresh_token: str = Field(min_length=1, max_length=512)


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
    notes: str | None = Field(default=None, max_length=4000)


class HealthOut(BaseModel):
    status: Literal["ok"]
    version: str
    database: Literal["sqlite", "postgresql"]
