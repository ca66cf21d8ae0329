"""Screen-reader names for controls that only carry a hint.

A symbol-only tool button ("‹") with a tooltip, or a search field with a placeholder, is announced as
nothing by most screen readers; the tooltip or placeholder is the name a sighted user reads, so it
becomes the accessible name. Applied to every view the main window shows (MainWindow.add_view); a
control with an explicit accessibleName, a worded button or a buddy label keeps its own.
"""

from __future__ import annotations

import re

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QWidget


def name_from_hints(root: QWidget) -> None:
    buddies = {id(label.buddy()) for label in root.findChildren(QLabel) if label.buddy() is not None}
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.accessibleName():
            continue
        if id(widget) in buddies:
            continue
        if isinstance(widget, QAbstractButton) and re.search(r"\w", widget.text()):
            continue
        hint = widget.toolTip()
        if not hint and isinstance(widget, QLineEdit):
            hint = widget.placeholderText()
        if hint and "<" not in hint:  # never a rich-text tooltip (those carry citizen text)
            widget.setAccessibleName(hint)
