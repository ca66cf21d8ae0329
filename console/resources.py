"""Style sheets and icons from resources/, through one helper."""

from __future__ import annotations

from console import paths

# Theme variables substituted into the .qss templates ({{name}}).
THEME = {
    "accent": "#b5121b",  # the Generalitat's red
    "accent_dark": "#8c0d14",
    "text": "#1f2328",
    "muted": "#5f6b76",
    "border": "#d0d7de",
    "surface": "#ffffff",
    "background": "#f4f5f7",
    "selection": "#dde7f3",
}


def stylesheet() -> str:
    theme = {**THEME, "icons": (paths.resources_dir() / "icons").as_posix()}
    parts = []
    for qss in sorted((paths.resources_dir() / "styles").glob("*.qss")):
        text = qss.read_text(encoding="utf-8")
        for key, value in theme.items():
            text = text.replace("{{" + key + "}}", value)
        parts.append(text)
    return "\n".join(parts)


def icon_path(name: str) -> str:
    return str(paths.resources_dir() / "icons" / f"{name}.svg")
