"""An in-process backend for the console's demo mode: fresh SQLite + demo day, uvicorn in a thread."""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from backend.app import create_app
from backend.config import Settings
from backend.db import Database
from backend.migrate import upgrade_head
from backend.models import Appointment, Staff, utcnow
from backend.seed import seed_demo, today_madrid
from backend.server import Server, make_server

_START_TIMEOUT_S = 20.0


@dataclass
class EmbeddedServer:
    url: str
    _server: Server = field(repr=False)
    _thread: threading.Thread = field(repr=False)

    def stop(self) -> None:
        """Returns within about a second even with open SSE streams (the bus ends them first)."""
        self._server.should_exit = True
        self._thread.join(timeout=10)
        if self._thread.is_alive():
            self._server.force_exit = True
            self._thread.join(timeout=5)


def _add_try_a_call(db: Database, username: str = "marta", in_minutes: int = 10) -> None:
    """The demo runs at any hour, but a citizen's PIN only works around the appointment's time
    (30 min before to 60 after): one appointment of the demo informadora starts a few minutes from
    now, so a whole call can be tried (Send link, Send PIN, Demo → Citizen link and PIN…)."""
    with db.write() as s:
        staff = s.scalar(select(Staff).where(Staff.username == username))
        if staff is None or staff.office_id is None:
            return
        start = (utcnow() + timedelta(minutes=in_minutes)).replace(second=0, microsecond=0)
        s.add(
            Appointment(
                id=str(uuid.uuid4()),
                office_id=staff.office_id,
                staff_id=staff.id,
                pool=False,
                tramit_code="peticio-generica",
                level="assistida",
                start=start,
                duration_min=20,
                citizen_name="Ciutadana de prova (demo)",
                citizen_phone="+34 600 000 000",
                citizen_email="demo@example.org",
                language="ca",
                status="confirmed",
                version=1,
                notes="",
            )
        )


def start_embedded(data_dir: Path, day: date | None = None) -> EmbeddedServer:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    db_file = data_dir / "videoatencio.db"
    for stale in (
        db_file,
        db_file.with_name(db_file.name + "-wal"),
        db_file.with_name(db_file.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)  # a demo always starts from the same fresh day
    settings = Settings.from_env(database_url=f"sqlite:///{db_file}", data_dir=data_dir)
    db = Database(settings.database_url)
    upgrade_head(db.engine)
    seed_demo(db, day)
    if day is None or day == today_madrid():
        _add_try_a_call(db)
    app = create_app(settings, db=db)

    ready = threading.Event()
    port_box: list[int] = []

    def on_ready(port: int) -> None:
        port_box.append(port)
        ready.set()

    server = make_server(app, "127.0.0.1", 0, on_ready)
    thread = threading.Thread(target=server.run, name="videoatencio-backend", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not ready.wait(0.05):
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("embedded backend failed to start")
    if not port_box:
        raise RuntimeError("embedded backend did not report a port")
    return EmbeddedServer(url=f"http://127.0.0.1:{port_box[0]}", _server=server, _thread=thread)
