"""Screenshots of the console's views in every language and in high contrast, for people to look at
(build/screenshots/console-<lang>-<theme>-<view>.png). Also checks each grab really painted."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication, QWidget

from console import i18n
from console.i18n_build import compile_all
from console.resources import stylesheet

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
    compile_all(quiet=True)
    i18n.install(lang)
    i18n.install_qt(qapp, lang)
    qapp.setStyleSheet(stylesheet(theme))
    try:
        console = consoles.start(backend_server.url)
        console.agenda_model.set_theme(theme)  # as the settings dialog's theme_changed does
        window = console.window
        window.resize(1440, 860)
        save(window, f"console-{lang}-{theme}-1-login")
        consoles.login(console)
        agenda = console.agenda_view
        agenda.table.setFocus()
        agenda.table.selectRow(1)
        until(lambda: agenda.detail.appointment is not None, what="detail")
        save(window, f"console-{lang}-{theme}-2-agenda")
        console.open_checklist(agenda.detail.appointment)
        until(lambda: console.checklist_panel.list.model() is not None and console.checklist_dock.isVisible())
        save(window, f"console-{lang}-{theme}-3-checklist")
        dialog = console.preferences.open()
        dialog.resize(520, 320)
        save(dialog, f"console-{lang}-{theme}-4-settings")
        dialog.reject()
        for index in range(window.workspace.count()):
            window.workspace.setCurrentIndex(index)
            save(window, f"console-{lang}-{theme}-5-tab{index}")
    finally:
        i18n._translations = gettext.NullTranslations()
        i18n._language = i18n.DEFAULT_LANGUAGE
        i18n.install_qt(qapp, i18n.DEFAULT_LANGUAGE)
        qapp.setStyleSheet("")
