"""Sliding-window counters kept in memory, keyed by client address or link hash.

Per instance (like backend.ratelimit). The hard limits that must hold across instances live in the
database: 5 wrong tries void the PIN, and the SMS limit counts outbox rows.
"""

from __future__ import annotations

import threading
import time
from collections import deque


class WindowLimiter:
    def __init__(self, max_events: int, window_s: float, max_keys: int = 100_000) -> None:
        self.max_events = max_events
        self.window_s = window_s
        self.max_keys = max_keys
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Counts one event; returns 0 if allowed, else seconds until the oldest event leaves the window."""
        now = time.monotonic()
        with self._lock:
            q = self._events.get(key)
            if q is None:
                if len(self._events) >= self.max_keys:
                    # Bounded memory under a spray of keys: forget the oldest tenth.
                    for old in list(self._events)[: self.max_keys // 10]:
                        del self._events[old]
                q = self._events[key] = deque()
            while q and now - q[0] > self.window_s:
                q.popleft()
            if len(q) >= self.max_events:
                return max(0.001, self.window_s - (now - q[0]))
            q.append(now)
            return 0.0
