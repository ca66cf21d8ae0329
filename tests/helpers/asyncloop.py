"""qasync event loop and credential fixtures shared by every Qt and aiortc test.

pytest-qt has no qasync support (pytest-dev/pytest-qt#448, #599): one qasync loop is built on the
session's QApplication and never closed per test (BASELINES step 1). Exceptions that reach the loop's
exception handler (failed background tasks, callbacks) are collected and re-raised at the end of the
test that produced them, so errors in background work cannot pass silently (qasync's own tests do this).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import keyring
import keyring.backend
import pytest
import qasync

T = TypeVar("T")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A real KeyringBackend kept in memory: a round trip works, nothing touches disk or D-Bus."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.store:
            import keyring.errors

            raise keyring.errors.PasswordDeleteError(username)
        del self.store[(service, username)]


@pytest.fixture(autouse=True)
def memory_keyring(request: pytest.FixtureRequest) -> Iterator[MemoryKeyring | None]:
    """Every test gets a fresh in-memory keyring; no test can reach the developer's real one.

    A test that asks for `real_keyring` opts out: it gets gnome-keyring on a private bus instead.
    """
    if "real_keyring" in request.fixturenames:
        yield None
        return
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def real_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """The real Secret Service backend of keyring, talking to gnome-keyring on a private D-Bus session
    bus under tmp_path (never the developer's). Yields the environment that reaches it, for other
    processes; this process's D-Bus address points there for the test."""
    import keyring.backends.SecretService

    from tests.helpers.secret_service import private_secret_service

    previous = keyring.get_keyring()
    with private_secret_service(tmp_path / "secret-service") as env:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", env["DBUS_SESSION_BUS_ADDRESS"])
        backend = keyring.backends.SecretService.Keyring()
        assert backend.priority > 0  # viable: the daemon answers (raises otherwise)
        keyring.set_keyring(backend)
        try:
            yield env
        finally:
            keyring.set_keyring(previous)


class LoopErrors:
    def __init__(self) -> None:
        self.contexts: list[dict[str, Any]] = []

    def handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        from console.call.quirks import is_close_race

        if is_close_race(context):
            return  # aiortc's own orphan task on a deliberate close; the console ignores it too
        self.contexts.append(context)

    def raise_collected(self) -> None:
        if not self.contexts:
            return
        contexts, self.contexts = self.contexts, []
        first = contexts[0]
        exc = first.get("exception")
        messages = "; ".join(str(c.get("message")) for c in contexts)
        if isinstance(exc, BaseException):
            raise AssertionError(f"error in the event loop: {messages}") from exc
        raise AssertionError(f"error in the event loop: {messages}")


_LOOP_ERRORS = LoopErrors()


@pytest.fixture(scope="session")
def qloop_session(qapp: Any) -> Iterator[qasync.QEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=False)
    asyncio.set_event_loop(loop)
    loop.set_exception_handler(_LOOP_ERRORS.handler)
    yield loop
    # Not closed: closing a qasync loop under a live QApplication breaks later Qt teardown.


@pytest.fixture
def qloop(qloop_session: qasync.QEventLoop) -> Iterator[qasync.QEventLoop]:
    """The qasync loop for one test; errors collected during the test fail it at teardown."""
    asyncio.set_event_loop(qloop_session)
    _LOOP_ERRORS.contexts.clear()
    yield qloop_session
    _LOOP_ERRORS.raise_collected()


@pytest.fixture
def arun(qloop: qasync.QEventLoop) -> Callable[..., Any]:
    """Run a coroutine to completion on the qasync loop, with a bound: `arun(coro, timeout=10)`."""

    def run(awaitable: Awaitable[T], timeout: float = 20.0) -> T:
        return qloop.run_until_complete(asyncio.wait_for(awaitable, timeout))  # type: ignore[no-any-return]

    return run
