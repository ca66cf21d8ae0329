"""Settings dialog: stored with QSettings (never secrets), URL validated, language and theme live."""

from __future__ import annotations

import dataclasses
import gettext

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QApplication

from console import i18n
from console.i18n_build import compile_all
from console.settings import Settings
from console.views.login import LoginView
from console.views.main_window import MainWindow
from console.views.settings_dialog import SettingsController, valid_server_url


@pytest.fixture
def catalan(qapp):
    compile_all(quiet=True)
    i18n.install("ca")
    i18n.install_qt(qapp, "ca")
    yield
    i18n._translations = gettext.NullTranslations()
    i18n._language = i18n.DEFAULT_LANGUAGE
    i18n.install_qt(qapp, "ca")
    qapp.setStyleSheet("")


@pytest.fixture
def window(qtbot, catalan):
    win = MainWindow(LoginView())
    qtbot.addWidget(win)
    win.show()
    return win


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://videoatencio.example.cat", True),
        ("http://127.0.0.1:8000/base", True),
        ("ftp://x", False),
        ("https://", False),
        ("videoatencio.example.cat", False),
        ("https://user:pw@host", False),  # credentials never go in a URL or in QSettings
        ("https://host:99999", False),
    ],
)
def test_server_url_validation(url, ok):
    assert valid_server_url(url) is ok


def test_ctrl_comma_opens_settings_and_choices_are_stored_and_applied_live(window, qtbot, qapp):
    settings = Settings()
    controller = SettingsController(window, settings)
    window.settings_requested.connect(controller.open)
    assert window.login.submit.text() == "Inicia la sessió"

    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_Comma, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: controller.dialog is not None and controller.dialog.isVisible())
    dialog = controller.dialog
    assert dialog.windowTitle() == "Configuració"
    qtbot.waitUntil(lambda: dialog.microphone.count() > 0)  # listed off the GUI thread
    dialog.language.setCurrentIndex(dialog.language.findData("es"))
    dialog.theme.setCurrentIndex(dialog.theme.findData("high_contrast"))
    dialog.server.setText("https://oac.example.cat")
    dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: controller.dialog is None)

    stored = Settings()
    assert (stored.language, stored.theme, stored.server_url) == (
        "es",
        "high_contrast",
        "https://oac.example.cat",
    )
    secrets = ("token", "password", "secret")
    assert not [k for k in stored.stored_keys() if any(s in k.lower() for s in secrets)]
    # Live: the window's texts are Spanish now, Qt's own strings too, and the high-contrast sheet is on.
    assert window.login.submit.text() == "Iniciar sesión"
    assert window.settings_action.text() == "&Configuración…"
    assert "#00e5ff" in qapp.styleSheet()


def test_invalid_url_keeps_the_dialog_open_and_says_why(window, qtbot):
    controller = SettingsController(window, Settings())
    dialog = controller.open()
    dialog.server.setText("oac.example.cat")
    dialog.accept()
    assert dialog.isVisible()
    assert not dialog.error.isHidden() and "https://" in dialog.error.text()
    assert Settings().server_url == ""
    dialog.reject()


def test_no_devices_shows_none_found(window, qtbot):
    controller = SettingsController(window, Settings())
    dialog = controller.open()
    dialog.set_devices([], ["Built-in speaker"], [])
    assert not dialog.microphone.isEnabled() and dialog.microphone.currentText() == "No se n'ha trobat cap"
    assert dialog.speaker.isEnabled() and dialog.speaker.count() == 2
    dialog.reject()
    QApplication.processEvents()


def test_changed_devices_are_stored_and_announced_for_the_calls(window, qtbot, tmp_path, monkeypatch):
    """The call service gets the names chosen in Settings through devices_changed (wired in app.py)."""
    monkeypatch.setattr("console.paths.settings_file", lambda: tmp_path / "console.ini")
    settings = Settings()
    controller = SettingsController(window, settings)
    before = controller.current()
    chosen = dataclasses.replace(before, microphone="USB Mic", camera="Integrated Camera")
    with qtbot.waitSignal(controller.devices_changed) as got:
        controller.apply(chosen)
    assert got.args == ["USB Mic", "", "Integrated Camera"]
    assert (settings.microphone, settings.speaker, settings.camera) == ("USB Mic", "", "Integrated Camera")
    with qtbot.assertNotEmitted(controller.devices_changed):
        controller.apply(chosen)  # nothing changed: no signal
