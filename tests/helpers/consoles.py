"""Console fixtures shared by every test that runs a real console: redirected paths, consoles with
explicit teardown, bounded waits. Tests under tests/console get the environment fixtures autouse
(tests/console/conftest.py); other folders get them through `consoles`."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import qasync
from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtWidgets import QApplication

from console import paths
from console.app import Console
from console.options import Options

# Threads the console starts; none may outlive a test.
CONSOLE_THREADS = ("sse-reader", "api_", "keyring_", "localdb_")


@pytest.fixture
def console_home(tmp_path: Path) -> Iterator[Path]:
    """Settings, cache and outbox of this test live under tmp_path, never in the real user dirs."""
    home = tmp_path / "console-home"
    paths.set_base_dir(home)
    yield home
    paths.set_base_dir(None)


@pytest.fixture
def collect_on_the_gui_thread() -> Iterator[None]:
    """What console/garbage.py does in the app: no automatic collection in worker threads, where
    freeing a Qt object crashes; collect on this (the GUI) thread instead."""
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()


@pytest.fixture
def loop_always_running(qloop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Callbacks that Qt runs outside `arun` still see the qasync loop as the running loop.

    In the app the loop runs all the time. In a test, Qt also processes events outside
    `run_until_complete` (qtbot clicks, qasync's own final processEvents, pytest-qt's processEvents
    after the test body), and a task stepped there would fail with "no running event loop"
    (pytest-dev/pytest-qt#448). qasync runs every asyncio callback from `_SimpleTimer.timerEvent`.
    """
    original = qasync._SimpleTimer.timerEvent

    def timer_event(self: Any, event: Any) -> None:
        if asyncio.events._get_running_loop() is not None:
            original(self, event)
            return
        asyncio.events._set_running_loop(qloop)
        try:
            original(self, event)
        finally:
            asyncio.events._set_running_loop(None)

    monkeypatch.setattr(qasync._SimpleTimer, "timerEvent", timer_event)


@pytest.fixture
def until(arun: Callable[..., Any]) -> Callable[..., None]:
    """Run the event loop until `predicate()` is true (bounded polling, like aiortc's sleepWhile)."""

    def wait(predicate: Callable[[], object], timeout: float = 15.0, what: str = "") -> None:
        async def poll() -> None:
            # Polls like qtbot.waitUntil does, but keeps the asyncio loop running while it waits.
            while not predicate():  # noqa: ASYNC110 - an arbitrary predicate has no event to await
                await asyncio.sleep(0.02)

        try:
            arun(poll(), timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"timed out waiting for {what or predicate}") from None

    return wait


class Consoles:
    """Starts consoles the way app.run() does (minus QApplication) and always shuts them down."""

    def __init__(self, arun: Callable[..., Any], qtbot: Any, until: Callable[..., None]) -> None:
        self._arun = arun
        self._qtbot = qtbot
        self._until = until
        self.running: list[Console] = []

    def start(self, server_url: str, **overrides: Any) -> Console:
        options = Options(server_url=server_url, probe_interval=0.05, sse_backoff=(0.05, 0.2))
        for key, value in overrides.items():
            setattr(options, key, value)
        console = Console(options)
        self.running.append(console)
        console.window.show()
        self._arun(console.start())
        return console

    def login(self, console: Console, username: str = "marta", password: str = "demo") -> None:
        """Log in through the login view, as a person would, and wait for the agenda."""
        view = console.login_view
        view.username.setText(username)
        view.password.setText(password)
        self._qtbot.mouseClick(view.submit, Qt.MouseButton.LeftButton)
        self._until(lambda: console.window.stack.currentWidget() is console.window.workspace, what="login")
        self._until(lambda: console.agenda_model.rowCount() > 0, what="agenda rows")

    def stop(self, console: Console) -> None:
        self._arun(console.shutdown())
        self.running.remove(console)
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        gc.collect()


@pytest.fixture
def consoles(  # noqa: PLR0917 - pytest injects fixtures positionally by name
    arun: Callable[..., Any],
    qtbot: Any,
    until: Callable[..., None],
    console_home: Path,
    collect_on_the_gui_thread: None,
    loop_always_running: None,
) -> Iterator[Consoles]:
    factory = Consoles(arun, qtbot, until)
    yield factory
    for console in list(factory.running):
        factory.stop(console)
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
    leaked_threads = [t.name for t in threading.enumerate() if t.name.startswith(CONSOLE_THREADS)]
    assert not leaked_threads, f"threads left running: {leaked_threads}"
    leaked_windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert not leaked_windows, f"windows left open: {leaked_windows}"


class Client:
    """Another client of the same backend (e.g. a colleague's console), talking plain REST."""

    def __init__(self, api: str, token: str) -> None:
        self.api = api
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, appointment_id: str) -> dict[str, Any]:
        r = httpx.get(f"{self.api}/appointments/{appointment_id}", headers=self.headers, timeout=10)
        r.raise_for_status()
        return dict(r.json())

    def day(self, day: str) -> list[dict[str, Any]]:
        r = httpx.get(f"{self.api}/appointments", params={"day": day}, headers=self.headers, timeout=10)
        r.raise_for_status()
        return list(r.json())

    def patch(self, appointment_id: str, **body: Any) -> dict[str, Any]:
        r = httpx.patch(
            f"{self.api}/appointments/{appointment_id}", json=body, headers=self.headers, timeout=10
        )
        r.raise_for_status()
        return dict(r.json())


def client_for(server: Any, username: str = "marta") -> Client:
    return Client(server.api, server.login(username)["access_token"])
