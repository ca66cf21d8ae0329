"""One backend process per test module; each test takes its own appointment."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from console.scripts.loader import default_scripts_dir
from tests.checklists.support import ChecklistBackend
from tests.helpers.backend_server import BackendProcess, session_day


@pytest.fixture(scope="module")
def checklist_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChecklistBackend]:
    # The served scripts are a copy, so a test can break one file the way an office's edit could.
    scripts = tmp_path_factory.mktemp("scripts") / "scripts"
    shutil.copytree(default_scripts_dir(), scripts)
    server = BackendProcess(
        tmp_path_factory.mktemp("checklists"),
        session_day(),
        env={"VIDEOATENCIO_CITIZEN_IP_ATTEMPTS": "100000", "VIDEOATENCIO_SCRIPTS_DIR": str(scripts)},
    )
    server.start()
    try:
        yield ChecklistBackend(server, scripts_dir=scripts)
    finally:
        server.stop()
