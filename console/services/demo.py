"""Demo mode only: the citizen's SMS and e-mails, read from the embedded backend's outbox table.

``GET /admin/outbox`` is for supervisors and admins; the demo informador must not get that right. The
embedded backend runs in this process on a database file this process created, so the demo reads the
table directly (read-only) instead of weakening the API. Nothing here exists outside ``--demo``.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QObject, pyqtSignal

LINK = re.compile(r"https?://\S+/c/[A-Za-z0-9_-]+")
PIN = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    channel: str  # "sms" | "email"
    purpose: str  # "link" | "pin"
    to: str
    body: str
    created_at: str

    @property
    def link(self) -> str | None:
        match = LINK.search(self.body)
        return match.group(0) if match else None

    @property
    def pin(self) -> str | None:
        match = PIN.search(self.body) if self.purpose == "pin" else None
        return match.group(1) if match else None


def read_outbox(db_path: Path, appointment_id: str, limit: int = 20) -> list[OutboxMessage]:
    """Newest first. Blocking: run it in an executor."""
    con = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        rows = con.execute(
            'SELECT channel, purpose, "to", body, created_at FROM outbox_message '
            "WHERE appointment_id = ? ORDER BY id DESC LIMIT ?",
            (appointment_id, limit),
        ).fetchall()
    finally:
        con.close()
    return [OutboxMessage(str(c), str(p), str(t), str(b), str(d)) for c, p, t, b, d in rows]


class DemoService(QObject):
    """Signals:
    outbox_loaded(str, list[OutboxMessage]): appointment id, newest message first
    """

    outbox_loaded = pyqtSignal(str, list)

    def __init__(self, db_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db_path = db_path

    async def outbox(self, appointment_id: str) -> list[OutboxMessage]:
        loop = asyncio.get_running_loop()
        messages = await loop.run_in_executor(None, read_outbox, self.db_path, appointment_id)
        self.outbox_loaded.emit(appointment_id, messages)
        return messages

    @staticmethod
    def latest(messages: list[OutboxMessage]) -> tuple[str | None, str | None]:
        """The newest citizen link and PIN among ``messages``."""
        link = next((m.link for m in messages if m.link), None)
        pin = next((m.pin for m in messages if m.pin), None)
        return link, pin
