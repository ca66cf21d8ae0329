"""Style sheets and icons from resources/, through one helper.

resources/styles/*.qss are templates ({{name}} = a theme variable), concatenated in sorted order. A file
named `NN_name.<theme>.qss` is only used with that theme (e.g. the high-contrast overrides).
"""

from __future__ import annotations

from console import paths

# Theme variables substituted into the .qss templates ({{name}}).
LIGHT = {
    "accent": "#b5121b",  # the Generalitat's red
    "accent_dark": "#8c0d14",
    "on_accent": "#ffffff",
    "text": "#1f2328",
    "muted": "#5f6b76",
    "border": "#d0d7de",
    "surface": "#ffffff",
    "background": "#f4f5f7",
    "selection": "#dde7f3",
    "focus": "#0b57d0",  # focus rings: blue, distinct from the red accent and from every status colour
    "focus_width": "2px",
    # Tones (console/views/tone.py): what a message means, coloured by the theme, never by a view.
    "error": "#b3261e",
    "ok": "#17692f",
    "warning_bg": "#fff3cd",
    "warning_text": "#5d4100",
    "alert_bg": "#fde2e1",
    "alert_text": "#8c1d18",
    "panel": "#f3f5f8",
    "danger": "#c62828",
    "on_danger": "#ffffff",
    "note": "#8a4b00",  # something to heed that is not an error (a gate's reason, a fallback text)
    "info": "#1d4f91",  # neutral emphasis: someone in a call, the KPI bars
}
# Black and white (21:1), yellow accents and focus (19:1 on black): every text pair well above WCAG AAA 7:1.
HIGH_CONTRAST = {
    "accent": "#ffe600",
    "accent_dark": "#ffe600",
    "on_accent": "#000000",
    "text": "#ffffff",
    "muted": "#e6e6e6",
    "border": "#ffffff",
    "surface": "#000000",
    "background": "#000000",
    "selection": "#ffe600",
    "focus": "#00e5ff",  # cyan: never confused with the yellow of selected rows or primary buttons
    "focus_width": "3px",
    "error": "#ff8a80",
    "ok": "#7dff8e",
    "warning_bg": "#000000",
    "warning_text": "#ffe600",
    "alert_bg": "#000000",
    "alert_text": "#ffe600",
    "panel": "#000000",
    "danger": "#ff8a80",
    "on_danger": "#000000",
    "note": "#ffe600",
    "info": "#9cc3ff",
}
THEMES = {"light": LIGHT, "high_contrast": HIGH_CONTRAST}
THEME = LIGHT  # kept for callers that read a colour directly
# (text, background) of each tone per theme: the pairs tests/console/test_tones.py holds to WCAG ratios.
TONE_PAIRS = {
    "error": ("error", "background"),
    "ok": ("ok", "background"),
    "muted": ("muted", "background"),
    "warning": ("warning_text", "warning_bg"),
    "alert": ("alert_text", "alert_bg"),
    "panel": ("text", "panel"),
    "danger": ("on_danger", "danger"),
    "note": ("note", "background"),
    "info": ("info", "background"),
}
_current = "light"


def current_theme() -> str:
    """The theme last applied with stylesheet(): painted widgets (charts) take their colours from it."""
    return _current


def colour(name: str) -> str:
    """A theme variable of the current theme, for what a style sheet cannot reach (QPainter)."""
    return THEMES[_current][name]


def tone_colour(tone: str) -> str:
    """The text colour of a tone in the current theme (item models and painted widgets)."""
    return colour(TONE_PAIRS[tone][0])


def resolve_theme(theme: str | None = None) -> str:
    """ "system" (or None) → high contrast when the platform asks for it (Qt ≥ 6.10), else light."""
    if theme is None:
        from console.settings import Settings

        theme = Settings().theme
    if theme in THEMES:
        return theme
    from PyQt6.QtCore import Qt
    from PyQt6.QtGui import QGuiApplication

    hints = QGuiApplication.styleHints() if QGuiApplication.instance() is not None else None
    accessibility = hints.accessibility() if hints is not None else None
    if accessibility is not None and accessibility.contrastPreference() == Qt.ContrastPreference.HighContrast:
        return "high_contrast"
    return "light"


def stylesheet(theme: str | None = None) -> str:
    """The application style sheet for `theme` (None: the one stored in the settings)."""
    global _current  # noqa: PLW0603 - the process-wide theme, as the application style sheet is
    name = resolve_theme(theme)
    _current = name
    variables = {**THEMES[name], "icons": (paths.resources_dir() / "icons").as_posix()}
    parts = []
    for qss in sorted((paths.resources_dir() / "styles").glob("*.qss")):
        only_for = qss.suffixes[-2][1:] if len(qss.suffixes) > 1 else None
        if only_for is not None and only_for != name:
            continue
        text = qss.read_text(encoding="utf-8")
        for key, value in variables.items():
            text = text.replace("{{" + key + "}}", value)
        parts.append(text)
    return "\n".join(parts)


def icon_path(name: str) -> str:
    return str(paths.resources_dir() / "icons" / f"{name}.svg")
