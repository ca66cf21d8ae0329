"""Smoke test of the PyInstaller bundle (STYLE.md convention 22): build it, start the frozen executable
offscreen, reach the login view and the demo agenda, quit cleanly, and prove that what only breaks when
frozen (keyring backends found through entry points, aiortc/av, resources, Qt's translations) is there.

The build takes ~1.5 min; it is cached under build/smoke/ keyed by a hash of everything that goes into
the bundle, so a second run with unchanged sources only starts the app.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / "build" / "smoke"
SOURCES = ("console", "backend", "resources", "installer", "pyproject.toml")

# stderr lines a healthy run may print; anything else fails the test.
HARMLESS = [
    # Console's own INFO log lines (console/log.py format) and the start-up benchmark line.
    re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ INFO "),
    re.compile(r"^videoatencio-console agenda_shown_ms=\d+ rows=\d+$"),
    # The offscreen QPA cannot resize native windows; harmless (BASELINES, pyproject qt_log_ignore).
    re.compile(r"^This plugin does not support propagateSizeHints\(\)$"),
]


def sources_hash() -> str:
    digest = hashlib.sha256()
    for name in SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts and file.suffix not in (".pyc", ".mo"):
                digest.update(str(file.relative_to(ROOT)).encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


@pytest.fixture(scope="module")
def frozen_app() -> Path:
    pytest.importorskip("PyInstaller")
    sys.path.insert(0, str(ROOT / "installer"))
    try:
        import build as installer_build  # installer/build.py
    finally:
        sys.path.remove(str(ROOT / "installer"))
    stamp = CACHE / "sources.sha256"
    exe = installer_build.executable(CACHE / "dist")
    want = sources_hash()
    if not (exe.is_file() and stamp.is_file() and stamp.read_text() == want):
        stamp.unlink(missing_ok=True)
        installer_build.build(CACHE / "dist", CACHE / "work")
        stamp.write_text(want)
    assert exe.is_file()
    return exe


@pytest.fixture
def frozen_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIDEOATENCIO_", "PYTHON"))}
    env.update(QT_QPA_PLATFORM="offscreen", HOME=str(tmp_path / "home"))
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)  # never touch the developer's real keyring
    yield env


def run(exe: Path, env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(exe), *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def unexpected(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line and not any(p.search(line) for p in HARMLESS)]


# The first test builds the bundle (~1.5 min alone, several under a loaded 2-core CI machine).
@pytest.mark.timeout(900)
def test_bundle_imports_what_is_only_loaded_lazily(frozen_app, frozen_env):
    result = run(frozen_app, frozen_env, "--self-test")
    assert result.returncode == 0, result.stderr
    assert unexpected(result.stderr) == []
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # Without D-Bus here the backend is "fail"; what matters is that keyring found its backends
    # through entry points at all, and never a keyrings.alt plaintext one (excluded by the spec).
    assert report["keyring"].startswith("keyring.backends."), report
    assert report["aiortc"] and report["av"] and report["mss"]
    assert report["catalogues"] == ["ca", "en", "es", "eu"]
    assert {"ca", "es", "en"} <= set(report["qtbase"])  # Qt ships no Basque qtbase (console/i18n.py)
    # Every style sheet of the source tree, the high-contrast overrides included.
    assert report["styles"] == len(list((ROOT / "resources" / "styles").glob("*.qss")))
    # PortAudio is on this machine (./dev installs libportaudio2): the frozen app must find it.
    assert not str(report["sounddevice"]).startswith("unavailable"), report["sounddevice"]
    assert report["translated"] == {
        "ca": "Inicia la sessió",
        "es": "Iniciar sesión",
        "eu": "Hasi saioa",
        "en": "Log in",
    }, report["translated"]
    assert report["window_finders"] == ["windows_x11", "windows_win32", "windows_quartz"]


def test_frozen_app_reaches_the_login_view_and_quits_cleanly(frozen_app, frozen_env, tmp_path):
    shot = tmp_path / "login.png"
    result = run(frozen_app, frozen_env, "--data-dir", str(tmp_path / "data"), "--screenshot", str(shot))
    assert result.returncode == 0, result.stderr
    assert unexpected(result.stderr) == []
    # No server and no stored session: start-up ends on the login view (Console.login_shown).
    assert f"screenshot {shot} saved" in result.stderr
    assert "agenda_shown_ms" not in result.stderr
    assert shot.stat().st_size > 10_000


def test_frozen_demo_reaches_the_agenda(frozen_app, frozen_env, tmp_path):
    shot = tmp_path / "agenda.png"
    result = run(frozen_app, frozen_env, "--demo", "--screenshot", str(shot), timeout=90)
    assert result.returncode == 0, result.stderr
    assert unexpected(result.stderr) == []
    rows = re.search(r"agenda_shown_ms=\d+ rows=(\d+)", result.stderr)
    assert rows and int(rows.group(1)) > 0, result.stderr  # embedded backend, migrations, seed data
    assert f"screenshot {shot} saved" in result.stderr
