"""The one owner of on-disk locations. Nothing else computes paths (tests redirect them here)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "Videoatencio"
ORG_NAME = "Generalitat"
_ENV = "VIDEOATENCIO_DATA_DIR"

_base: Path | None = None


def set_base_dir(path: Path | None) -> None:
    """Put every location under `path` (tests, --data-dir, --demo); None restores the defaults."""
    global _base  # noqa: PLW0603 - one process-wide setting, by design
    _base = path


def _root() -> Path | None:
    if _base is not None:
        return _base
    env = os.environ.get(_ENV)
    return Path(env) if env else None


def data_dir() -> Path:
    root = _root()
    if root is not None:
        path = root / "data"
    else:
        import platformdirs  # only when the defaults are needed

        path = Path(platformdirs.user_data_dir(APP_NAME, ORG_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    root = _root()
    if root is not None:
        path = root / "config"
    else:
        import platformdirs

        path = Path(platformdirs.user_config_dir(APP_NAME, ORG_NAME))
    path.mkdir(parents=True, exist_ok=True)
    return path


def local_db() -> Path:
    """SQLite file holding the offline cache and the outbox of writes."""
    return data_dir() / "offline.sqlite3"


def settings_file() -> Path:
    return config_dir() / "console.ini"


def resources_dir() -> Path:
    if getattr(sys, "frozen", False):  # PyInstaller: installer/console.spec puts resources/ here
        return Path(getattr(sys, "_MEIPASS")) / "resources"  # noqa: B009 - only set when frozen
    return Path(__file__).resolve().parent.parent / "resources"
