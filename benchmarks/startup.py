"""Console start → agenda shown, and idle RSS (DESIGN.md: < 1.5 s, < 250 MB).

The path measured is an informador's ordinary start: a backend already running, the refresh token
in the operating system's keyring (a real Secret Service: gnome-keyring in a private D-Bus session),
so the console starts logged in with no password. Times are from process spawn (the console reads
its own start time from /proc) to the first paint after the agenda is filled, on Xvfb with xcb.

Anchor, measured in the same run on the same X server: a bare PyQt6 window with a 5,000-row
QTableView (BASELINES.md cold start: 69-81 ms), so the gap is what the console itself costs.
The `--demo` row also boots the embedded backend and seeds a database in-process.
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import ROOT, login, start_backend
from tests.helpers.secret_service import private_secret_service

AGENDA = re.compile(r"agenda_shown_ms=(\d+)")

ANCHOR = r"""
import os, sys
from PyQt6.QtCore import QAbstractTableModel, QEvent, QObject, Qt, QTimer
from PyQt6.QtWidgets import QApplication, QMainWindow, QTableView

def since_spawn_ms():
    with open("/proc/self/stat") as f:
        ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        up = float(f.read().split()[0])
    return (up - ticks / os.sysconf("SC_CLK_TCK")) * 1000

class Model(QAbstractTableModel):
    def rowCount(self, parent=None): return 5000
    def columnCount(self, parent=None): return 6
    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return f"{index.row()}:{index.column()}" if role == Qt.ItemDataRole.DisplayRole else None

class FirstPaint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"agenda_shown_ms={since_spawn_ms():.0f}", file=sys.stderr, flush=True)
            obj.removeEventFilter(self)
            QTimer.singleShot(int(sys.argv[1]) * 1000, app.quit)
        return False

app = QApplication(sys.argv)
win = QMainWindow(); view = QTableView(); view.setModel(Model()); win.setCentralWidget(view)
watcher = FirstPaint(); view.viewport().installEventFilter(watcher)
win.resize(1400, 900); win.show()
app.exec()
"""


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def run_once(cmd: list[str], env: dict[str, str], idle_s: float) -> tuple[float, float]:
    """Spawn, wait for the agenda line, let it idle, read RSS, stop it. Returns (ms, MB)."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    shown = float("nan")
    deadline = time.monotonic() + 60
    for line in proc.stderr:
        m = AGENDA.search(line)
        if m:
            shown = float(m.group(1))
            break
        if time.monotonic() > deadline:
            break
    time.sleep(idle_s)  # a benchmark, not a test: idle means "left alone for a while"
    rss = rss_mb(proc.pid) if proc.poll() is None else float("nan")
    proc.terminate()
    try:
        proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
    return shown, rss


def start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            proc = subprocess.Popen(
                ["Xvfb", f":{n}", "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 10
            while not Path(f"/tmp/.X11-unix/X{n}").exists():
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("Xvfb did not start")
                time.sleep(0.05)
            return proc, f":{n}"
    raise SystemExit("no free X display number")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=8)
    parser.add_argument("--idle", type=float, default=3.0, help="seconds idle before RSS is read")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        # A private session bus, so the real Secret Service path is measured without the user's keyring.
        with private_secret_service(tmp, password="bench") as env:
            measure(args, tmp, dict(env, QT_QPA_PLATFORM="xcb"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def measure(args: argparse.Namespace, tmp: Path, env: dict[str, str]) -> None:
    xvfb, display = start_xvfb()
    env["DISPLAY"] = display
    backend, url = start_backend(tmp, env=env)
    try:
        refresh = login(url)["refresh_token"]
        data_dir = tmp / "console"
        seed = (
            "import sys, keyring\n"
            "from console.sync.credentials import SERVICE, is_secure_backend\n"
            "from PyQt6.QtCore import QSettings\n"
            "assert is_secure_backend(keyring.get_keyring()), keyring.get_keyring()\n"
            "keyring.set_password(SERVICE, f'marta@{sys.argv[1]}', sys.argv[2])\n"
            "qs = QSettings(sys.argv[3], QSettings.Format.IniFormat)\n"
            "qs.setValue('server/url', sys.argv[1]); qs.setValue('server/username', 'marta'); qs.sync()\n"
        )
        subprocess.run(
            [sys.executable, "-c", seed, url, refresh, str(data_dir / "config" / "console.ini")],
            env=env,
            check=True,
            cwd=ROOT,
        )
        rows: list[tuple[str, list[float], list[float]]] = []
        anchor = [sys.executable, "-c", ANCHOR, "30"]
        console = [sys.executable, "-m", "console", "--data-dir", str(data_dir), "--quit-after", "30"]
        demo = [sys.executable, "-m", "console", "--demo", "--quit-after", "30"]
        results: dict[str, tuple[list[float], list[float]]] = {
            "anchor": ([], []),
            "console": ([], []),
            "demo": ([], []),
        }
        for _ in range(args.runs):  # interleaved, so drift on a shared machine hits every row alike
            for name, cmd in (("anchor", anchor), ("console", console), ("demo", demo)):
                ms, mb = run_once(cmd, env, args.idle)
                results[name][0].append(ms)
                results[name][1].append(mb)
        labels = {
            "anchor": "anchor: bare PyQt6 window, 5,000-row table",
            "console": "console, backend running, token in keyring",
            "demo": "console --demo (embedded backend + seed)",
        }
        for name in ("anchor", "console", "demo"):
            rows.append((labels[name], *results[name]))
    finally:
        backend.terminate()
        backend.wait(timeout=15)
        xvfb.terminate()
        xvfb.wait(timeout=10)

    print(
        f"{args.runs} interleaved runs each, xcb on Xvfb; goal: start → agenda < 1500 ms, idle RSS < 250 MB"
    )
    print(f"| {'start':<46} | {'median ms':>9} | {'min–max ms':>13} | {'idle RSS MB':>11} |")
    print(f"|{'-' * 48}|{'-' * 11}|{'-' * 15}|{'-' * 13}|")
    for label, times, rss in rows:
        ok = [t for t in times if not math.isnan(t)]
        span = f"{min(ok):.0f}–{max(ok):.0f}" if ok else "n/a"
        med = f"{statistics.median(ok):.0f}" if ok else "n/a"
        rss_ok = [r for r in rss if not math.isnan(r)]
        print(
            f"| {label:<46} | {med:>9} | {span:>13} | "
            f"{statistics.median(rss_ok) if rss_ok else float('nan'):>11.0f} |"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
