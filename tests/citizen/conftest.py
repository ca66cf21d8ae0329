"""Citizen-side fixtures: a real backend process (tests.helpers.backend_server) and helpers that
prepare an appointment the way the demo does: link and PIN issued by the informador, the PIN read back
from the outbox by a supervisor."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.helpers.backend_server import BackendProcess, session_day


@dataclass
class Citizen:
    """One prepared appointment: its join token, PIN and the staff headers of its informador."""

    appointment_id: str
    office_id: int
    join_token: str
    pin: str
    staff: dict[str, str]
    url: str


@dataclass
class CitizenBackend:
    server: BackendProcess
    used: set[str] = field(default_factory=set)
    _headers: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.server.api

    @property
    def db_path(self) -> Path:
        return self.server.data_dir / "videoatencio.db"

    def headers(self, username: str) -> dict[str, str]:
        if username not in self._headers:
            self._headers[username] = self.server.headers(username)
        return self._headers[username]

    def appointment(self, username: str = "marta", start_in_min: float = 5) -> tuple[str, int]:
        """An unused scheduled appointment of that user, moved to start soon (inside the PIN window)."""
        rows = httpx.get(f"{self.api}/appointments", headers=self.headers(username), timeout=10).json()
        appt = next(a for a in rows if a["status"] in ("scheduled", "confirmed") and a["id"] not in self.used)
        self.used.add(appt["id"])
        self.set_start(appt["id"], datetime.now(UTC) + timedelta(minutes=start_in_min))
        return appt["id"], appt["office_id"]

    def set_start(self, appointment_id: str, start: datetime) -> None:
        # There is no API to reschedule; the test edits the backend's own SQLite file (naive UTC).
        with sqlite3.connect(self.db_path) as con:
            con.execute(
                "UPDATE appointment SET start = ? WHERE id = ?",
                (start.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" "), appointment_id),
            )

    def issue_link(self, appointment_id: str, username: str = "marta") -> str:
        r = httpx.post(
            f"{self.api}/appointments/{appointment_id}/link", headers=self.headers(username), timeout=10
        )
        assert r.status_code == 200, r.text
        url: str = r.json()["url"]
        return url

    def issue_pin(self, appointment_id: str, username: str = "marta") -> httpx.Response:
        return httpx.post(
            f"{self.api}/appointments/{appointment_id}/pin", headers=self.headers(username), timeout=10
        )

    def outbox(self, appointment_id: str) -> list[dict[str, object]]:
        r = httpx.get(
            f"{self.api}/admin/outbox",
            params={"appointment_id": appointment_id},
            headers=self.headers("laia"),
            timeout=10,
        )
        assert r.status_code == 200, r.text
        rows: list[dict[str, object]] = r.json()
        return rows

    def latest_pin(self, appointment_id: str) -> str:
        pins = [m for m in self.outbox(appointment_id) if m["purpose"] == "pin"]
        match = re.search(r"\b(\d{6})\b", str(pins[0]["body"]))
        assert match, pins
        return match.group(1)

    def prepare(self, username: str = "marta", start_in_min: float = 5) -> Citizen:
        appt_id, office_id = self.appointment(username, start_in_min)
        url = self.issue_link(appt_id, username)
        r = self.issue_pin(appt_id, username)
        assert r.status_code == 202, r.text
        return Citizen(
            appt_id, office_id, url.rsplit("/", 1)[1], self.latest_pin(appt_id), self.headers(username), url
        )

    def session(self, citizen: Citizen, pin: str | None = None) -> httpx.Response:
        return httpx.post(
            f"{self.api}/citizen/session",
            json={"join_token": citizen.join_token, "pin": pin or citizen.pin},
            timeout=10,
        )

    def citizen_headers(self, citizen: Citizen) -> dict[str, str]:
        r = self.session(citizen)
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['citizen_token']}"}


def _start(tmp: Path, env: dict[str, str]) -> BackendProcess:
    server = BackendProcess(tmp, session_day(), env=env)
    server.start()
    return server


@pytest.fixture(scope="module")
def citizen_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CitizenBackend]:
    """One backend per test module, with a low failure floor so the suite stays quick; each test takes
    its own appointment, so tests do not see each other's state."""
    server = _start(tmp_path_factory.mktemp("citizen"), {"VIDEOATENCIO_CITIZEN_IP_ATTEMPTS": "100000"})
    try:
        yield CitizenBackend(server)
    finally:
        server.stop()


@pytest.fixture
def fresh_citizen_backend(tmp_path: Path) -> Iterator[CitizenBackend]:
    """A backend with default limits and its own database, for rate-limit tests."""
    server = _start(tmp_path / "backend", {})
    try:
        yield CitizenBackend(server)
    finally:
        server.stop()
