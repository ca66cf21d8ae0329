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

    @property
    def theme(self) -> str:
        """ "system" | "light" | "high_contrast" (console/resources.py THEMES)."""
        return self._str("ui/theme", "system")

    @theme.setter
    def theme(self, value: str) -> None:
        self._qs.setValue("ui/theme", value)

    # Preferred devices, by name ("" = the system default): indices change when devices come and go.
    @property
    def microphone(self) -> str:
        return self._str("devices/microphone")

    @microphone.setter
    def microphone(self, value: str) -> None:
        self._qs.setValue("devices/microphone", value)

    @property
    def speaker(self) -> str:
        return self._str("devices/speaker")

    @speaker.setter
    def speaker(self, value: str) -> None:
        self._qs.setValue("devices/speaker", value)

    @property
    def camera(self) -> str:
        return self._str("devices/camera")

    @camera.setter
    def camera(self, value: str) -> None:
        self._qs.setValue("devices/camera", value)

    def stored_keys(self) -> list[str]:
        """Every stored key (tests check that no secret ever lands here)."""
        return list(self._qs.allKeys())

    def sync(self) -> None:
        self._qs.sync()
