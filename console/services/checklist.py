"""The call-script checklist of each appointment: engine runs, their offline copy, sync and gates.

Operations change the in-memory run at once (the panel never waits for the network); the run is then
saved to the local SQLite file and its unacknowledged events posted with `expected_seq`. A 409 means
someone else (a colleague after a transfer, a supervisor) appended first: their events are taken and
mine re-applied on top. Offline, events stay in the local copy and go out when the backend is back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QObject, pyqtSignal

from console import formatting, i18n, log, paths
from console.domain.appointment import Appointment
from console.domain.catalogue import Tramit
from console.i18n import N_, _
from console.scripts import (
    Action,
    AppointmentFacts,
    AttentionLevel,
    CallScript,
    ChecklistEngine,
    ChecklistEvent,
    Fact,
    Gate,
    GateStatus,
    IdentificationLevel,
    ItemState,
    Language,
    LocalizedError,
    RecordingPolicy,
    RunError,
    ScriptContext,
    ScriptError,
    load_script,
    load_script_by_id,
)
from console.scripts.texts import fallback_chain
from console.services.tasks import spawn
from console.sync.api import BackendApi
from console.sync.checklist_store import ChecklistStore
from console.sync.errors import ApiError, NotAuthenticated, NotFound, Offline
from console.sync.events import ServerEvent
from console.sync.localdb import LocalDb

MAX_MERGE_ROUNDS = 3
GATE_NAMES = {
    Gate.ATTENDED_MODE: N_("Attended mode (wizard)"),
    Gate.SEND_PERSONAL_DOCUMENTS: N_("Sending documents with personal data"),
    Gate.CLOSE_RESOLVED: N_("Closing as resolved"),
}


@dataclass
class OpenRun:
    appointment: Appointment
    engine: ChecklistEngine
    acked_seq: int  # events up to this seq are on the server
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    # Opened offline: script, context and facts came from the cache; the server's replace them on
    # the first flush that reaches it (before posting, so my events are checked against them).
    from_cache: bool = False

    @property
    def unsent(self) -> int:
        return len(self.engine.run.events) - self.acked_seq


def _server_context(body: dict[str, Any]) -> ScriptContext:
    """The context in the server's GET .../checklist answer (KeyError/ValueError when it is malformed)."""
    ctx = body["context"]
    return ScriptContext(
        AttentionLevel(ctx["attention_level"]),
        IdentificationLevel(ctx["identification_level"]),
        RecordingPolicy(ctx["recording_policy"]),
    )


def _language(code: str) -> Language:
    try:
        return Language(code)
    except ValueError:
        return Language.CA


