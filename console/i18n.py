"""gettext for every console string (docs/DECISIONS.md), plus Qt's own qtbase translations.

Use `_()` at run time and `N_()` to mark constants that are translated later with `_()`.
"""

from __future__ import annotations

import gettext as _gettext

from console import paths

LANGUAGES = ("ca", "es", "eu", "en")
DEFAULT_LANGUAGE = "ca"
# Each language in its own name: what the language picker shows (never translated).
NATIVE_NAMES = {"ca": "Català", "es": "Castellano", "eu": "Euskara", "en": "English"}
# Dates, times and numbers: the language as written in Spain's offices; English as en_GB (24-hour
# clock, day/month/year) rather than QLocale("en")'s en_US.
LOCALES = {"ca": "ca_ES", "es": "es_ES", "eu": "eu_ES", "en": "en_GB"}
# Qt ships no Basque qtbase catalogue: our own (resources/i18n/eu/LC_MESSAGES/qtbase.po) covers the
# buttons, context menus, wizard and file dialog; any other Qt string falls back to Spanish.
QT_FALLBACK = {"eu": "es"}

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
    """Install qtbase_<lang>.qm so Qt's own dialogs and context menus follow the UI language.

    Called again on a live language change: the previous translators are removed first.
    """
    from PyQt6.QtCore import QLibraryInfo, QLocale, QTranslator

    if lang not in LANGUAGES:
        lang = DEFAULT_LANGUAGE
    QLocale.setDefault(QLocale(LOCALES[lang]))
    while _qt_translators:
        app.removeTranslator(_qt_translators.pop())  # type: ignore[attr-defined]
    translator = QTranslator()
    where = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{QT_FALLBACK.get(lang, lang)}", where):
        app.installTranslator(translator)  # type: ignore[attr-defined]
        _qt_translators.append(translator)
    ours = paths.resources_dir() / "i18n" / lang / "LC_MESSAGES" / "qtbase.mo"
    if ours.is_file():  # installed last, so Qt asks it first
        gettext_translator = _gettext_qt_translator(ours)
        app.installTranslator(gettext_translator)  # type: ignore[attr-defined]
        _qt_translators.append(gettext_translator)


def _gettext_qt_translator(mo: object) -> object:
    """A QTranslator answering from a gettext catalogue whose msgctxt is the Qt context."""
    from PyQt6.QtCore import QTranslator

    with open(str(mo), "rb") as handle:
        catalogue = _gettext.GNUTranslations(handle)

    class GettextTranslator(QTranslator):
        def translate(  # type: ignore[override]  # returns None, see below
            self, context: str | None, source: str | None, disambiguation: str | None = None, n: int = -1
        ) -> str | None:
            # None is a null QString: "not ours", so Qt asks the next translator (an empty one would stop).
            if not context or not source:
                return None
            text = catalogue.pgettext(context, source)
            return None if text == source else text

        def isEmpty(self) -> bool:
            return False

    return GettextTranslator()


def catalogue() -> _gettext.NullTranslations:
    """The installed console catalogue (console/retranslate.py maps texts back to their msgids)."""
    return _translations
