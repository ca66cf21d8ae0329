"""Helpers for checklist tests: appointments prepared for a given level, and engines built from the
backend's GET .../checklist answer (so tests post exactly what a console's engine would)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from console.domain.appointment import Appointment
from console.scripts import ChecklistEngine
from console.services.checklist import ChecklistService
from console.sync.api import BackendApi
from console.sync.localdb import LocalDb
from console.views.checklist import ChecklistPanel
from tests.helpers.backend_server import BackendProcess
from tests.helpers.identification import clock, dicts, engine_from, set_level

__all__ = [
    "ChecklistBackend",
    "ChecklistServices",
    "appointment_in",
    "checklist_panel",
    "clock",
    "dicts",
    "engine_from",
    "select_item",
]


@dataclass
class ChecklistBackend:
    server: BackendProcess
    scripts_dir: Path | None = None  # the backend's VIDEOATENCIO_SCRIPTS_DIR (a copy tests may edit)
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
        free = [
            a
            for a in rows
            if a["status"] in ("scheduled", "confirmed") and a["id"] not in self.used and not a["pool"]
        ]
        appt = free[0] if free else {"id": self._clone(next(a for a in rows if not a["pool"])["id"])}
        self.used.add(appt["id"])
        set_level(self.db_path, appt["id"], level, tramit)
        return dict(httpx.get(f"{self.api}/appointments/{appt['id']}", headers=self.headers(username)).json())

    def _clone(self, appointment_id: str) -> str:
        """A new confirmed appointment like that one: the demo day has only so many per office."""
        new_id = str(uuid.uuid4())
        with sqlite3.connect(self.db_path) as con:
            columns = [row[1] for row in con.execute("PRAGMA table_info(appointment)")]
            fresh = {"id": new_id, "status": "confirmed", "outcome": None, "version": 1, "notes": ""}
            values = [fresh.get(c, c) for c in columns]
            select = ", ".join("?" if c in fresh else f'"{c}"' for c in columns)
            names = ", ".join(f'"{c}"' for c in columns)
            con.execute(
                f"INSERT INTO appointment ({names}) SELECT {select} FROM appointment WHERE id = ?",
                [v for c, v in zip(columns, values, strict=True) if c in fresh] + [appointment_id],
            )
        return new_id

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

    def upload(
        self, appointment_id: str, username: str = "marta", name: str = "resguard.pdf"
    ) -> httpx.Response:
        """What the call panel's "Send a document…" posts."""
        from tests.citizen.test_documents import pdf

        return httpx.post(
            f"{self.api}/appointments/{appointment_id}/documents",
            files={"file": (name, pdf(), "application/pdf")},
            headers=self.headers(username),
            timeout=10,
        )

    def documents(self, appointment_id: str, username: str = "marta") -> list[dict[str, Any]]:
        r = httpx.get(
            f"{self.api}/appointments/{appointment_id}/documents", headers=self.headers(username), timeout=10
        )
        assert r.status_code == 200, r.text
        docs: list[dict[str, Any]] = r.json()
        return docs

    def audit(self, appointment_id: str) -> list[tuple[str, str]]:
        with sqlite3.connect(self.db_path) as con:
            return list(
                con.execute(
                    "SELECT action, payload FROM audit_event WHERE object_id = ? ORDER BY id",
                    (appointment_id,),
                )
            )


def verify_pin(cb: ChecklistBackend, appointment_id: str) -> None:
    """The citizen enters the right PIN (the real exchange, as tests/citizen does it): the backend then
    reports the pin_verified fact that ticks the checklist's automatic item."""
    from datetime import UTC, datetime, timedelta

    from tests.citizen.conftest import Citizen, CitizenBackend

    citizens = CitizenBackend(cb.server)
    citizens.set_start(appointment_id, datetime.now(UTC) + timedelta(minutes=5))  # inside the PIN window
    url = citizens.issue_link(appointment_id)
    assert citizens.issue_pin(appointment_id).status_code == 202
    citizen = Citizen(appointment_id, 0, url.rsplit("/", 1)[1], citizens.latest_pin(appointment_id), {}, url)
    assert citizens.session(citizen).status_code == 200


def appointment_in(cb: ChecklistBackend, language: str, username: str = "marta", **level: str) -> Appointment:
    """An unused appointment (see ChecklistBackend.appointment) in the citizen's `language`, which has no
    API to edit either: the backend's own SQLite file, as for the level."""
    appt = cb.appointment(username, **level)
    with sqlite3.connect(cb.db_path) as con:
        con.execute("UPDATE appointment SET language = ? WHERE id = ?", (language, appt["id"]))
    return Appointment.from_json({**appt, "language": language})


class ChecklistServices:
    """The ChecklistServices of several 'consoles' (each its own API client and local file): the tests
    say how each is built and add it; stop() and stop_all() shut each down with its client and file."""

    def __init__(self, cb: ChecklistBackend, arun: Callable[..., Any], tmp: Path) -> None:
        self.cb, self.arun, self.tmp = cb, arun, tmp
        self.parts: list[tuple[ChecklistService, BackendApi, LocalDb]] = []

    def add(self, service: ChecklistService, api: BackendApi, db: LocalDb) -> ChecklistService:
        self.parts.append((service, api, db))
        return service

    def stop(self, service: ChecklistService) -> None:
        for part in list(self.parts):
            if part[0] is service:
                self.arun(service.shutdown())
                part[1].shutdown()
                part[2].close()
                self.parts.remove(part)

    def stop_all(self) -> None:
        for service, _api, _db in list(self.parts):
            self.stop(service)


def checklist_panel(
    qtbot: Any, service: ChecklistService, appointment: Appointment, arun: Callable[..., Any], *, active: bool
) -> ChecklistPanel:
    """The checklist panel on `appointment`'s opened run, shown at the dock's size; `active` also makes it
    the active window (keyboard focus and shortcuts need that)."""
    assert arun(service.open(appointment))
    panel = ChecklistPanel(service)
    qtbot.addWidget(panel)
    panel.resize(520, 820)
    panel.show_run(appointment.id)
    panel.show()
    if active:
        panel.activateWindow()
        qtbot.waitActive(panel)
    return panel


def select_item(panel: ChecklistPanel, item_id: str) -> None:
    """Makes `item_id` the panel's current item, as a click in its list would."""
    row = panel.model.row_of(item_id)
    assert row is not None
    panel.list.setCurrentIndex(panel.model.index(row, 0))
