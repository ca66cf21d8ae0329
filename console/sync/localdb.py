"""The console's SQLite file (offline cache + outbox), used from one worker thread only."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS agenda (
    scope TEXT NOT NULL, id TEXT NOT NULL, day TEXT NOT NULL, json TEXT NOT NULL,
    PRIMARY KEY (scope, id));
CREATE INDEX IF NOT EXISTS agenda_day ON agenda (scope, day);
CREATE TABLE IF NOT EXISTS agenda_days (
    scope TEXT NOT NULL, day TEXT NOT NULL, fetched_at TEXT NOT NULL, PRIMARY KEY (scope, day));
CREATE TABLE IF NOT EXISTS catalogue (
    scope TEXT NOT NULL, code TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (scope, code));
CREATE TABLE IF NOT EXISTS meta (
    scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, appointment_id TEXT NOT NULL,
    base_version INTEGER NOT NULL, changes TEXT NOT NULL, state TEXT NOT NULL DEFAULT 'pending',
    current TEXT, error TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL);
"""


class LocalDb:
    """Owns the connection and the single worker thread that is allowed to use it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="localdb")
        self._conn: sqlite3.Connection | None = None

    def conn(self) -> sqlite3.Connection:
        """The connection; only call from the worker thread (through `run`)."""
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(SCHEMA)
            self._conn = conn
        return self._conn

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def close(self) -> None:
        def _close() -> None:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

        self._executor.submit(_close).result()
        self._executor.shutdown(wait=True)
