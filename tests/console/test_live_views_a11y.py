"""Names and translations of the views that only exist with data: the checklist with each kind of item
editor, the tràmit wizard, the supervisor board, and the dialogs that need arguments.

tests/console/test_keyboard.py and test_i18n.py check every view that can be built alone; these are the
rest, built the way the console builds them, against the real backend, in Spanish (so a text that
stayed English is visible as such).
"""

from __future__ import annotations

import pytest
from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtWidgets import QApplication, QWidget

from console.services.tasks import spawn
from console.views.checklist import OverrideDialog
from console.views.demo_dialog import CitizenMessagesDialog
from console.views.supervisor import ReassignDialog
from tests.console.test_i18n import untranslated
from tests.console.test_keyboard import unnamed


def check(roots: list[QWidget], lang: str) -> None:
    missing = unnamed(roots)
    assert missing == [], missing
    assert untranslated(roots, lang) == []


@pytest.mark.parametrize("language", ["es"], indirect=True)
def test_checklist_editors_and_wizard(language, backend_server, consoles, qtbot, until):
    console = consoles.start(backend_server.url)
    consoles.login(console)
    until(lambda: console.agenda_model.rowCount() > 0, what="the seeded day")
    appt = next(
        a
        for a in console.agenda_model.appointments()
        if a.status in ("scheduled", "confirmed") and a.level == "atesa"
    )
    console.open_checklist(appt)
    panel = console.checklist_panel
    until(lambda: panel.list.model() is not None and panel.list.model().rowCount() > 5, what="checklist")
    model = panel.list.model()
    editors = set()
    for row in range(model.rowCount()):
        index = model.index(row, 0)
        if not index.flags() & Qt.ItemFlag.ItemIsSelectable:
            continue  # a section heading
        panel.list.setCurrentIndex(index)
        # The previous item's editor is gone once its deleteLater() ran, as after any event-loop turn.
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        if panel._editor is not None:
            editors.add(type(panel._editor).__name__)
            check([panel], language)
    # Every kind of identification editor was on screen while the names were checked.
    assert {"IdDocumentEditor", "DataMatchEditor", "ConsentEditor"} <= editors, editors

    spawn(console.open_wizard(appt))
    until(lambda: appt.id in console._wizards, what="the tràmit wizard")
    wizard = console._wizards[appt.id]
    check([wizard], language)
    wizard.reject()
    until(lambda: not console._wizards, what="the wizard closed")

    dialogs: list[QWidget] = [
        OverrideDialog([("close_resolved", "Close as resolved")]),
        CitizenMessagesDialog(appt.id, appt.citizen_name),
    ]
    for dialog in dialogs:
        qtbot.addWidget(dialog)
    assert unnamed(dialogs) == []


@pytest.mark.parametrize("language", ["es"], indirect=True)
def test_supervisor_board_and_reassign_dialog(language, backend_server, consoles, qtbot, until):
    supervisor = consoles.start(backend_server.url)
    consoles.login(supervisor, "laia")
    board = supervisor.supervisor
    until(lambda: board.informadors.rowCount() > 0 and board.office_kpis.rowCount() > 0, what="the board")
    view = supervisor.supervisor_view
    check([view], language)
    informadors = [board.informadors.row(r) for r in range(board.informadors.rowCount())]
    dialog = ReassignDialog(informadors)
    qtbot.addWidget(dialog)
    check([dialog], language)
