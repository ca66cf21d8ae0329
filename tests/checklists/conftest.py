"""One backend process per test module; each test takes its own appointment."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.checklists.support import ChecklistBackend
from tests.helpers.backend_server import BackendProcess, session_day


@pytest.fixture(scope="module")
def checklist_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChecklistBackend]:
    server = BackendProcess(
        tmp_path_factory.mktemp("checklists"),
        session_day(),
        env={"VIDEOATENCIO_CITIZEN_IP_ATTEMPTS": "100000"},
    )
    server.start()
    try:
        yield ChecklistBackend(server)
    finally:
        server.stop()
