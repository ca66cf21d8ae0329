"""Today's (or any day's) appointments: cache first, then the server; status changes via the outbox.

Every status change is written to the outbox first and shown at once with a "pending sync" mark;
`flush()` sends the outbox in order. So a change made offline, or while the console crashes, is
never lost, and online and offline changes take the same path.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from console import log
from console.domain.appointment import Appointment, Status
from console.domain.catalogue import Tramit
from console.i18n import _
from console.services.tasks import spawn
from console.sync.api import BackendApi
from console.sync.cache import OfflineCache
from console.sync.errors import ApiError, NotAuthenticated, Offline, StaleVersion
from console.sync.events import ServerEvent
from console.sync.localdb import LocalDb
from console.sync.outbox import CONFLICT, PENDING, Outbox, OutboxEntry


@dataclass(frozen=True, slots=True)
class Conflict:
    """A change of mine the server refused because someone else changed the appointment first."""

    entry_id: int
    mine: dict[str, Any]
    current: Appointment


class AgendaService(QObject):
    """Loads and edits the agenda. Never touches widgets.

    Signals:
        day_loaded: the appointments of a day as shown. args: date, list[Appointment], from_cache: bool
        appointment_changed: one appointment as shown changed. arg: Appointment
        sync_state_changed: per appointment id "pending" | "conflict". arg: dict[str, str]
        conflicts_changed: arg: list[Conflict]
        catalogue_loaded: arg: dict[str, Tramit]
        failed: a user-facing message
        auth_lost: the server no longer accepts this session (a new login is needed)
        offline: a request found the backend unreachable
        online: a request reached the backend
    """

    day_loaded = pyqtSignal(object, list, bool)
    appointment_changed = pyqtSignal(object)
    sync_state_changed = pyqtSignal(dict)
    conflicts_changed = pyqtSignal(list)
    catalogue_loaded = pyqtSignal(dict)
    failed = pyqtSignal(str)
    auth_lost = pyqtSignal()
    offline = pyqtSignal()
    online = pyqtSignal()

    def __init__(self, api: BackendApi, db: LocalDb, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._api = api
        self._db = db
        self._cache = OfflineCache(db)
        self._outbox = Outbox(db)
        self.day: date = date.today()
        self._server: dict[str, Appointment] = {}  # the server's copies for self.day
        self._entries: list[OutboxEntry] = []
        self._flush_lock = asyncio.Lock()
        self.tramits: dict[str, Tramit] = {}

    def set_scope(self, scope: str) -> None:
        self._cache.scope = self._outbox.scope = scope

    # -- reading --------------------------------------------------------------------------------
    async def load_catalogue(self) -> None:
        cached = await self._db.run(self._cache.load_catalogue)
        if cached:
            self._set_catalogue(cached)
        try:
            tramits = await self._api.tramits()
        except Offline:
            self.offline.emit()
            return
        except NotAuthenticated:
            self.auth_lost.emit()
            return
        except ApiError as exc:
            log.sync.warning("catalogue not loaded: %s", exc)
            return
        self.online.emit()
        await self._db.run(self._cache.store_catalogue, tramits)
        self._set_catalogue(tramits)

    def _set_catalogue(self, tramits: list[Tramit]) -> None:
        self.tramits = {t.code: t for t in tramits}
        self.catalogue_loaded.emit(dict(self.tramits))

    async def load_day(self, day: date, use_cache: bool = True) -> None:
        """Show the cached copy of `day` at once, then the server's."""
        self.day = day
        self._entries = await self._db.run(self._outbox.entries)
        if use_cache:
            cached = await self._db.run(self._cache.load_day, day)
            if cached is not None and day == self.day:
                self._set_server(cached)
                self._emit_day(from_cache=True)
        try:
            fresh = await self._api.appointments(day)
        except Offline:
            self.offline.emit()
            if day == self.day and use_cache and (await self._db.run(self._cache.load_day, day)) is None:
                self._set_server([])
                self._emit_day(from_cache=True)
            return
        except NotAuthenticated:
            self.auth_lost.emit()
            return
        except ApiError as exc:
            self.failed.emit(_("The agenda could not be loaded: {message}").format(message=exc.message))
            return
        self.online.emit()
        await self._db.run(self._cache.store_day, day, fresh)
        if day == self.day:
            self._set_server(fresh)
            self._emit_day(from_cache=False)

    def _set_server(self, appointments: list[Appointment]) -> None:
        self._server = {a.id: a for a in appointments}

    def shown(self, appointment: Appointment) -> Appointment:
        """The appointment as the informador should see it: server copy plus my pending changes."""
        for entry in self._entries:
            if entry.appointment_id == appointment.id and entry.state == PENDING:
                appointment = entry.apply_to(appointment)
        return appointment

    def sync_states(self) -> dict[str, str]:
        states: dict[str, str] = {}
        for entry in self._entries:
            if states.get(entry.appointment_id) != CONFLICT:
                states[entry.appointment_id] = entry.state
        return states

    def conflicts(self) -> list[Conflict]:
        return [
            Conflict(e.id, e.changes, e.current)
            for e in self._entries
            if e.state == CONFLICT and e.current is not None
        ]

    def _emit_day(self, from_cache: bool) -> None:
        shown = sorted((self.shown(a) for a in self._server.values()), key=lambda a: (a.start, a.id))
        self.sync_state_changed.emit(self.sync_states())
        self.day_loaded.emit(self.day, shown, from_cache)
        self.conflicts_changed.emit(self.conflicts())

    def _emit_one(self, appointment_id: str) -> None:
        self.sync_state_changed.emit(self.sync_states())
        server = self._server.get(appointment_id)
        if server is not None:
            self.appointment_changed.emit(self.shown(server))

    async def _reload_entries(self) -> None:
        self._entries = await self._db.run(self._outbox.entries)
        self.conflicts_changed.emit(self.conflicts())

    # -- writing --------------------------------------------------------------------------------
    async def change_status(self, appointment_id: str, status: Status, outcome: str | None = None) -> None:
        server = self._server.get(appointment_id)
        if server is None:
            server = await self._db.run(self._cache.get, appointment_id)
        if server is None:
            self.failed.emit(_("This appointment is no longer in the agenda."))
            return
        changes: dict[str, Any] = {"status": str(status)}
        if status == Status.COMPLETED and outcome:
            changes["outcome"] = outcome
        # The base version is the server copy's: pending entries on the same appointment are
        # chained at replay time (see flush).
        await self._db.run(self._outbox.add, appointment_id, server.version, changes)
        await self._reload_entries()
        self._emit_one(appointment_id)
        await self.flush()

    async def flush(self) -> None:
        """Send the pending outbox entries, oldest first. Stops at the first sign of being offline."""
        async with self._flush_lock:
            entries = await self._db.run(self._outbox.entries, PENDING)
            written: dict[str, Appointment] = {}  # what my own earlier writes in this run produced
            for entry in entries:
                base = written.get(entry.appointment_id)
                version = base.version if base is not None else entry.base_version
                try:
                    result = await self._api.patch_appointment(entry.appointment_id, version, **entry.changes)
                except Offline:
                    self.offline.emit()
                    break
                except StaleVersion as exc:
                    current = Appointment.from_json(exc.current)
                    log.sync.info("outbox entry %s conflicts (server v%s)", entry.id, current.version)
                    await self._db.run(self._outbox.mark_conflict, entry.id, current, exc.message)
                    await self._store_server(current)
                    continue
                except NotAuthenticated:
                    self.auth_lost.emit()  # keep everything: it is sent after the next login
                    break
                except ApiError as exc:
                    if exc.status >= 500 or exc.status in (408, 429):
                        log.sync.info("outbox paused, server said %s", exc.status)  # transient: retry later
                        break
                    # Refused for good (invalid transition, gone): drop it, tell the informador.
                    log.sync.warning("outbox entry %s refused: %s", entry.id, exc)
                    await self._db.run(self._outbox.remove, entry.id)
                    self.failed.emit(
                        _("A change was refused by the server: {message}").format(message=exc.message)
                    )
                    await self._refresh_one(entry.appointment_id)
                    continue
                self.online.emit()
                written[entry.appointment_id] = result
                await self._db.run(self._outbox.remove, entry.id)
                await self._store_server(result)
            await self._reload_entries()
            for appointment_id in {e.appointment_id for e in entries}:
                self._emit_one(appointment_id)

    async def _store_server(self, appointment: Appointment) -> None:
        await self._db.run(self._cache.upsert, appointment)
        if appointment.day == self.day:
            self._server[appointment.id] = appointment

    async def _refresh_one(self, appointment_id: str) -> None:
        try:
            await self._store_server(await self._api.appointment(appointment_id))
        except (Offline, ApiError):
            return

    async def resolve_conflict(self, entry_id: int, keep_mine: bool) -> None:
        """ "Keep mine": re-apply my change on the server's current version. "Discard mine": drop it."""
        entry = await self._db.run(self._outbox.get, entry_id)
        if entry is None or entry.state != CONFLICT:
            return
        if keep_mine and entry.current is not None:
            await self._db.run(self._outbox.rebase, entry_id, entry.current.version)
            await self._reload_entries()
            self._emit_one(entry.appointment_id)
            await self.flush()
            return
        await self._db.run(self._outbox.remove, entry_id)
        await self._reload_entries()
        self._emit_one(entry.appointment_id)

    # -- server push ----------------------------------------------------------------------------
    def on_server_event(self, event: ServerEvent) -> None:
        if event.type not in ("appointment.created", "appointment.updated"):
            return
        raw = event.data.get("appointment")
        if not isinstance(raw, dict):
            return
        appointment = Appointment.from_json(raw)
        spawn(self._apply_pushed(appointment))

    async def _apply_pushed(self, appointment: Appointment) -> None:
        known = self._server.get(appointment.id)
        if known is not None and known.version > appointment.version:
            return  # an older event arriving late
        if known is not None and not appointment.citizen_birth_date:
            # Events leave the date of birth out (they reach boards and other offices): keep the one
            # this console was given, so the identification check still has it after an update.
            appointment = replace(appointment, citizen_birth_date=known.citizen_birth_date)
        await self._db.run(self._cache.upsert, appointment)
        if appointment.day != self.day:
            if known is not None:  # moved to another day
                del self._server[appointment.id]
                self._emit_day(from_cache=False)
            return
        is_new = known is None
        self._server[appointment.id] = appointment
        if is_new:
            self._emit_day(from_cache=False)
        else:
            self._emit_one(appointment.id)

    async def shutdown(self) -> None:
        async with self._flush_lock:
            pass  # let a running flush finish its current request
