"""Shared test configuration. Fixtures live in tests/helpers/ plugin modules, one per concern."""

import os

# Qt must never try a real display unless a test starts Xvfb itself (BASELINES: no DISPLAY → SIGABRT).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.helpers.asyncloop",
    "tests.helpers.backend_server",
    "tests.helpers.browser",
    "tests.helpers.consoles",
]
