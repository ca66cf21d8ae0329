"""Writes waiting for the backend (status PATCHes with their base version), kept in SQLite.

An entry is `pending` until the backend accepts it. A 409 turns it into a `conflict` that keeps the
server's current copy; it stays until the informador chooses "keep mine" or "discard mine".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from console.domain.appointment import Appointment, Status
from console.sync.localdb import LocalDb

PENDING = "pending"
CONFLICT = "conflict"


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    id: int
    appointment_id: str
    base_version: int
    changes: dict[str, Any]
    state: str
    current: Appointment | None = None
    error: str = ""

    def apply_to(self, appointment: Appointment) -> Appointment:
        """The appointment as it looks with this change made (the optimistic local view)."""
        fields: dict[str, Any] = {}
        if "status" in self.changes:
            fields["status"] = Status(self.changes["status"])
        if "outcome" in self.changes:
            fields["outcome"] = self.changes["outcome"]
        if "notes" in self.changes:
            fields["notes"] = self.changes["notes"]
        return appointment.with_changes(**fields)


def _now() -> str:
    return datetime.now(UTC).isoformat()


class Outbox:
    """Blocking methods: call them through `LocalDb.run` (the db's worker thread)."""

    def __init__(self, db: LocalDb, scope: str = "") -> None:
        self._db = db
        self.scope = scope

    def add(self, appointment_id: str, base_version: int, changes: dict[str, Any]) -> OutboxEntry:
        cur = self._db.conn().execute(
            "INSERT INTO outbox (scope, appointment_id, base_version, changes, state, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                self.scope,
                appointment_id,
                base_version,
                json.dumps(changes),
                PENDING,
                datetime.now(UTC).isoformat(),
            ),
        )
        assert cur.lastrowid is not None
        return OutboxEntry(cur.lastrowid, appointment_id, base_version, changes, PENDING)

    def entries(self, state: str | None = None) -> list[OutboxEntry]:
        """Entries in the order they were made (the order they must be replayed in)."""
        sql = (
            "SELECT id, appointment_id, base_version, changes, state, current, error"
            " FROM outbox WHERE scope=?"
        )
        params: tuple[Any, ...] = (self.scope,)
        if state is not None:
            sql += " AND state=?"
            params += (state,)
        rows = self._db.conn().execute(sql + " ORDER BY id", params).fetchall()
        return [
            OutboxEntry(
                id=r[0],
                appointment_id=r[1],
                base_version=r[2],
                changes=json.loads(r[3]),
                state=r[4],
                current=Appointment.from_json(json.loads(r[5])) if r[5] else None,
                error=r[6],
            )
            for r in rows
        ]

    def get(self, entry_id: int) -> OutboxEntry | None:
        return next((e for e in self.entries() if e.id == entry_id), None)

    def remove(self, entry_id: int) -> None:
        self._db.conn().execute("DELETE FROM outbox WHERE id=? AND scope=?", (entry_id, self.scope))

    def mark_conflict(self, entry_id: int, current: Appointment, error: str = "") -> None:
        self._db.conn().execute(
            "UPDATE outbox SET state=?, current=?, error=? WHERE id=? AND scope=?",
            (CONFLICT, json.dumps(current.to_json()), error, entry_id, self.scope),
        )

    def rebase(self, entry_id: int, version: int) -> None:
        """Make the entry pending again on top of `version` ("keep mine")."""
        self._db.conn().execute(
            "UPDATE outbox SET state=?, base_version=?, current=NULL, error='' WHERE id=? AND scope=?",
            (PENDING, version, entry_id, self.scope),
        )
