"""Typed console settings stored in an INI file (QSettings). Never secrets: those go to keyring."""

from __future__ import annotations

from PyQt6.QtCore import QObject, QSettings

from console import paths

SETTINGS_VERSION = 1


class Settings:
    """Typed accessors for each option, with defaults in one place."""

    def __init__(self, parent: QObject | None = None) -> None:
        # With a parent, the QSettings is deleted with it on the GUI thread (see console/garbage.py).
        self._qs = QSettings(str(paths.settings_file()), QSettings.Format.IniFormat, parent)
        if self._qs.value("settings_version") is None:
            self._qs.setValue("settings_version", SETTINGS_VERSION)

    def _str(self, key: str, default: str = "") -> str:
        value = self._qs.value(key, default)
        return str(value) if value is not None else default

    @property
    def server_url(self) -> str:
        return self._str("server/url")

    @server_url.setter
    def server_url(self, value: str) -> None:
        self._qs.setValue("server/url", value)

    @property
    def username(self) -> str:
        return self._str("server/username")

    @username.setter
    def username(self, value: str) -> None:
        self._qs.setValue("server/username", value)

    @property
    def language(self) -> str:
        return self._str("ui/language", "ca")

    @language.setter
    def language(self, value: str) -> None:
        self._qs.setValue("ui/language", value)

    def sync(self) -> None:
        self._qs.sync()
