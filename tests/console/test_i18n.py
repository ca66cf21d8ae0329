"""No visible string is left untranslated in any shipped language.

1. Static: every msgid marked with `_()`/`N_()`/`ngettext()` anywhere under console/ is translated
   (non-empty, not fuzzy) in each language's console.po. New modules are covered automatically.
2. Rendered: the real console window (every tab that exists, hidden ones too), the settings dialog and
   every view class that can be built without arguments are built in each language; no text, tooltip,
   placeholder, accessible name, combo item, tab title, action or column header may still be an
   English msgid whose translation differs (a `_()` evaluated too early, before the language was set).
"""

from __future__ import annotations

import gettext
import importlib
import inspect
import pkgutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from PyQt6.QtCore import QAbstractItemModel, Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)

import console.views
from console import i18n, paths
from console.i18n_build import compile_all

CONSOLE = Path(__file__).resolve().parents[2] / "console"
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def used_msgids() -> set[str]:
    found: set[str] = set()
    for file in sorted(CONSOLE.rglob("*.py")):
        for _lineno, message, _comments, _context in extract_from_file(
            "python", str(file), keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalogue_translates_every_used_string(lang):
    po = paths.resources_dir() / "i18n" / lang / "LC_MESSAGES" / "console.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id and m.string}
    missing = sorted(used_msgids() - set(translated))
    assert not missing, f"{lang}: untranslated {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy


def test_catalan_is_installed_from_the_compiled_catalogue():
    compile_all(quiet=True)
    try:
        i18n.install("ca")
        assert i18n._("Log in") == "Inicia la sessió"
        assert i18n._("Cancelled") == "Cancel·lada"
        assert i18n.ngettext("{n} conflict", "{n} conflicts", 2) == "{n} conflictes"
    finally:
        i18n._translations = gettext.NullTranslations()
        i18n._language = i18n.DEFAULT_LANGUAGE


# -- rendered ---------------------------------------------------------------------------------------
def visible_texts(root: QWidget) -> Iterator[tuple[str, str]]:
    """(where, text) for everything a person or a screen reader gets from the widgets under root."""
    for widget in [root, *root.findChildren(QWidget)]:
        name = f"{type(widget).__name__}#{widget.objectName()}"
        yield f"{name}.toolTip", widget.toolTip()
        yield f"{name}.accessibleName", widget.accessibleName()
        yield f"{name}.windowTitle", widget.windowTitle()
        if isinstance(widget, QLabel | QAbstractButton):
            yield f"{name}.text", widget.text()
        if isinstance(widget, QLineEdit):
            yield f"{name}.placeholder", widget.placeholderText()
        if isinstance(widget, QGroupBox):
            yield f"{name}.title", widget.title()
        if isinstance(widget, QComboBox):
            for i in range(widget.count()):
                yield f"{name}.item{i}", widget.itemText(i)
        if isinstance(widget, QTabWidget):
            for i in range(widget.count()):
                yield f"{name}.tab{i}", widget.tabText(i)
        if isinstance(widget, QAbstractItemView) and isinstance(widget.model(), QAbstractItemModel):
            model = widget.model()
            for column in range(columns(model)):
                header = model.headerData(column, Qt.Orientation.Horizontal)
                if isinstance(header, str):
                    yield f"{name}.header{column}", header
    for action in root.findChildren(QAction):
        yield f"QAction.{action.objectName()}", action.text()


def columns(model: QAbstractItemModel) -> int:
    try:
        return model.columnCount()
    except TypeError:  # PyQt6 makes QAbstractListModel.columnCount private: one column
        return 1


def view_classes() -> list[type[QWidget]]:
    """Every QWidget subclass defined in console.views.* (views that land later are included)."""
    found = []
    for info in pkgutil.iter_modules(console.views.__path__, "console.views."):
        module = importlib.import_module(info.name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, QWidget) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def buildable_without_arguments(cls: type[QWidget]) -> QWidget | None:
    try:
        return cls()
    except TypeError:  # needs a model or data: covered through the main window instead
        return None


# Texts that are English msgids on purpose, each with why.
ALLOWED = {
    # The language picker names each language in itself (console/i18n.py NATIVE_NAMES).
    ("QComboBox#languagePicker", "English"),
}


def untranslated(roots: list[QWidget], lang: str) -> list[str]:
    msgids = used_msgids()
    problems = []
    for root in roots:
        for where, text in visible_texts(root):
            if (where.split(".")[0], text) in ALLOWED:
                continue
            if text in msgids and i18n._(text) != text:
                problems.append(f"{where}: {text!r} (should be {i18n._(text)!r})")
    return problems


@pytest.mark.parametrize("language", ["ca", "es", "eu"], indirect=True)
def test_no_english_left_in_any_view(language, consoles, qtbot):
    console = consoles.start("")  # no server: the login view, with every workspace tab built
    dialog = console.preferences.open()
    roots: list[QWidget] = [console.window, dialog, console.call_panel]
    for cls in view_classes():
        widget = buildable_without_arguments(cls)
        if widget is not None:
            qtbot.addWidget(widget)
            roots.append(widget)
    assert len(roots) > 3
    assert untranslated(roots, language) == []
    # Qt's own strings come from qtbase_<lang>.qm; Basque from our qtbase.po (console/i18n.py).
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert (
        ok is not None
        and ok.text()
        in {"ca": ["D'acord", "&D'acord"], "es": ["&Aceptar", "Aceptar"], "eu": ["Ados"]}[language]
    )
    dialog.reject()


def test_qt_strings_in_basque_with_spanish_behind(qapp, qtbot):
    from PyQt6.QtCore import QCoreApplication
    from PyQt6.QtWidgets import QWizard

    compile_all(quiet=True)
    try:
        i18n.install_qt(qapp, "eu")
        wizard = QWizard()
        qtbot.addWidget(wizard)
        finish = wizard.button(QWizard.WizardButton.FinishButton)
        assert finish is not None and finish.text() == "&Amaitu"
        assert QCoreApplication.translate("QLineEdit", "&Paste") == "&Itsatsi"
        assert QCoreApplication.translate("QFileDialog", "Save As") == "Gorde honela"
        # What our Basque catalogue lacks still comes from Qt's Spanish one, never English.
        assert QCoreApplication.translate("QShortcut", "Ctrl") == "Control"
        i18n.install_qt(qapp, "ca")  # a language change takes the Basque translator away
        assert QCoreApplication.translate("QLineEdit", "&Paste") != "&Itsatsi"
    finally:
        i18n.install_qt(qapp, i18n.DEFAULT_LANGUAGE)
