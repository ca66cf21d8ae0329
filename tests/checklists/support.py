"""Helpers for checklist tests: appointments prepared for a given level, and engines built from the
backend's GET .../checklist answer (so tests post exactly what a console's engine would)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

import httpx

from console.scripts import ChecklistEngine
from tests.helpers.backend_server import BackendProcess
from tests.helpers.identification import clock, dicts, engine_from, set_level

__all__ = ["ChecklistBackend", "clock", "dicts", "engine_from"]


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
        set_level(self.db_path, appt["id"], level, tramit)
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
