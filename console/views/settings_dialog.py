"""The settings dialog (language, audio/video devices, server address, theme) and its controller.

The dialog only shows values and returns what was chosen; SettingsController stores them with
console/settings.py and applies language and theme live.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urlsplit

from PyQt6 import sip
from PyQt6.QtCore import QObject, Qt, pyqtSignal
from PyQt6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from console import i18n
from console.i18n import LANGUAGES, N_, NATIVE_NAMES, _
from console.resources import stylesheet
from console.retranslate import retranslate
from console.services.tasks import spawn
from console.settings import Settings

THEME_NAMES = {
    "system": N_("Same as the system"),
    "light": N_("Light"),
    "high_contrast": N_("High contrast"),
}


@dataclass
class Preferences:
    language: str
    theme: str
    server_url: str
    microphone: str  # device names; "" = the system default
    speaker: str
    camera: str


def valid_server_url(text: str) -> bool:
    """http(s)://host[:port][/path], nothing else (no credentials in the URL)."""
    try:
        parts = urlsplit(text.strip())
        port = parts.port  # raises ValueError for a bad port
    except ValueError:
        return False
    del port
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not parts.username


class SettingsDialog(QDialog):
    def __init__(self, current: Preferences, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle(_("Settings"))
        self.setMinimumWidth(480)
        self._current = current

        self.language = QComboBox(self)
        self.language.setObjectName("languagePicker")
        for code in LANGUAGES:
            self.language.addItem(NATIVE_NAMES[code], code)
        self.theme = QComboBox(self)
        for code, name in THEME_NAMES.items():
            self.theme.addItem(_(name), code)
        self.server = QLineEdit(self)
        self.server.setPlaceholderText("https://videoatencio.example.cat")
        self.server.setInputMethodHints(Qt.InputMethodHint.ImhUrlCharactersOnly)
        self.microphone = QComboBox(self)
        self.speaker = QComboBox(self)
        self.camera = QComboBox(self)
        self.error = QLabel(self)
        self.error.setObjectName("settingsError")
        self.error.setTextFormat(Qt.TextFormat.PlainText)
        self.error.setWordWrap(True)
        self.error.hide()

        form = QFormLayout()
        for text, field in (
            (_("Language"), self.language),
            (_("Theme"), self.theme),
            (_("Server address"), self.server),
            (_("Microphone"), self.microphone),
            (_("Speaker"), self.speaker),
            (_("Camera"), self.camera),
        ):
            label = QLabel(text, self)
            label.setBuddy(field)  # screen readers name the field after its label
            field.setAccessibleName(text)
            form.addRow(label, field)
        self.note = QLabel(_("Devices apply to the next call."), self)
        self.note.setObjectName("sectionTitle")
        self.note.setWordWrap(True)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

        self._select(self.language, current.language)
        self._select(self.theme, current.theme)
        self.server.setText(current.server_url)
        self.set_devices([], [], [])
        self.language.setFocus()

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(index, 0))

    def set_devices(self, microphones: list[str], speakers: list[str], cameras: list[str]) -> None:
        """Fill the device pickers (names); an empty list shows "None found" and disables the picker."""
        for combo, names, chosen in (
            (self.microphone, microphones, self._current.microphone),
            (self.speaker, speakers, self._current.speaker),
            (self.camera, cameras, self._current.camera),
        ):
            combo.clear()
            if not names:
                combo.addItem(_("None found"), "")
                combo.setEnabled(False)
                continue
            combo.setEnabled(True)
            combo.addItem(_("System default"), "")
            for name in names:
                combo.addItem(name, name)
            if chosen and combo.findData(chosen) < 0:  # remembered, but not plugged in now
                combo.addItem(_("{device} (not connected)").format(device=chosen), chosen)
            self._select(combo, chosen)

    def preferences(self) -> Preferences:
        return Preferences(
            language=str(self.language.currentData()),
            theme=str(self.theme.currentData()),
            server_url=self.server.text().strip(),
            microphone=str(self.microphone.currentData() or ""),
            speaker=str(self.speaker.currentData() or ""),
            camera=str(self.camera.currentData() or ""),
        )

    def accept(self) -> None:
        url = self.server.text().strip()
        if url and not valid_server_url(url):
            self.error.setText(_("The server address must start with https:// or http:// and name a server."))
            self.error.show()
            self.server.setFocus()
            return
        super().accept()


class SettingsController(QObject):
    """Opens the dialog from the main window, stores the choices (QSettings, never secrets) and applies
    language and theme live: the style sheet is replaced and every open window is re-translated.

    Signals:
        language_changed: arg: language code (after the console's texts were re-translated)
        theme_changed: arg: theme code
        server_url_changed: arg: the new address (used at the next login)
        devices_changed: args: microphone, speaker, camera names ("" = the system default), for the
            call service's next and current call
    """

    language_changed = pyqtSignal(str)
    theme_changed = pyqtSignal(str)
    server_url_changed = pyqtSignal(str)
    devices_changed = pyqtSignal(str, str, str)

    def __init__(self, window: QWidget, settings: Settings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window = window
        self.settings = settings
        self.dialog: SettingsDialog | None = None

    def current(self) -> Preferences:
        s = self.settings
        return Preferences(s.language, s.theme, s.server_url, s.microphone, s.speaker, s.camera)

    def open(self) -> SettingsDialog:
        """Show the dialog (window-modal, not exec(): the asyncio loop keeps running)."""
        if self.dialog is not None:
            self.dialog.raise_()
            return self.dialog
        dialog = SettingsDialog(self.current(), self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.apply(dialog.preferences()))
        dialog.destroyed.connect(self._forget)
        self.dialog = dialog
        dialog.open()
        spawn(self._list_devices(dialog))
        return dialog

    def _forget(self) -> None:
        self.dialog = None

    async def _list_devices(self, dialog: SettingsDialog) -> None:
        from console.call import devices

        def work() -> tuple[list[str], list[str], list[str]]:  # PortAudio and sysfs: off the GUI thread
            return (
                [d.name for d in devices.microphones()],
                [d.name for d in devices.speakers()],
                [c.name for c in devices.list_cameras()],
            )

        names = await asyncio.get_running_loop().run_in_executor(None, work)
        if self.dialog is dialog and not sip.isdeleted(dialog):
            dialog.set_devices(*names)

    def apply(self, chosen: Preferences) -> None:
        before = self.current()
        s = self.settings
        s.microphone, s.speaker, s.camera = chosen.microphone, chosen.speaker, chosen.camera
        devices = (chosen.microphone, chosen.speaker, chosen.camera)
        if devices != (before.microphone, before.speaker, before.camera):
            self.devices_changed.emit(*devices)
        if chosen.server_url != before.server_url:
            s.server_url = chosen.server_url
            self.server_url_changed.emit(chosen.server_url)
        if chosen.theme != before.theme:
            s.theme = chosen.theme
            apply_theme(chosen.theme)
            self.theme_changed.emit(chosen.theme)
        if chosen.language != before.language:
            s.language = chosen.language
            apply_language(chosen.language)
            self.language_changed.emit(chosen.language)
        s.sync()


def apply_theme(theme: str) -> None:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        app.setStyleSheet(stylesheet(theme))


def apply_language(lang: str) -> None:
    """Switch the console's catalogue, Qt's own strings and the locale, then re-translate every window."""
    old = i18n.catalogue()
    i18n.install(lang)
    app = QApplication.instance()
    if app is not None:
        i18n.install_qt(app, lang)
    retranslate(QApplication.topLevelWidgets(), old, i18n._)
