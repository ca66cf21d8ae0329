"""Console tests run every test in the console environment (paths in tmp, GC on the GUI thread,
the qasync loop seen as running); the fixtures themselves live in tests/helpers/consoles.py."""

from __future__ import annotations

import pytest

from tests.helpers.consoles import Client, Consoles, client_for  # noqa: F401 - re-exported for tests


@pytest.fixture(autouse=True)
def _console_environment(
    console_home: object, collect_on_the_gui_thread: None, loop_always_running: None
) -> None:
    """Autouse here only: backend-only folders must not start a QApplication."""
