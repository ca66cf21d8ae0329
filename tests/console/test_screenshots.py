"""Screenshots of the console's views in every language and in high contrast, for people to look at
(build/screenshots/console-<lang>-<theme>-<view>.png). Also checks each grab really painted."""

from __future__ import annotations

from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication, QWidget

from console.services.tasks import spawn
from tests.console.conftest import ui_language

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def save(widget: QWidget, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    QApplication.processEvents()
    image = widget.grab()
    assert image.width() > 100 and image.height() > 100
    assert image.save(str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize(
    ("lang", "theme"),
    [("ca", "light"), ("es", "light"), ("eu", "light"), ("en", "light"), ("ca", "high_contrast")],
)
def test_views_in_each_language_and_theme(lang, theme, backend_server, consoles, qapp, until):  # noqa: PLR0917
    with ui_language(qapp, lang, theme):
        console = consoles.start(backend_server.url)
        console.agenda_model.set_theme(theme)  # as the settings dialog's theme_changed does
        window = console.window
        window.resize(1440, 860)
        save(window, f"console-{lang}-{theme}-1-login")
        consoles.login(console)
        agenda = console.agenda_view
        agenda.table.setFocus()
        until(lambda: console.agenda_model.rowCount() > 0, what="the seeded day")
        # An attended appointment still to come: its checklist has every identification item to show.
        appt = next(
            a
            for a in console.agenda_model.appointments()
            if a.status in ("scheduled", "confirmed") and a.level == "atesa"
        )
        assert agenda.select_appointment(appt.id)
        until(lambda: agenda.detail.appointment is not None, what="detail")
        save(window, f"console-{lang}-{theme}-2-agenda")
        # Every status button shows its whole translated label (Spanish ones were cut at 320 px).
        cut = [b.text() for b in agenda.detail.action_buttons.values() if b.width() < b.sizeHint().width()]
        assert cut == [], cut
        console.open_checklist(appt)
        until(lambda: console.checklist_dock.isVisible() and console.checklist_panel.list.model() is not None)
        until(lambda: console.checklist_panel.list.model().rowCount() > 5, what="the checklist's items")
        save(window, f"console-{lang}-{theme}-3-checklist")
        spawn(console.open_wizard(appt))
        until(lambda: bool(console._wizards), what="the tràmit wizard")
        wizard = console._wizards[appt.id]
        save(wizard, f"console-{lang}-{theme}-6-wizard")
        wizard.reject()
        until(lambda: not console._wizards, what="the wizard closed")
        dialog = console.preferences.open()
        dialog.resize(520, 320)
        save(dialog, f"console-{lang}-{theme}-4-settings")
        dialog.reject()
        for index in range(window.workspace.count()):
            window.workspace.setCurrentIndex(index)
            save(window, f"console-{lang}-{theme}-5-tab{index}")


@pytest.mark.parametrize(("lang", "theme"), [("ca", "light"), ("es", "light"), ("ca", "high_contrast")])
def test_supervisor_board_in_each_language(lang, theme, backend_server, consoles, qapp, until):  # noqa: PLR0917
    with ui_language(qapp, lang, theme):
        supervisor = consoles.start(backend_server.url)
        supervisor.window.resize(1440, 860)
        consoles.login(supervisor, "laia")
        board = supervisor.supervisor
        until(lambda: board.informadors.rowCount() > 0 and board.office_kpis.rowCount() > 0, what="the board")
        supervisor.window.workspace.setCurrentWidget(supervisor.supervisor_view)
        until(supervisor.supervisor_view.isVisible, what="the board shown")
        save(supervisor.window, f"console-{lang}-{theme}-7-supervisor")
