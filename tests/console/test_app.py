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
