"""What a label, banner or button means (error, ok, warning, …), as a property the style sheet colours.

Views say the meaning, never a colour: resources/styles/00_base.qss maps each tone to theme variables
(console/resources.py), so the high-contrast theme reaches every message without per-view overrides.
"""

from __future__ import annotations

from typing import Literal

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import QLabel, QWidget

Tone = Literal["error", "ok", "muted", "note", "info", "warning", "alert", "panel", "danger", ""]


def set_tone(widget: QWidget, tone: Tone) -> None:
    """Set (or, with "", clear) the tone; re-polish so a change on a shown widget repaints at once."""
    if widget.property("tone") == (tone or None):
        return
    widget.setProperty("tone", tone or None)
    repolish(widget)


def repolish(widget: QWidget) -> None:
    """Re-evaluate the style sheet's [property=…] selectors after a property changed."""
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)
    widget.update()


def gate_note_label(parent: QWidget, object_name: str) -> QLabel:
    """The hidden note that says why an action waits for a checklist gate: plain text (the reason may
    come from a supervisor's override), wrapped, in the "note" tone. One factory for every view."""
    label = QLabel(parent)
    label.setObjectName(object_name)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    set_tone(label, "note")
    label.hide()
    return label
