"""Online/offline state of the backend, from the event stream, API calls and a health probe."""

from __future__ import annotations

import asyncio

from PyQt6.QtCore import QObject, pyqtSignal

from console import log
from console.sync.api import BackendApi
from console.sync.errors import ApiError, Offline


class ConnectivityService(QObject):
    """Knows whether the backend answers.

    While offline it probes GET /health every `probe_interval` seconds.

    Signals:
        online_changed: the backend became reachable (True) or unreachable (False).
    """

    online_changed = pyqtSignal(bool)

    def __init__(self, api: BackendApi, probe_interval: float = 5.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self.probe_interval = probe_interval
        self.online: bool | None = None  # unknown until the first request or stream
        self._probe_task: asyncio.Task[None] | None = None

    def report(self, online: bool) -> None:
        if online == self.online:
            if not online:
                self._ensure_probe()
            return
        self.online = online
        log.sync.info("backend %s", "online" if online else "offline")
        if online:
            self._cancel_probe()
        else:
            self._ensure_probe()
        self.online_changed.emit(online)

    async def probe_now(self) -> bool:
        """One health check right away ("Retry now")."""
        try:
            await self._api.health()
        except (Offline, ApiError):
            self.report(False)
            return False
        self.report(True)
        return True

    def _ensure_probe(self) -> None:
        if self._probe_task is None or self._probe_task.done():
            self._probe_task = asyncio.ensure_future(self._probe_loop())

    def _cancel_probe(self) -> None:
        task = self._probe_task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()
        self._probe_task = None

    async def _probe_loop(self) -> None:
        while self.online is not True:
            await asyncio.sleep(self.probe_interval)
            try:
                await self._api.health()
            except (Offline, ApiError):
                continue
            self._probe_task = None
            self.report(True)
            return

    async def shutdown(self) -> None:
        task, self._probe_task = self._probe_task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
