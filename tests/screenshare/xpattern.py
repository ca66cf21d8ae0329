"""Draw known content full-screen on an X display (run by xscreen.pattern in a subprocess).

grid: 4x4 colour blocks (xscreen.COLOURS). clock: the same plus the wall-clock time in ms (24 bits)
as black/white blocks along the top edge and a moving bar, repainted as fast as the timer allows.
Prints "painted" after the first paint so the parent knows the screen shows it.
"""

from __future__ import annotations

import sys
import time

from PyQt6.QtCore import QRect, Qt, QTimer
from PyQt6.QtGui import QColor, QPainter
from PyQt6.QtWidgets import QApplication, QWidget

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from xscreen import CLOCK_BITS, CLOCK_BLOCK, CLOCK_TOP, COLOURS, GRID, HEIGHT, WIDTH


class Pattern(QWidget):
    def __init__(self, mode: str) -> None:
        super().__init__(None, Qt.WindowType.FramelessWindowHint)
        self.mode = mode
        self.setGeometry(0, 0, WIDTH, HEIGHT)  # showFullScreen does nothing without a window manager
        self.painted = False
        if mode == "clock":
            self.timer = QTimer(self)
            self.timer.setTimerType(Qt.TimerType.PreciseTimer)
            self.timer.timeout.connect(self.update)
            self.timer.start(8)

    def paintEvent(self, event: object) -> None:
        p = QPainter(self)
        cw, ch = WIDTH // GRID, HEIGHT // GRID
        for i, (r, g, b) in enumerate(COLOURS):
            p.fillRect(QRect((i % GRID) * cw, (i // GRID) * ch, cw, ch), QColor(r, g, b))
        if self.mode == "clock":
            ms = int(time.time() * 1000) & ((1 << CLOCK_BITS) - 1)
            for bit in range(CLOCK_BITS):
                on = (ms >> bit) & 1
                p.fillRect(
                    QRect(bit * CLOCK_BLOCK, CLOCK_TOP, CLOCK_BLOCK, CLOCK_BLOCK),
                    QColor(255, 255, 255) if on else QColor(0, 0, 0),
                )
            x = (ms // 4) % (WIDTH - 60)
            p.fillRect(QRect(x, HEIGHT // 2 - 30, 60, 60), QColor(0, 0, 0))
        p.end()
        if not self.painted:
            self.painted = True
            print("painted", flush=True)


app = QApplication(sys.argv[:1])
w = Pattern(sys.argv[1] if len(sys.argv) > 1 else "grid")
w.show()
sys.exit(app.exec())
