"""Run Python's cyclic garbage collector on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed: a
request, keyring or SQLite worker. If that collection frees a Qt object, its C++ destructor runs in
the worker thread, and Qt crashes (we saw segfaults in tests exactly there). So automatic collection
is switched off and a timer on the GUI thread collects when the thresholds say it is due.
"""

from __future__ import annotations

import gc

from PyQt6.QtCore import QObject, QTimer

from console import log

INTERVAL_MS = 1000


class GuiThreadGarbageCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.check)
        self._timer.start(INTERVAL_MS)

    def check(self) -> None:
        # The same rule as the automatic collector: collect a generation when its count is over its
        # threshold, the oldest one due first.
        counts = gc.get_count()
        for generation in (2, 1, 0):
            if counts[generation] > self._thresholds[generation]:
                collected = gc.collect(generation)
                if collected:
                    log.init.debug("gc generation %d: %d objects", generation, collected)
                return

    def stop(self) -> None:
        self._timer.stop()
        gc.enable()
