"""Helpers for checklist tests: appointments prepared for a given level, and engines built from the
backend's GET .../checklist answer (so tests post exactly what a console's engine would)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from console.scripts import (
    AppointmentFacts,
    AttentionLevel,
    ChecklistEngine,
    ChecklistEvent,
    IdentificationLevel,
    RecordingPolicy,
    ScriptContext,
    load_script_by_id,
)
from tests.helpers.backend_server import BackendProcess

MADRID = ZoneInfo("Europe/Madrid")


def clock() -> datetime:
    return datetime.now(MADRID)


@dataclass
class ChecklistBackend:
    server: BackendProcess
    used: set[str] = field(default_factory=set)
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.server.api

    @property
    def db_path(self) -> str:
        return self.server.database_url.removeprefix("sqlite:///")

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            self._headers[username] = self.server.headers(username)
        return self._headers[username]

    def appointment(
        self, username: str = "marta", level: str = "atesa", tramit: str = "targeta-discapacitat"
    ) -> dict[str, Any]:
        """An unused open appointment of that user, set to `level` and `tramit` (no API to edit those:
        the test edits the backend's own SQLite file, as tests/citizen does for start times)."""
        rows = httpx.get(f"{self.api}/appointments", headers=self.headers(username), timeout=10).json()
        appt = next(
            a
            for a in rows
            if a["status"] in ("scheduled", "confirmed") and a["id"] not in self.used and not a["pool"]
        )
        self.used.add(appt["id"])
        with sqlite3.connect(self.db_path) as con:
            con.execute(
                "UPDATE appointment SET level = ?, tramit_code = ? WHERE id = ?", (level, tramit, appt["id"])
            )
        return dict(httpx.get(f"{self.api}/appointments/{appt['id']}", headers=self.headers(username)).json())

    def get(self, appointment_id: str, username: str = "marta") -> httpx.Response:
        return httpx.get(
            f"{self.api}/appointments/{appointment_id}/checklist", headers=self.headers(username), timeout=10
        )

    def post(self, appointment_id: str, body: Any, username: str = "marta") -> httpx.Response:
        return httpx.post(
            f"{self.api}/appointments/{appointment_id}/checklist/events",
            json=body,
            headers=self.headers(username),
            timeout=10,
        )

    def engine(self, appointment_id: str, username: str = "marta") -> ChecklistEngine:
        r = self.get(appointment_id, username)
        assert r.status_code == 200, r.text
        return engine_from(r.json())

    def audit(self, appointment_id: str) -> list[tuple[str, str]]:
        with sqlite3.connect(self.db_path) as con:
            return list(
                con.execute(
                    "SELECT action, payload FROM audit_event WHERE object_id = ? ORDER BY id",
                    (appointment_id,),
                )
            )


def engine_from(body: dict[str, Any]) -> ChecklistEngine:
    ctx = body["context"]
    return ChecklistEngine.from_events(
        load_script_by_id(body["script_id"]),
        AppointmentFacts.from_dict(body["appointment"]),
        ScriptContext(
            AttentionLevel(ctx["attention_level"]),
            IdentificationLevel(ctx["identification_level"]),
            RecordingPolicy(ctx["recording_policy"]),
        ),
        [ChecklistEvent.from_dict(e) for e in body["events"]],
        clock,
    )


def dicts(events: list[ChecklistEvent]) -> list[dict[str, Any]]:
    return [e.to_dict() for e in events]
