"""Checklist runs kept in the console's SQLite file: the offline copy and the outbox of checklist events.

A run's events are append-only and numbered, so its outbox is simply "events after the last seq the
backend acknowledged": one row per run (the engine's saved JSON plus `acked_seq`), written before any
request goes out. The agenda's outbox (PATCHes with base versions) is a different shape and is flushed
by AgendaService, so checklist events do not go through it.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from console.sync.localdb import LocalDb

SCHEMA = """
CREATE TABLE IF NOT EXISTS checklist_run (
    scope TEXT NOT NULL, appointment_id TEXT NOT NULL, run TEXT NOT NULL,
    last_seq INTEGER NOT NULL, acked_seq INTEGER NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (scope, appointment_id));
"""


class ChecklistStore:
    """Blocking methods: call them through `LocalDb.run` (the db's worker thread)."""

    def __init__(self, db: LocalDb, scope: str = "") -> None:
        self._db = db
        self.scope = scope
        self._ready = False

    def _conn(self) -> sqlite3.Connection:
        conn = self._db.conn()
        if not self._ready:
            conn.executescript(SCHEMA)
            self._ready = True
        return conn

    def save(self, appointment_id: str, run_json: str, last_seq: int, acked_seq: int) -> None:
        self._conn().execute(
            "INSERT OR REPLACE INTO checklist_run"
            " (scope, appointment_id, run, last_seq, acked_seq, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (self.scope, appointment_id, run_json, last_seq, acked_seq, datetime.now(UTC).isoformat()),
        )

    def load(self, appointment_id: str) -> tuple[str, int] | None:
        """(saved run JSON, acked seq) or None."""
        row = (
            self._conn()
            .execute(
                "SELECT run, acked_seq FROM checklist_run WHERE scope=? AND appointment_id=?",
                (self.scope, appointment_id),
            )
            .fetchone()
        )
        return (str(row[0]), int(row[1])) if row else None

    def unsent(self) -> list[str]:
        """Appointments whose runs have events the backend has not acknowledged."""
        rows = (
            self._conn()
            .execute(
                "SELECT appointment_id FROM checklist_run WHERE scope=? AND last_seq > acked_seq",
                (self.scope,),
            )
            .fetchall()
        )
        return [str(r[0]) for r in rows]
