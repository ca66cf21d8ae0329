"""Application windows on an X display for the window-sharing tests (run by xscreen.windows).

Reads one JSON command a line on stdin and answers "ok <n>" once Qt has applied it:
  {"op": "open", "id": "a", "title": "…", "x": 0, "y": 0, "w": 400, "h": 300, "rgb": [r, g, b]}
  {"op": "move", "id": "a", "x": 10, "y": 20}   {"op": "resize", "id": "a", "w": 640, "h": 480}
  {"op": "raise", "id": "a"}   {"op": "minimize", "id": "a"}   {"op": "hide", "id": "a"}
  {"op": "show", "id": "a"}
  {"op": "close", "id": "a"}
Each window is one flat colour, so a grab shows whose pixels it holds.
"""

from __future__ import annotations

import itertools
import json
import sys

from PyQt6.QtCore import QSocketNotifier
from PyQt6.QtGui import QColor, QPalette
from PyQt6.QtWidgets import QApplication, QWidget

app = QApplication(sys.argv[:1])
windows: dict[str, QWidget] = {}
answers = itertools.count(1)


def apply(cmd: dict[str, object]) -> None:
    op, wid = cmd["op"], str(cmd["id"])
    if op == "open":
        w = QWidget()
        w.setWindowTitle(str(cmd["title"]))
        pal = w.palette()
        pal.setColor(QPalette.ColorRole.Window, QColor(*cmd["rgb"]))  # type: ignore[misc]
        w.setPalette(pal)
        w.setAutoFillBackground(True)
        w.setGeometry(int(cmd["x"]), int(cmd["y"]), int(cmd["w"]), int(cmd["h"]))  # type: ignore[arg-type]
        w.show()
        windows[wid] = w
    elif op == "move":
        windows[wid].move(int(cmd["x"]), int(cmd["y"]))  # type: ignore[arg-type]
    elif op == "resize":
        windows[wid].resize(int(cmd["w"]), int(cmd["h"]))  # type: ignore[arg-type]
    elif op == "raise":
        windows[wid].raise_()
    elif op == "minimize":
        windows[wid].showMinimized()  # a request to the window manager; nothing without one
    elif op == "hide":
        windows[wid].hide()
    elif op == "show":
        windows[wid].showNormal()  # also un-minimises
    elif op == "close":
        windows.pop(wid).close()


def on_stdin() -> None:
    line = sys.stdin.readline()
    if not line:
        app.quit()
        return
    apply(json.loads(line))
    app.processEvents()
    app.sync()  # the X server has seen every request before the parent is told
    print(f"ok {next(answers)}", flush=True)


notifier = QSocketNotifier(sys.stdin.fileno(), QSocketNotifier.Type.Read)
notifier.activated.connect(on_stdin)
print("ready", flush=True)
sys.exit(app.exec())
