"""The composition root's safety nets: the global excepthook and the command line."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from PyQt6.QtWidgets import QMessageBox

from console.app import install_excepthook
from console.options import parse


def test_excepthook_logs_and_shows_instead_of_aborting(consoles, caplog, qtbot):
    console = consoles.start("http://127.0.0.1:9")  # nothing listens: stays on the login view
    previous = sys.excepthook
    install_excepthook([console])
    try:
        try:
            raise RuntimeError("boom <b>not markup</b>")
        except RuntimeError:
            sys.excepthook(*sys.exc_info())
    finally:
        sys.excepthook = previous
    boxes = [w for w in console.window.findChildren(QMessageBox) if w.isVisible()]
    assert len(boxes) == 1
    assert "boom <b>not markup</b>" in boxes[0].text()
    boxes[0].close()
    assert "unexpected error" in caplog.text


def test_command_line():
    options = parse(
        ["--demo", "--day", "2026-11-24", "--lang", "eu", "--screenshot", "x.png", "--quit-after", "2"]
    )
    assert options.demo and options.day == date(2026, 11, 24) and options.lang == "eu"
    assert options.screenshot == Path("x.png") and options.quit_after == 2.0


def test_demo_starts_logged_in_and_renders_the_agenda(tmp_path):
    """The main job end to end: `python -m console --demo --screenshot FILE` in its own process."""
    import os
    import re
    import subprocess

    shot = tmp_path / "agenda.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "console", "--demo", "--lang", "ca", "--screenshot", str(shot)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    match = re.search(r"videoatencio-console agenda_shown_ms=(\d+) rows=(\d+)", result.stderr)
    assert match, result.stderr
    assert int(match.group(2)) > 5  # marta's seeded day
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert "Traceback" not in result.stderr


def test_start_up_imports_nothing_heavy():
    """aiortc, av, numpy, sounddevice and mss load later, in the screens that use them (BASELINES)."""
    import subprocess

    code = "import sys, console.app; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for heavy in ("aiortc", "av", "numpy", "sounddevice", "mss", "backend"):
        assert f"'{heavy}'" not in out


def test_garbage_is_collected_on_the_gui_thread(qapp):
    import gc

    from console.garbage import GuiThreadGarbageCollector

    was_enabled = gc.isenabled()
    gc.enable()
    collector = GuiThreadGarbageCollector()
    try:
        assert not gc.isenabled()  # no automatic collection in worker threads
        collector.check()  # and the GUI-thread check runs without error
    finally:
        collector.stop()
        collector.deleteLater()
    assert gc.isenabled()
    if not was_enabled:
        gc.disable()
