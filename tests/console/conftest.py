"""Console tests run every test in the console environment (paths in tmp, GC on the GUI thread,
the qasync loop seen as running); the fixtures themselves live in tests/helpers/consoles.py."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from PyQt6.QtWidgets import QApplication

from console import i18n
from console.i18n_build import compile_all
from console.resources import stylesheet
from tests.helpers.consoles import Client, Consoles, client_for  # noqa: F401 - re-exported for tests


@contextmanager
def ui_language(qapp: QApplication, lang: str, theme: str | None = None) -> Iterator[str]:
    """The console's language (its catalogue and Qt's), and a theme if given, for one test; then back
    to the default language and no style sheet."""
    compile_all(quiet=True)
    i18n.install(lang)
    i18n.install_qt(qapp, lang)
    if theme is not None:
        qapp.setStyleSheet(stylesheet(theme))
    try:
        yield lang
    finally:
        i18n._translations = gettext.NullTranslations()
        i18n._language = i18n.DEFAULT_LANGUAGE
        i18n.install_qt(qapp, i18n.DEFAULT_LANGUAGE)
        if theme is not None:
            qapp.setStyleSheet("")


@pytest.fixture
def language(request: pytest.FixtureRequest, qapp: QApplication) -> Iterator[str]:
    """Parametrise indirectly with a language code: the test runs in that UI language."""
    with ui_language(qapp, request.param) as lang:
        yield lang


@pytest.fixture(autouse=True)
def _console_environment(
    console_home: object, collect_on_the_gui_thread: None, loop_always_running: None
) -> None:
    """Autouse here only: backend-only folders must not start a QApplication."""
