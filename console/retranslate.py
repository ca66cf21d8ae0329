"""Live language change for widgets that were built with `_()` texts, without rebuilding them.

Every text a widget shows that is exactly a translation in the previous catalogue is mapped back to
its msgid and translated again with the new one (labels, buttons, tooltips, placeholders, accessible
names, combo box items, tab titles, actions); item models re-fetch their headers and cells, which call
`_()` when asked. Texts composed at run time ("3 conflicts") are not in the catalogue: they follow at
their next update, and a view that wants them at once defines `retranslate()`, called afterwards.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterable

from PyQt6.QtCore import QAbstractItemModel, Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTabWidget,
    QWidget,
)


def reverse_map(catalogue: gettext.NullTranslations) -> dict[str, str]:
    """translated text → msgid, for the singular messages of a compiled catalogue."""
    messages: dict[object, str] = getattr(catalogue, "_catalog", {})
    out: dict[str, str] = {}
    for key, text in messages.items():
        if isinstance(key, str) and key and text:
            out.setdefault(text, key)
    for key in messages:  # an untranslated text shows its (English) msgid
        if isinstance(key, str) and key:
            out.setdefault(key, key)
    return out


def retranslate(roots: Iterable[QWidget], old: gettext.NullTranslations, new: Callable[[str], str]) -> None:
    back = reverse_map(old)

    def again(text: str) -> str:
        msgid = back.get(text) if text else None
        return new(msgid) if msgid is not None else text

    seen: set[int] = set()
    for root in roots:
        for widget in [root, *root.findChildren(QWidget)]:
            if id(widget) in seen:
                continue
            seen.add(id(widget))
            _widget(widget, again)
        for action in root.findChildren(QAction):
            action.setText(again(action.text()))
            action.setToolTip(again(action.toolTip()))
    for root in roots:
        for widget in [root, *root.findChildren(QWidget)]:
            hook = getattr(widget, "retranslate", None)
            if callable(hook):
                hook()


def _widget(widget: QWidget, again: Callable[[str], str]) -> None:
    widget.setToolTip(again(widget.toolTip()))
    widget.setAccessibleName(again(widget.accessibleName()))
    widget.setAccessibleDescription(again(widget.accessibleDescription()))
    if widget.isWindow():
        widget.setWindowTitle(again(widget.windowTitle()))
    if isinstance(widget, QLabel | QAbstractButton) and not _rich(widget):
        widget.setText(again(widget.text()))
    elif isinstance(widget, QLineEdit):
        widget.setPlaceholderText(again(widget.placeholderText()))
    elif isinstance(widget, QGroupBox):
        widget.setTitle(again(widget.title()))
    elif isinstance(widget, QComboBox):
        for i in range(widget.count()):
            widget.setItemText(i, again(widget.itemText(i)))
    elif isinstance(widget, QTabWidget):
        for i in range(widget.count()):
            widget.setTabText(i, again(widget.tabText(i)))
            widget.setTabToolTip(i, again(widget.tabToolTip(i)))
    if isinstance(widget, QAbstractItemView):
        _refresh_model(widget.model())


def _refresh_model(model: QAbstractItemModel | None) -> None:
    """Models translate in data()/headerData(): tell the views to ask again."""
    seen: set[int] = set()
    while model is not None and id(model) not in seen:
        seen.add(id(model))
        rows, columns = model.rowCount(), _columns(model)
        if columns:
            model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, columns - 1)
        if rows and columns:
            model.dataChanged.emit(model.index(0, 0), model.index(rows - 1, columns - 1))
        source = getattr(model, "sourceModel", None)  # proxies: the source translates
        model = source() if callable(source) else None


def _rich(widget: QWidget) -> bool:
    """Rich-text labels carry markup: never rewrite them as plain text."""
    return isinstance(widget, QLabel) and widget.textFormat() == Qt.TextFormat.RichText


def _columns(model: QAbstractItemModel) -> int:
    try:
        return model.columnCount()
    except TypeError:  # PyQt6 makes QAbstractListModel.columnCount private: it has one column
        return 1
