"""A private Xvfb and known content on it, for the screen-capture tests and the benchmark.

``xvfb()`` starts ``Xvfb :N`` on a free display number and waits (bounded poll, no sleep) for its
socket. ``pattern()`` runs ``xpattern.py`` (PyQt6 on xcb) on that display: a 4x4 grid of known colours,
and in "clock" mode a 24-bit millisecond timestamp drawn as black/white blocks along the top edge,
repainted every ~8 ms, so a receiver can read the capture time back (glass-to-glass latency).
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1920, 1080
GRID = 4
# Saturated, well-separated colours (RGB) for the grid, row by row.
COLOURS = [
    (230, 25, 25), (25, 200, 25), (25, 25, 230), (240, 240, 20),
    (240, 20, 240), (20, 230, 230), (250, 140, 0), (130, 0, 200),
    (255, 255, 255), (0, 0, 0), (128, 128, 128), (0, 100, 0),
    (150, 75, 0), (255, 160, 200), (0, 0, 110), (180, 255, 180),
]  # fmt: skip
CLOCK_BITS = 24
CLOCK_BLOCK = 40  # px: large enough to survive H.264 at any sensible bitrate and a 2x downscale
CLOCK_TOP = 0


def grid_points() -> list[tuple[float, float]]:
    """Centres of the grid cells as fractions of the screen (skipping the clock strip)."""
    return [((c + 0.5) / GRID, (r + 0.5) / GRID) for r in range(GRID) for c in range(GRID)]


def clock_points() -> list[tuple[float, float]]:
    return [
        ((b + 0.5) * CLOCK_BLOCK / WIDTH, (CLOCK_TOP + CLOCK_BLOCK / 2) / HEIGHT) for b in range(CLOCK_BITS)
    ]


def _free_display() -> int:
    for n in range(90, 400):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise RuntimeError("no free X display number")


@contextlib.contextmanager
def xvfb(width: int = WIDTH, height: int = HEIGHT, limit: float = 10.0) -> Iterator[str]:
    if shutil.which("Xvfb") is None:
        import pytest

        pytest.skip("Xvfb is not installed (apt-get install xvfb)")
    n = _free_display()
    proc = subprocess.Popen(
        ["Xvfb", f":{n}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + limit
        sock = Path(f"/tmp/.X11-unix/X{n}")
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"Xvfb :{n} did not start")
            time.sleep(0.01)  # polling a socket path with a bound; no event to wait on
        yield f":{n}"
    finally:
        _stop(proc)


@contextlib.contextmanager
def pattern(display: str, mode: str = "grid", limit: float = 15.0) -> Iterator[subprocess.Popen[str]]:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("xpattern.py")), mode],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + limit
        line = ""
        while "painted" not in line:
            left = deadline - time.monotonic()
            if left <= 0 or proc.poll() is not None:
                err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
                raise RuntimeError(f"the pattern window did not show on {display}: {err[-500:]}")
            if sel.select(left):
                line = proc.stdout.readline()
        sel.close()
        yield proc
    finally:
        _stop(proc)


class XWindows:
    """Application windows drawn by ``xwindows.py`` on a display; ``do(op, id, **args)`` returns once
    that program has applied the command and synced with the X server."""

    def __init__(self, proc: subprocess.Popen[str], limit: float) -> None:
        self.proc = proc
        self.limit = limit
        self._sel = selectors.DefaultSelector()
        assert proc.stdout is not None
        self._sel.register(proc.stdout, selectors.EVENT_READ)

    def _expect(self, prefix: str) -> None:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + self.limit
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                err = self.proc.stderr.read() if self.proc.poll() is not None and self.proc.stderr else ""
                raise RuntimeError(f"xwindows did not answer {prefix!r}: {err[-500:]}")
            if self._sel.select(left):
                line = self.proc.stdout.readline()
                if line.startswith(prefix):
                    return

    def do(self, op: str, wid: str, **args: object) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"op": op, "id": wid, **args}) + "\n")
        self.proc.stdin.flush()
        self._expect("ok ")

    def close(self) -> None:
        self._sel.close()


@contextlib.contextmanager
def app_windows(display: str, limit: float = 15.0) -> Iterator[XWindows]:
    env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("xwindows.py"))],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    wins = XWindows(proc, limit)
    try:
        wins._expect("ready")
        yield wins
    finally:
        wins.close()
        _stop(proc)


@contextlib.contextmanager
def window_manager(display: str, limit: float = 10.0) -> Iterator[subprocess.Popen[bytes]]:
    """openbox (a reparenting EWMH window manager, as on a desktop) on ``display``, once it manages
    the screen, i.e. has published its client list."""
    from console.screenshare.windows_x11 import XcbFinder

    if shutil.which("openbox") is None:
        raise RuntimeError("openbox is missing: ./dev installs it (apt)")
    proc = subprocess.Popen(
        ["openbox", "--sm-disable"],
        env=dict(os.environ, DISPLAY=display),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        finder = XcbFinder(display)
        try:
            deadline = time.monotonic() + limit
            while not finder.managed():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"openbox did not take {display}")
                time.sleep(0.02)  # polling the server with a bound; no event to wait on here
        finally:
            finder.close()
        yield proc
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen[Any]) -> None:
    """Terminate (kill after 5 s) and close its pipes."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    for pipe in (proc.stdin, proc.stdout, proc.stderr):
        if pipe is not None:
            pipe.close()
