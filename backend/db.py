"""Engine and session factories; the SQLite specifics that make it safe under concurrent requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from backend.config import sqlite_path

T = TypeVar("T")

# Execution option that asks for "BEGIN IMMEDIATE" on SQLite: a write transaction takes the write
# lock up front, so two writers queue on busy_timeout instead of one failing with "database is
# locked" when it tries to upgrade a read lock (which SQLite cannot wait for).
_IMMEDIATE = "videoatencio_immediate"


def make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        db_file = sqlite_path(database_url)
        if db_file is not None:
            db_file.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=16,
            max_overflow=16,
            pool_pre_ping=False,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(database_url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module so "begin" below decides the BEGIN kind.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class Database:
    """Holds the engine and hands out read and write sessions."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.engine = make_engine(database_url)
        self.kind = "postgresql" if database_url.startswith("postgresql") else "sqlite"
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{_IMMEDIATE: True}), expire_on_commit=False
        )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read() as session:
            yield session

    async def run_read(self, fn: Callable[[Session], T]) -> T:
        """Runs ``fn(session)`` in a read session, on the thread that suits the database.

        SQLite is a local file: a day's agenda reads in well under a millisecond, while the hop to a
        worker thread and back costs more than that under the GIL once requests pile up (at 500 req/s
        the agenda's p99 went from ~840 ms to a few ms on the loop; ./dev bench api). So SQLite reads
        run on the event loop. PostgreSQL reads wait on the network and go to the thread pool.
        """
        if self.kind == "sqlite":
            return self._read_with(fn)
        return await to_thread.run_sync(self._read_with, fn)

    def _read_with(self, fn: Callable[[Session], T]) -> T:
        with self.read() as session:
            return fn(session)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction that commits on success and rolls back on any exception."""
        with self._write() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
