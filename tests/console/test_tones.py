"""Messages are coloured by meaning through the theme (console/views/tone.py), readable in both themes.

The WCAG ratios are computed from the theme variables each tone uses: AA (4.5:1) in the light theme,
AAA (7:1) in high contrast. And the views name tones, not colours: a hex colour written in a view would
stay light-themed in high contrast (dark text on black), which is how such bugs looked before.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PyQt6.QtWidgets import QApplication, QLabel, QPushButton

from console import resources
from console.views.tone import set_tone
from tests.console.test_agenda_model import contrast

ROOT = Path(__file__).resolve().parents[2]
MINIMUM = {"light": 4.5, "high_contrast": 7.0}


@pytest.mark.parametrize("theme", sorted(resources.THEMES))
def test_every_tone_is_readable(theme: str) -> None:
    variables = resources.THEMES[theme]
    for tone, (text, background) in resources.TONE_PAIRS.items():
        ratio = contrast(variables[text], variables[background])
        assert ratio >= MINIMUM[theme], (theme, tone, variables[text], variables[background], round(ratio, 2))
        if background == "background":  # plain text tones also sit on panels and cards
            for surface in ("surface", "panel"):
                assert contrast(variables[text], variables[surface]) >= MINIMUM[theme], (theme, tone, surface)


@pytest.mark.parametrize("theme", sorted(resources.THEMES))
def test_a_tone_takes_the_theme_colours(qtbot, theme: str) -> None:
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    previous = app.styleSheet()
    app.setStyleSheet(resources.stylesheet(theme))
    try:
        label, button = QLabel("x"), QPushButton("x")
        qtbot.addWidget(label)
        qtbot.addWidget(button)
        set_tone(label, "error")
        set_tone(button, "danger")
        label.ensurePolished()
        button.ensurePolished()
        variables = resources.THEMES[theme]
        assert label.palette().windowText().color().name() == variables["error"]
        assert button.palette().button().color().name() == variables["danger"]
        assert resources.current_theme() == theme
        set_tone(label, "")
        assert label.property("tone") is None
        assert label.palette().windowText().color().name() != variables["error"]
    finally:
        app.setStyleSheet(previous)


def test_no_view_writes_a_colour_of_its_own() -> None:
    """A colour written in a view stays light-themed in high contrast (dark text on black, the bug
    this module was made for): views say a tone and console/resources.py's themes colour it."""
    literal = re.compile(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b|\b(?:color|background)\s*:")
    views = sorted((ROOT / "console" / "views").glob("*.py"))
    assert len(views) > 10
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in views
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if literal.search(line)
    ]
    assert offenders == []