class ChecklistService(QObject):
    """Owns the checklist runs of the appointments opened in this console. Never touches widgets.

    Signals:
        run_opened: a run was loaded (or rebuilt after a merge). arg: appointment id
        run_changed: item states of a run changed. arg: appointment id
        gates_changed: gate status may have changed. arg: appointment id
        sync_changed: events not yet on the server. args: appointment id, count
        failed: a user-facing message (a refused or lost change)
        offline / online / auth_lost: as AgendaService's
    """

    run_opened = pyqtSignal(str)
    run_changed = pyqtSignal(str)
    gates_changed = pyqtSignal(str)
    sync_changed = pyqtSignal(str, int)
    failed = pyqtSignal(str)
    offline = pyqtSignal()
    online = pyqtSignal()
    auth_lost = pyqtSignal()

    def __init__(
        self,
        api: BackendApi,
        db: LocalDb,
        parent: QObject | None = None,
        clock: Callable[[Appointment], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._api = api
        self._db = db
        self._store = ChecklistStore(db)
        # The office's clock: its date is "today" for expiry checks (the appointment carries the offset).
        self._clock = clock or (lambda appt: datetime.now(appt.start.tzinfo))
        self._runs: dict[str, OpenRun] = {}
        self._opening: dict[str, asyncio.Task[Any]] = {}
        self.username = ""
        self.full_name = ""  # {staff_name} in script texts: the person, not the login
        self.office_name = ""
        self.role = "informador"
        self.recording_policy = RecordingPolicy.NEVER
        self.identification_levels: dict[str, str] = {}  # tràmit code → level, for offline starts
        self.tramits: dict[str, Tramit] = {}

    # -- session ----------------------------------------------------------------------------------
    def set_user(
        self,
        scope: str,
        username: str,
        role: str,
        recording_policy: str = "never",
        *,
        full_name: str = "",
        office_name: str = "",
    ) -> None:
        """Who acts (events carry the username) and the office's context for runs started offline."""
        if scope != self._store.scope:
            self._runs.clear()
        self._store.scope = scope
        self.username, self.role = username, role
        self.full_name, self.office_name = full_name, office_name
        try:
            self.recording_policy = RecordingPolicy(recording_policy)
        except ValueError:
            self.recording_policy = RecordingPolicy.NEVER

    def set_catalogue(self, tramits: dict[str, Tramit]) -> None:
        """The tràmits (names for script texts, identification levels for offline starts)."""
        self.tramits = dict(tramits)
        self.identification_levels = {code: t.identification_level for code, t in tramits.items()}

    def placeholders(self, appointment_id: str, language: str) -> dict[str, str]:
        """Values for {staff_name}, {office_name}, {citizen_name}, {tramit_name} in `language`.

        The tràmit name follows the script texts' fallback chain (ar → es → ca), so a text shown in
        Spanish for an Arabic-speaking citizen names the tràmit in Spanish too.
        """
        values = {"staff_name": self.full_name or self.username, "office_name": self.office_name}
        appointment = self.appointment(appointment_id)
        if appointment is None:
            return values
        values["citizen_name"] = appointment.citizen_name
        tramit = self.tramits.get(appointment.tramit_code)
        if tramit is not None:
            chain = [lang.value for lang in fallback_chain(_language(language))]
            values["tramit_name"] = next(
                (tramit.names[lang] for lang in chain if tramit.names.get(lang)), tramit.name(language)
            )
        return values

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    # -- reading ----------------------------------------------------------------------------------
    def engine(self, appointment_id: str) -> ChecklistEngine | None:
        run = self._runs.get(appointment_id)
        return run.engine if run else None

    def appointment(self, appointment_id: str) -> Appointment | None:
        run = self._runs.get(appointment_id)
        return run.appointment if run else None

    def unsent(self, appointment_id: str) -> int:
        run = self._runs.get(appointment_id)
        return run.unsent if run else 0

    def gate_status(self, appointment_id: str, gate: Gate | str) -> GateStatus:
        """Whether the action may run now, with reasons in the UI language.

        Until the run is loaded the gate is closed ("not loaded yet"): a missing checklist must never
        open an action that needs identification. Call `ensure_open` to load it.
        """
        gate = Gate(gate)
        run = self._runs.get(appointment_id)
        if run is None:
            return GateStatus(gate, False, (_("The checklist has not been opened yet."),), ())
        return run.engine.gate_status(gate, i18n.language())

    def blocked_reason(self, appointment_id: str, gate: Gate | str) -> str:
        """ "" when the gate is open, else "Closing as resolved blocked: missing X, Y" (UI language)."""
        gate = Gate(gate)
        status = self.gate_status(appointment_id, gate)
        if status.allowed:
            return ""
        engine = self.engine(appointment_id)
        labels = [
            engine.run.item(item_id).label.get(i18n.language())
            for item_id in status.missing
            if engine is not None and engine.run.has_item(item_id)
        ]
        if not labels:  # not loaded, or a gate no item can open at this level
            return _("{action} blocked: {reasons}").format(
                action=_(GATE_NAMES[gate]), reasons=" ".join(status.reasons)
            )
        return _("{action} blocked: missing {items}").format(
            action=_(GATE_NAMES[gate]), items=", ".join(labels)
        )

    def ensure_open(self, appointment: Appointment) -> None:
        """Load the run in the background if it is not loaded (gates_changed follows)."""
        if appointment.id not in self._runs and appointment.id not in self._opening:
            self._opening[appointment.id] = spawn(self.open(appointment))

    # -- loading ----------------------------------------------------------------------------------
    async def open(self, appointment: Appointment) -> bool:
        """Load the appointment's run: the server's events (plus my unsent ones), else the local copy."""
        try:
            if appointment.id in self._runs:
                self.run_opened.emit(appointment.id)
                return True
            saved = await self._db.run(self._store.load, appointment.id)
            try:
                body = await self._api.checklist(appointment.id)
            except Offline:
                self.offline.emit()
                run = await self._open_offline(appointment, saved)
            except NotAuthenticated:
                self.auth_lost.emit()
                return False
            except NotFound:
                self.failed.emit(_("This appointment's checklist is not available."))
                return False
            except ApiError as exc:
                self.failed.emit(
                    _("The checklist could not be loaded: {message}").format(message=exc.message)
                )
                return False
            else:
                self.online.emit()
                run = await self._open_online(appointment, body, saved)
            if run is None:
                return False
            self._runs[appointment.id] = run
            self._take_over(run)
            self.run_opened.emit(appointment.id)
            self.gates_changed.emit(appointment.id)
            await self.flush(appointment.id)
            return True
        finally:
            self._opening.pop(appointment.id, None)

    async def _open_online(
        self, appointment: Appointment, body: dict[str, Any], saved: tuple[str, int] | None
    ) -> OpenRun | None:
        script = await self._script(str(body["script_id"]))
        if script is None:
            return None
        context = _server_context(body)
        facts = AppointmentFacts.from_dict(body["appointment"])
        server_events = [ChecklistEvent.from_dict(e) for e in body.get("events") or []]
        clock = self._clock_for(appointment)
        engine = ChecklistEngine.from_events(script, facts, context, server_events, clock)
        run = OpenRun(appointment, engine, len(server_events))
        if saved is not None:
            mine = self._unsent_of(saved, script, clock)
            if mine:
                self._reapply(run, mine)
        if (body.get("facts") or {}).get(Fact.PIN_VERIFIED.value):
            engine.apply_fact(Fact.PIN_VERIFIED, True)
        return run

    def _unsent_of(self, saved: tuple[str, int], script: CallScript, clock: Any) -> list[ChecklistEvent]:
        run_json, acked = saved
        try:
            local = ChecklistEngine.restore(run_json, clock, script=script)
        except (RunError, ScriptError) as exc:
            log.sync.warning("local checklist copy unusable: %s", exc)
            return []
        return list(local.run.events_after(acked))

    async def _open_offline(self, appointment: Appointment, saved: tuple[str, int] | None) -> OpenRun | None:
        clock = self._clock_for(appointment)
        if saved is not None:
            run_json, acked = saved
            try:
                from console.scripts.run import saved_script_id

                script = await self._script(saved_script_id(run_json), offline=True)
                if script is not None:
                    return OpenRun(
                        appointment,
                        ChecklistEngine.restore(run_json, clock, script=script),
                        acked,
                        from_cache=True,
                    )
            except (RunError, ScriptError) as exc:
                log.sync.warning("local checklist copy unusable: %s", exc)
        # Never opened here before: start from the bundled script; it is merged when the backend is back.
        try:
            level = AttentionLevel(appointment.level)
            script = load_script(level, appointment.tramit_code, self._cached_root())
        except (ValueError, ScriptError):
            try:
                script = load_script(appointment.level, appointment.tramit_code)
            except (ValueError, ScriptError) as exc:
                self.failed.emit(_("The call script could not be loaded: {message}").format(message=str(exc)))
                return None
        ident = self.identification_levels.get(appointment.tramit_code, "full")
        context = ScriptContext(
            AttentionLevel(appointment.level),
            IdentificationLevel(ident)
            if ident in {x.value for x in IdentificationLevel}
            else IdentificationLevel.FULL,
            self.recording_policy,
        )
        facts = AppointmentFacts(
            appointment.id,
            appointment.citizen_name,
            _birth_date(appointment.citizen_birth_date),
            _language(appointment.language),
        )
        return OpenRun(appointment, ChecklistEngine.start(script, facts, context, clock), 0, from_cache=True)

    def _clock_for(self, appointment: Appointment) -> Callable[[], datetime]:
        return lambda: self._clock(appointment)

    def _take_over(self, run: OpenRun) -> None:
        """Another informador held the call (a transfer): record that I continue it."""
        previous = run.engine.run.current_staff
        if self.role != "informador" or not self.username or previous in (None, self.username, "system"):
            return
        run.engine.handover(self.username, self.username, f"continued from {previous}")

    # -- scripts ----------------------------------------------------------------------------------
    def _cached_root(self) -> Path:
        digest = hashlib.sha256(self._store.scope.encode()).hexdigest()[:16]
        return paths.data_dir() / "scripts" / digest

    async def _script(self, script_id: str, offline: bool = False) -> CallScript | None:
        """The office's current copy (served with the catalogue), else the last one seen, else bundled."""
        root = self._cached_root()
        if not offline:
            try:
                files = await self._api.script_files(script_id)
                await self._db.run(_write_files, root, files)
            except (Offline, ApiError) as exc:
                log.sync.info("script %s not fetched: %s", script_id, exc)
        for where in (root, None):
            try:
                return load_script_by_id(script_id, where)
            except (OSError, ValueError, ScriptError) as exc:
                log.sync.info("script %s not loaded from %s: %s", script_id, where or "bundle", exc)
        self.failed.emit(_("The call script could not be loaded: {message}").format(message=script_id))
        return None

    # -- operations -------------------------------------------------------------------------------
    def _do(self, appointment_id: str, op: Callable[[ChecklistEngine], object]) -> str:
        """Run one engine operation; "" when recorded, else the engine's message in the UI language."""
        run = self._runs.get(appointment_id)
        if run is None:
            return _("The checklist has not been opened yet.")
        try:
            op(run.engine)
        except LocalizedError as exc:
            return exc.message(i18n.language(), formatting.date_short)
        self._changed(appointment_id)
        return ""

    def _changed(self, appointment_id: str) -> None:
        self.run_changed.emit(appointment_id)
        self.gates_changed.emit(appointment_id)
        self.sync_changed.emit(appointment_id, self.unsent(appointment_id))
        spawn(self.flush(appointment_id))

    def tick(
        self, appointment_id: str, item_id: str, values: dict[str, object] | None = None, note: str = ""
    ) -> str:
        return self._do(appointment_id, lambda e: e.tick(item_id, self.username, values or {}, note))

    def fail(self, appointment_id: str, item_id: str, note: str) -> str:
        return self._do(appointment_id, lambda e: e.fail(item_id, self.username, note))

    def skip(self, appointment_id: str, item_id: str, note: str = "") -> str:
        return self._do(appointment_id, lambda e: e.skip(item_id, self.username, note))

    def reset(self, appointment_id: str, item_id: str, note: str) -> str:
        return self._do(appointment_id, lambda e: e.reset(item_id, self.username, note))

    def add_note(self, appointment_id: str, item_id: str, note: str) -> str:
        return self._do(appointment_id, lambda e: e.add_note(item_id, self.username, note))

    def override(self, appointment_id: str, target: str, reason: str) -> str:
        """A supervisor lets a gate (or an item) through; the role comes from the session."""
        return self._do(appointment_id, lambda e: e.override(target, self.username, self.role, reason))

    # -- server push ------------------------------------------------------------------------------
    def on_server_event(self, event: ServerEvent) -> None:
        appointment_id = str(event.data.get("appointment_id") or "")
        run = self._runs.get(appointment_id)
        if run is None:
            return  # opened later: GET .../checklist carries the same facts and events
        if event.type == "checklist.fact" and event.data.get("value") is True:
            try:
                produced = run.engine.apply_fact(str(event.data.get("fact")), True)
            except ValueError:
                return  # a fact this console does not know
            if produced:
                self._changed(appointment_id)
        elif event.type == "checklist.updated" and event.data.get("by") != self.username:
            seq = event.data.get("seq")
            if isinstance(seq, int) and seq > run.acked_seq:
                spawn(self.refresh(appointment_id))

    async def refresh(self, appointment_id: str) -> None:
        """Take the server's events (a colleague or supervisor wrote), keeping mine on top."""
        run = self._runs.get(appointment_id)
        if run is None:
            return
        async with run.lock:
            try:
                body = await self._api.checklist(appointment_id)
            except (Offline, ApiError):
                return
            self._merge(run, body)
        await self.flush(appointment_id)

    # -- sync -------------------------------------------------------------------------------------
    async def flush(self, appointment_id: str | None = None) -> None:
        """Save the run(s) locally, then post unsent events. Stops quietly when offline."""
        ids = [appointment_id] if appointment_id else list(self._runs)
        for one in ids:
            run = self._runs.get(one)
            if run is not None:
                await self._flush_one(run)

    async def _flush_one(self, run: OpenRun) -> None:
        appointment_id = run.appointment.id
        async with run.lock:
            if run.from_cache and not await self._adopt_server_run(run):
                await self._save(run)
                self.sync_changed.emit(appointment_id, run.unsent)
                return
            for _round in range(MAX_MERGE_ROUNDS):
                await self._save(run)
                pending = run.engine.run.events_after(run.acked_seq)
                if not pending:
                    break
                try:
                    body = await self._api.post_checklist_events(
                        appointment_id, run.acked_seq, [e.to_dict() for e in pending]
                    )
                except Offline:
                    self.offline.emit()
                    break
                except NotAuthenticated:
                    self.auth_lost.emit()
                    break
                except ApiError as exc:
                    current = exc.body.get("current")
                    if exc.status == 409 and isinstance(current, dict):
                        self._merge(run, current)
                        continue
                    if exc.status >= 500 or exc.status in (408, 429):
                        break  # transient: the next flush retries
                    # Refused for good: the server's copy wins; say what was lost.
                    log.sync.warning("checklist events refused: %s", exc)
                    self.failed.emit(
                        _("A checklist change was refused by the server: {message}").format(
                            message=exc.message
                        )
                    )
                    self._rebuild(run, [])
                    await self._refetch(run)
                    continue
                self.online.emit()
                run.acked_seq = len(body.get("events") or [])
            await self._save(run)
        self.sync_changed.emit(appointment_id, run.unsent)

    async def _adopt_server_run(self, run: OpenRun) -> bool:
        """A run opened offline meets the server: its events, context and facts first, mine on top."""
        try:
            body = await self._api.checklist(run.appointment.id)
        except Offline:
            self.offline.emit()
            return False
        except NotAuthenticated:
            self.auth_lost.emit()
            return False
        except ApiError as exc:
            log.sync.info("checklist of %s not fetched: %s", run.appointment.id, exc)
            return False
        self.online.emit()
        run.from_cache = False
        self._merge(run, body)
        if (body.get("facts") or {}).get(Fact.PIN_VERIFIED.value):
            run.engine.apply_fact(Fact.PIN_VERIFIED, True)
        return True

    async def _refetch(self, run: OpenRun) -> None:
        try:
            self._merge(run, await self._api.checklist(run.appointment.id))
        except (Offline, ApiError):
            return

    async def _save(self, run: OpenRun) -> None:
        events = run.engine.run.events
        await self._db.run(
            self._store.save, run.appointment.id, run.engine.run.to_json(), len(events), run.acked_seq
        )

    def _merge(self, run: OpenRun, body: dict[str, Any]) -> None:
        """Server events first, then my unsent ones re-applied on top (renumbered)."""
        mine = list(run.engine.run.events_after(run.acked_seq))
        server = [ChecklistEvent.from_dict(e) for e in body.get("events") or []]
        self._rebuild(run, server, body)
        run.acked_seq = len(server)
        lost = self._reapply(run, mine)
        if lost:
            self.failed.emit(
                _(
                    "{n} checklist change(s) no longer fit after a colleague's changes and were dropped."
                ).format(n=lost)
            )
        self.run_opened.emit(run.appointment.id)
        self.gates_changed.emit(run.appointment.id)

    def _rebuild(
        self, run: OpenRun, server: list[ChecklistEvent], body: dict[str, Any] | None = None
    ) -> None:
        """A new engine over the server's events. With the server's answer (`body`), its script,
        context and appointment facts replace what a run started offline guessed from the cache."""
        old = run.engine
        script, facts, context = old.run.script, old.run.appointment, old.run.context
        if body is not None:
            try:
                script = self._server_script(str(body.get("script_id") or script.id), script)
                context = _server_context(body)
                facts = AppointmentFacts.from_dict(body["appointment"])
            except (KeyError, TypeError, ValueError, ScriptError) as exc:
                log.sync.warning("server checklist context unusable, keeping mine: %s", exc)
                script, facts, context = old.run.script, old.run.appointment, old.run.context
        run.engine = ChecklistEngine.from_events(
            script, facts, context, server, self._clock_for(run.appointment)
        )
        run.acked_seq = len(server)

    def _server_script(self, script_id: str, current: CallScript) -> CallScript:
        """The script the server's run uses: mine if the same, else the cached copy or the bundle."""
        if script_id == current.id:
            return current
        try:
            return load_script_by_id(script_id, self._cached_root())
        except (OSError, ValueError, ScriptError):
            return load_script_by_id(script_id)

    @staticmethod
    def _reapply(run: OpenRun, mine: list[ChecklistEvent]) -> int:
        lost = 0
        target = run.engine.run
        for event in mine:
            if (
                event.action is Action.FACT
                and event.item_id
                and target.record(event.item_id).state is ItemState.DONE
            ):
                continue  # the same fact, already recorded by another console
            again = dataclasses.replace(event, seq=target.next_seq)
            if event.action is Action.NOTE and event.item_id and target.has_item(event.item_id):
                again = dataclasses.replace(again, state=target.record(event.item_id).state)
            try:
                target.apply(again)
            except RunError as exc:
                log.sync.warning("checklist event dropped in a merge: %s", exc)
                lost += 1
        return lost

    async def replay_unsent(self) -> None:
        """After a reconnect: post every run with unsent events, including runs not open right now."""
        await self.flush()
        for appointment_id in await self._db.run(self._store.unsent):
            if appointment_id not in self._runs:
                log.sync.info("checklist of %s has unsent events; sent when it is opened", appointment_id)

    async def shutdown(self) -> None:
        for run in list(self._runs.values()):
            async with run.lock:
                await self._save(run)


def _birth_date(iso: str) -> date | None:
    try:
        return date.fromisoformat(iso) if iso else None
    except ValueError:
        return None


def _write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        target = (root / name).resolve()
        if root.resolve() not in target.parents:
            continue  # a server must not write outside the cache folder
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
