"""gettext for every console string (docs/DECISIONS.md), plus Qt's own qtbase translations.

Use `_()` at run time and `N_()` to mark constants that are translated later with `_()`.
"""

from __future__ import annotations

import gettext as _gettext

from console import paths

LANGUAGES = ("ca", "es", "eu", "en")
DEFAULT_LANGUAGE = "ca"

_translations: _gettext.NullTranslations = _gettext.NullTranslations()
_language = DEFAULT_LANGUAGE
_qt_translators: list[object] = []  # kept alive: Qt does not own installed translators


def _(message: str) -> str:
    return _translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    return message


def language() -> str:
    return _language


def install(lang: str) -> None:
    """Load the console catalogue for `lang` (compiled .mo under resources/i18n)."""
    global _translations, _language  # noqa: PLW0603 - the process-wide UI language
    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    _language = lang
    _translations = _gettext.translation(
        "console", localedir=str(paths.resources_dir() / "i18n"), languages=[lang], fallback=True
    )


def install_qt(app: object, lang: str) -> None:
    """Install qtbase_<lang>.qm so Qt's own dialogs and context menus follow the UI language."""
    from PyQt6.QtCore import QLibraryInfo, QLocale, QTranslator

    QLocale.setDefault(QLocale(lang))
    translator = QTranslator()
    where = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{lang}", where):
        app.installTranslator(translator)  # type: ignore[attr-defined]
        _qt_translators.append(translator)
