"""Offline cache of the agenda (per day) and the catalogue, in the local SQLite file.

It holds the server's truth as last seen; pending local changes live in the outbox and are laid on
top when shown, so a replay or a conflict never has to guess what the server had.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from console.domain.appointment import Appointment
from console.domain.catalogue import Tramit
from console.sync.localdb import LocalDb


class OfflineCache:
    """Blocking methods: call them through `LocalDb.run` (the db's worker thread)."""

    def __init__(self, db: LocalDb, scope: str = "") -> None:
        self._db = db
        self.scope = scope  # "user@server": several accounts on one machine never mix

    def store_day(self, day: date, appointments: list[Appointment]) -> None:
        conn = self._db.conn()
        with conn:
            conn.execute("BEGIN")
            conn.execute("DELETE FROM agenda WHERE scope=? AND day=?", (self.scope, day.isoformat()))
            conn.executemany(
                "INSERT OR REPLACE INTO agenda (scope, id, day, json) VALUES (?, ?, ?, ?)",
                [(self.scope, a.id, a.day.isoformat(), json.dumps(a.to_json())) for a in appointments],
            )
            conn.execute(
                "INSERT OR REPLACE INTO agenda_days (scope, day, fetched_at) VALUES (?, ?, ?)",
                (self.scope, day.isoformat(), datetime.now(UTC).isoformat()),
            )

    def load_day(self, day: date) -> list[Appointment] | None:
        """The cached appointments of `day`, or None when that day was never fetched."""
        conn = self._db.conn()
        seen = conn.execute(
            "SELECT 1 FROM agenda_days WHERE scope=? AND day=?", (self.scope, day.isoformat())
        ).fetchone()
        rows = conn.execute(
            "SELECT json FROM agenda WHERE scope=? AND day=?", (self.scope, day.isoformat())
        ).fetchall()
        if seen is None and not rows:
            return None
        items = [Appointment.from_json(json.loads(r[0])) for r in rows]
        return sorted(items, key=lambda a: (a.start, a.id))

    def upsert(self, appointment: Appointment) -> None:
        self._db.conn().execute(
            "INSERT OR REPLACE INTO agenda (scope, id, day, json) VALUES (?, ?, ?, ?)",
            (self.scope, appointment.id, appointment.day.isoformat(), json.dumps(appointment.to_json())),
        )

    def get(self, appointment_id: str) -> Appointment | None:
        row = (
            self._db.conn()
            .execute("SELECT json FROM agenda WHERE scope=? AND id=?", (self.scope, appointment_id))
            .fetchone()
        )
        return Appointment.from_json(json.loads(row[0])) if row else None

    def store_catalogue(self, tramits: list[Tramit]) -> None:
        conn = self._db.conn()
        with conn:
            conn.execute("BEGIN")
            conn.execute("DELETE FROM catalogue WHERE scope=?", (self.scope,))
            conn.executemany(
                "INSERT INTO catalogue (scope, code, json) VALUES (?, ?, ?)",
                [(self.scope, t.code, json.dumps(t.to_json())) for t in tramits],
            )

    def load_catalogue(self) -> list[Tramit]:
        rows = self._db.conn().execute("SELECT json FROM catalogue WHERE scope=?", (self.scope,)).fetchall()
        return [Tramit.from_json(json.loads(r[0])) for r in rows]

    def set_meta(self, key: str, value: dict[str, Any]) -> None:
        self._db.conn().execute(
            "INSERT OR REPLACE INTO meta (scope, key, value) VALUES (?, ?, ?)",
            (self.scope, key, json.dumps(value)),
        )

    def get_meta(self, key: str) -> dict[str, Any] | None:
        row = (
            self._db.conn()
            .execute("SELECT value FROM meta WHERE scope=? AND key=?", (self.scope, key))
            .fetchone()
        )
        return dict(json.loads(row[0])) if row else None
