"""Failed-login limiter per (username, client IP): a sliding window kept in memory.

In memory is enough for one instance; several instances would each allow max_failures (documented gap).
"""

from __future__ import annotations

import threading
import time
from collections import deque


class LoginRateLimiter:
    def __init__(self, max_failures: int, window_s: float, max_keys: int = 100_000) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_keys = max_keys
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures.get(key)
        if q is None:
            return deque()
        while q and now - q[0] > self.window_s:
            q.popleft()
        if not q:
            del self._failures[key]
        return q

    def retry_after(self, username: str, ip: str) -> float:
        """Seconds until another attempt is allowed; 0 when allowed now."""
        now = time.monotonic()
        with self._lock:
            q = self._recent((username.casefold(), ip), now)
            if len(q) < self.max_failures:
                return 0.0
            return max(0.0, self.window_s - (now - q[0]))

    def failed(self, username: str, ip: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= self.max_keys:
                # Bounded memory under a spray of usernames: forget the oldest keys.
                for key in list(self._failures)[: self.max_keys // 10]:
                    del self._failures[key]
            self._failures.setdefault((username.casefold(), ip), deque()).append(now)

    def succeeded(self, username: str, ip: str) -> None:
        with self._lock:
            self._failures.pop((username.casefold(), ip), None)
