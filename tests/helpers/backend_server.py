"""Fixtures that run the real backend as a process on 127.0.0.1 (owned by the backend work).

`backend_server` (session) and `fresh_backend` (per test) start `python -m backend serve --port 0
--seed-demo` on a fresh SQLite database in a temp dir, wait for its ready line (never a sleep) and kill
it at teardown. `.stop()` / `.start()` restart it on the same port and database, for offline tests.
"""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.helpers.processes import stop_process

REPO_ROOT = Path(__file__).resolve().parents[2]
READY = re.compile(r"videoatencio backend listening on (http://127\.0\.0\.1:(\d+))")
START_TIMEOUT_S = 30.0
# Short keep-alive pings so SSE tests see pings without waiting 15 s.
TEST_SSE_PING_S = "0.5"


def session_day() -> date:
    """Today in Europe/Madrid: the API's default day, so clients that omit ?day= see the demo data."""
    return datetime.now(ZoneInfo("Europe/Madrid")).date()


class BackendProcess:
    def __init__(
        self,
        data_dir: Path,
        day: date,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.day = day
        self.database_url = database_url or f"sqlite:///{data_dir / 'videoatencio.db'}"
        self.env = env or {}
        self.port = 0
        self.url = ""
        self.proc: subprocess.Popen[str] | None = None
        self.log_path = data_dir / "backend.log"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    def start(self) -> None:
        """Starts (or restarts, on the same port and database) and returns once it listens."""
        if self.proc is not None and self.proc.poll() is None:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        env.update(
            {
                "VIDEOATENCIO_DATA_DIR": str(self.data_dir),
                "VIDEOATENCIO_SSE_PING_S": TEST_SSE_PING_S,
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        cmd = [
            sys.executable, "-m", "backend", "serve",
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--database-url", self.database_url,
            "--seed-demo", "--day", self.day.isoformat(),
        ]  # fmt: skip
        log = self.log_path.open("a")
        self.proc = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True, bufsize=1
        )
        log.close()
        self.url = self._wait_ready(self.proc)
        self.port = int(self.url.rsplit(":", 1)[1])

    def _wait_ready(self, proc: subprocess.Popen[str]) -> str:
        assert proc.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        try:
            while time.monotonic() < deadline:
                if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    break
                line = proc.stdout.readline()
                if not line:  # EOF: the process exited
                    break
                if m := READY.search(line):
                    return m.group(1)
        finally:
            sel.close()
        stop_process(proc)
        raise RuntimeError(f"backend did not start; log:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None:
            stop_process(self.proc)
            self.proc = None

    # Helpers for tests.
    def login(self, username: str, password: str = "demo") -> dict[str, Any]:
        r = httpx.post(
            f"{self.api}/auth/login", json={"username": username, "password": password}, timeout=10
        )
        r.raise_for_status()
        body: dict[str, Any] = r.json()
        return body

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.login(username)['access_token']}"}


@pytest.fixture(scope="session")
def backend_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """One backend for the session; tests must not leave it stopped (restart with .start())."""
    server = BackendProcess(tmp_path_factory.mktemp("backend"), session_day())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_backend(tmp_path: Path) -> Iterator[BackendProcess]:
    """A backend with its own fresh database, for tests that change data."""
    server = BackendProcess(tmp_path / "backend", session_day())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster from tools/postgres.sh. Fails (never skips) if it cannot start."""
    script = REPO_ROOT / "tools" / "postgres.sh"
    r = subprocess.run([str(script), "start"], capture_output=True, text=True, timeout=120, check=False)
    values = dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)
    if r.returncode != 0 or "URL" not in values:
        pytest.fail(
            f"PostgreSQL did not start (tools/postgres.sh exit {r.returncode}):\n{r.stderr}{r.stdout}"
        )
    try:
        yield values["URL"]
    finally:
        subprocess.run([str(script), "stop", values["PGDIR"]], capture_output=True, timeout=60, check=False)


@pytest.fixture
def postgres_backend(tmp_path: Path, postgres_url: str) -> Iterator[BackendProcess]:
    """The backend process on PostgreSQL (migrated and seeded on start)."""
    server = BackendProcess(tmp_path / "backend-pg", session_day(), database_url=postgres_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
