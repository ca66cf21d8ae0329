"""Pieces every benchmark needs: the GUI-thread stall probe, CPU of a process set, percentiles, and a
real backend process to measure against."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
_READY = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def percentile(xs: list[float], q: float) -> float:
    return sorted(xs)[min(len(xs) - 1, int(len(xs) * q))] if xs else float("nan")


def cpu_seconds(procs: list[Any]) -> float:
    """User+system CPU of psutil processes; one that exited mid-run simply stops counting."""
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except Exception:  # noqa: BLE001 - a renderer process may exit mid-run
            continue
    return total


class GuiLagProbe:
    """How late a 10 ms precise QTimer fires on the GUI thread: the stall a user would feel."""

    INTERVAL_MS = 10

    def __init__(self) -> None:
        from PyQt6.QtCore import Qt, QTimer

        self.lags: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.lags.append(max(0.0, (now - self._last) * 1000 - self.INTERVAL_MS))
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start(self.INTERVAL_MS)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def p99(self) -> float:
        return percentile(self.lags, 0.99)

    @property
    def max(self) -> float:
        return max(self.lags) if self.lags else float("nan")


def start_backend(
    data_dir: Path, day: date | None = None, workers: int = 1, env: dict[str, str] | None = None
) -> tuple[subprocess.Popen[str], str]:
    """The real backend as a process with a fresh seeded SQLite database; returns (process, url)."""
    cmd = [sys.executable, "-m", "backend", "serve", "--host", "127.0.0.1", "--port", "0",
           "--database-url", f"sqlite:///{data_dir / 'bench.db'}", "--seed-demo"]  # fmt: skip
    if day is not None:
        cmd += ["--day", day.isoformat()]
    if workers > 1:
        cmd += ["--workers", str(workers)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=ROOT
    )
    assert proc.stdout is not None
    for line in proc.stdout:  # the ready line, never a sleep
        m = _READY.search(line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise SystemExit("backend did not start")


def login(url: str, username: str = "marta", password: str = "demo") -> dict[str, Any]:
    req = urllib.request.Request(
        f"{url}/api/v1/auth/login",
        data=json.dumps({"username": username, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        return dict(json.load(resp))
