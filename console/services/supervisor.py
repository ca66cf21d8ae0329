"""The supervisor board, the informador's pool and the presence heartbeat. Never touches widgets.

The board is loaded once over REST and then kept live from the server push (presence.updated changes
one informador row; pool/walk-in/appointment events re-read the waiting list, coalesced).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import date
from typing import Any

from PyQt6.QtCore import QObject, QTimer, pyqtSignal

from console import i18n, log
from console.domain.catalogue import Tramit
from console.i18n import _
from console.models.board_models import InformadorsModel, KpiModel, PoolAppointmentsModel, WaitingModel
from console.services.tasks import spawn
from console.sync.errors import ApiError, Offline
from console.sync.events import ServerEvent
from console.sync.pool_api import PoolApi

HEARTBEAT_MS = 20_000  # the backend counts a console offline after 60 s without one
WAITING_EVENTS = ("pool.updated", "walkin.created", "walkin.taken", "walkin.ended", "walkin.updated",
                  "citizen.waiting", "citizen.left", "appointment.updated")  # fmt: skip


class SupervisorService(QObject):
    """Signals:
    board_loaded: the board was (re)loaded. arg: dict (the raw board)
    pool_appointments_loaded: today's untaken pool appointments were (re)loaded. arg: int (how many)
    presence_applied: one informador row changed from the push. arg: int (staff id)
    kpis_loaded: arg: dict (the raw report)
    failed: a user-facing message
    """

    board_loaded = pyqtSignal(dict)
    presence_applied = pyqtSignal(int)
    pool_appointments_loaded = pyqtSignal(int)
    kpis_loaded = pyqtSignal(dict)
    failed = pyqtSignal(str)

    def __init__(self, api: PoolApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self.informadors = InformadorsModel(self)
        self.waiting = WaitingModel(self)
        self.office_kpis = KpiModel(self)
        self.tramit_kpis = KpiModel(self)
        self.pool_appointments = PoolAppointmentsModel(self)
        self._tramits: Mapping[str, Tramit] = {}
        for model in (self.waiting, self.tramit_kpis, self.pool_appointments):
            model.tramit_name = self.tramit_name
        self.alerts: list[dict[str, Any]] = []
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(150)  # a burst of pool events costs one waiting-list read
        self._refresh.timeout.connect(lambda: spawn(self.load_board()))
        # The pool's booked appointments follow the board, at most every 0.5 s (never restarted by a
        # burst): under 500 informadors' changes they must not slow the board's own re-reads.
        self._pool_refresh = QTimer(self)
        self._pool_refresh.setSingleShot(True)
        self._pool_refresh.setInterval(500)
        self._pool_refresh.timeout.connect(lambda: spawn(self.load_pool_appointments()))
        self.active = False

    async def load_board(self) -> None:
        try:
            board = await self._api.board()
        except (ApiError, Offline) as exc:
            self.failed.emit(_("Could not load the board: {error}").format(error=exc))
            return
        self.waiting.alert_after_s = float(board.get("wait_alert_s") or 600)
        self.informadors.set_rows(board["informadors"])
        self.waiting.staff_names = {int(r["staff_id"]): str(r["full_name"]) for r in board["informadors"]}
        self.waiting.set_rows(board["waiting"])
        self.alerts = list(board.get("alerts") or [])
        self.active = True
        self.board_loaded.emit(board)
        if not self._pool_refresh.isActive():
            self._pool_refresh.start()

    async def load_pool_appointments(self) -> None:
        """The pool as a supervisor reads it (every office): its appointments whose citizen is not here."""
        try:
            items = await self._api.pool()
        except (ApiError, Offline) as exc:
            self.failed.emit(_("Could not load the pool: {error}").format(error=exc))
            return
        self.pool_appointments.set_rows([i for i in items if PoolAppointmentsModel.wanted(i)])
        self.pool_appointments_loaded.emit(self.pool_appointments.rowCount())

    def tramit_name(self, code: str) -> str:
        """In the console's current language, so a language switch only needs a repaint."""
        tramit = self._tramits.get(code)
        return tramit.name(i18n.language()) if tramit is not None else code

    def set_tramits(self, tramits: Mapping[str, Tramit]) -> None:
        """The catalogue (it usually arrives after the board): procedures shown by name, not code."""
        self._tramits = dict(tramits)
        self.waiting.relabel_tramits()
        self.tramit_kpis.relabel_tramits()
        self.pool_appointments.relabel_tramits()

    async def load_kpis(self, day: date | None = None) -> None:
        try:
            report = await self._api.kpis(day)
        except (ApiError, Offline) as exc:
            self.failed.emit(_("Could not load the KPIs: {error}").format(error=exc))
            return
        self.office_kpis.set_rows(report["offices"])
        self.tramit_kpis.set_rows(report["tramits"])
        self.kpis_loaded.emit(report)

    async def export_csv(self, path: str, day: date | None = None) -> bool:
        try:
            content = await self._api.kpis_csv(day)
            await asyncio.get_running_loop().run_in_executor(None, _write, path, content)
        except (ApiError, Offline, OSError) as exc:
            self.failed.emit(_("Could not export the KPIs: {error}").format(error=exc))
            return False
        return True

    async def reassign(self, kind: str, item_id: str, staff_id: int | None) -> bool:
        try:
            await self._api.reassign(kind, item_id, staff_id)
        except (ApiError, Offline) as exc:
            self.failed.emit(str(getattr(exc, "message", exc)))
            self._refresh.start()  # a refusal usually means the row was stale: show what is true now
            return False
        self._refresh.start()
        return True

    def on_server_event(self, event: ServerEvent) -> None:
        if not self.active:
            return
        if event.type == "presence.updated":
            presence = event.data.get("presence")
            if isinstance(presence, dict) and "staff_id" in presence:
                self.informadors.apply_presence(presence)
                self.presence_applied.emit(int(presence["staff_id"]))
        elif event.type in WAITING_EVENTS:
            self._refresh.start()


class PoolService(QObject):
    """The informador's side: the pool items they may take, one-click take, and presence.

    Signals:
        pool_loaded: arg: list[dict]
        taken: arg: dict (the appointment now assigned to me)
        take_refused: a message for the informador (someone else was faster, office limit, empty)
    """

    pool_loaded = pyqtSignal(list)
    taken = pyqtSignal(dict)
    take_refused = pyqtSignal(str)
    state_changed = pyqtSignal(str)

    def __init__(self, api: PoolApi, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self.items: list[dict[str, Any]] = []
        self.state = "available"
        self.appointment_id: str | None = None
        self._heartbeat = QTimer(self)
        self._heartbeat.setInterval(HEARTBEAT_MS)
        self._heartbeat.timeout.connect(lambda: spawn(self._beat()))
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(150)
        self._refresh.timeout.connect(lambda: spawn(self.load()))
        self.active = False

    async def start(self) -> None:
        self.active = True
        self._heartbeat.start()
        await self._beat()
        await self.load()

    async def load(self) -> None:
        try:
            self.items = await self._api.pool()
        except (ApiError, Offline) as exc:
            log.sync.info("pool not loaded: %s", exc)
            return
        self.pool_loaded.emit(list(self.items))

    async def take_next(self) -> None:
        await self._take(self._api.take_next())

    async def take(self, kind: str, item_id: str) -> None:
        await self._take(self._api.take(kind, item_id))

    async def _take(self, request: Any) -> None:
        try:
            result = await request
        except ApiError as exc:
            # The server's message says what happened (who was faster, the office limit, nobody waiting).
            self.take_refused.emit(exc.message)
            self._refresh.start()
            return
        except Offline:
            self.take_refused.emit(_("The server cannot be reached. Try again in a moment."))
            return
        self.taken.emit(dict(result["appointment"]))
        self._refresh.start()

    async def set_state(self, state: str, appointment_id: str | None = None) -> None:
        """Set by the informador, or by the call's state (in a call, wrap-up)."""
        self.state, self.appointment_id = state, appointment_id
        self.state_changed.emit(state)
        await self._beat()

    async def _beat(self) -> None:
        try:
            await self._api.set_presence(self.state, self.appointment_id)
        except (ApiError, Offline) as exc:
            log.sync.info("presence not sent: %s", exc)

    async def stop(self) -> None:
        """Quitting: say goodbye so the board shows offline at once, not after the timeout."""
        self._heartbeat.stop()
        if self.active:
            self.active = False
            self.state = "offline"
            await self._beat()

    def on_server_event(self, event: ServerEvent) -> None:
        if self.active and event.type in ("pool.updated", "walkin.created", "walkin.ended"):
            self._refresh.start()


def _write(path: str, content: bytes) -> None:
    with open(path, "wb") as f:
        f.write(content)
