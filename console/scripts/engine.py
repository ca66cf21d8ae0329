"""The checklist engine: validated operations on a run, each producing one ChecklistEvent.

The engine has no clock and no I/O of its own. Time comes from an injected clock (timezone-aware,
in the office's zone: its date is "today" for expiry checks); every event is handed to listeners,
which is where a Qt service, the backend outbox and the audit log plug in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

from console.scripts import evidence
from console.scripts.gates import GateStatus, all_gates, gate_status, recording_allowed
from console.scripts.loader import load_script_by_id
from console.scripts.messages import LocalizedError
from console.scripts.model import CallScript, Fact, Gate, ItemKind, ScriptContext, ScriptItem, StaffRole
from console.scripts.run import (
    Action,
    AppointmentFacts,
    ChecklistEvent,
    ChecklistRun,
    ItemState,
    RunError,
    Value,
    saved_script_id,
)
from console.scripts.texts import Language

Clock = Callable[[], datetime]
Listener = Callable[[ChecklistEvent], None]

MIN_OVERRIDE_REASON_CHARS = 10
MAX_NOTE_CHARS = 2000
MAX_STAFF_ID_CHARS = 100
SYSTEM_ACTOR = "system"  # who applies backend facts (PIN verified)


class ChecklistError(LocalizedError):
    """An operation the engine refuses (wrong item, missing reason, not a supervisor...)."""


class ChecklistEngine:
    def __init__(self, run: ChecklistRun, clock: Clock) -> None:
        self.run = run
        self._clock = clock
        self._listeners: list[Listener] = []

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def start(
        cls, script: CallScript, appointment: AppointmentFacts, context: ScriptContext, clock: Clock
    ) -> ChecklistEngine:
        """A fresh run for a call: the script's items that apply to this level, tràmit and office."""
        return cls(ChecklistRun(script, appointment, context), clock)

    @classmethod
    def from_events(
        cls,
        script: CallScript,
        appointment: AppointmentFacts,
        context: ScriptContext,
        events: Iterable[ChecklistEvent],
        clock: Clock,
    ) -> ChecklistEngine:
        """Continue from the backend's event list (its copy is the source of truth)."""
        return cls(ChecklistRun.replay(script, appointment, context, events), clock)

    @classmethod
    def restore(
        cls, saved_json: str, clock: Clock, script: CallScript | None = None, scripts_root: Path | None = None
    ) -> ChecklistEngine:
        """Continue a saved run (after a restart or a transfer); loads its script if not given."""
        if script is None:
            script = load_script_by_id(saved_script_id(saved_json), scripts_root)
        return cls(ChecklistRun.from_json(saved_json, script), clock)

    def add_listener(self, listener: Listener) -> None:
        """Called with every new event, in order, after the run has applied it."""
        self._listeners.append(listener)

    # -- reading -------------------------------------------------------------------------------
    def now(self) -> datetime:
        at = self._clock()
        if at.tzinfo is None or at.utcoffset() is None:
            raise RunError("the engine's clock must return timezone-aware datetimes")
        return at

    def today(self) -> date:
        return self.now().date()

    def gate_status(self, gate: Gate | str, language: Language | str = Language.CA) -> GateStatus:
        return gate_status(self.run, gate, language)

    def gates(self, language: Language | str = Language.CA) -> dict[Gate, GateStatus]:
        return all_gates(self.run, language)

    def recording_allowed(self) -> bool:
        return recording_allowed(self.run)

    def missing_required(self) -> list[ScriptItem]:
        """Required items not done (nor overridden): what stops the checklist from being complete."""
        return [item for item in self.run.items if item.required and not self.run.record(item.id).satisfied]

    # -- operations ----------------------------------------------------------------------------
    def tick(
        self, item_id: str, by: str, values: Mapping[str, object] | None = None, note: str = ""
    ) -> ChecklistEvent:
        """Record an item as done with its evidence (validated); a refused must-grant consent fails it."""
        item = self._item(item_id)
        if item.kind is ItemKind.AUTOMATIC:
            raise ChecklistError("automatic_item", label=item.label, fact=str(item.fact))
        state, clean = evidence.validate(item, values or {}, self.run.appointment, self.today())
        evidence.require_uncompared_note(item, self.run.appointment, self.run.context, note)
        return self._emit(Action.TICK, by, item_id=item_id, state=state, values=clean, note=_note(note))

    def answer_consent(self, item_id: str, by: str, granted: bool, note: str = "") -> ChecklistEvent:
        return self.tick(item_id, by, {"granted": granted}, note)

    def fail(self, item_id: str, by: str, note: str) -> ChecklistEvent:
        """The informador saw the check fail (e.g. the face does not match the document)."""
        item = self._item(item_id)
        if item.kind is ItemKind.AUTOMATIC:
            raise ChecklistError("automatic_item", label=item.label, fact=str(item.fact))
        return self._emit(Action.FAIL, by, item_id=item_id, state=ItemState.FAILED, note=_note(note, True))

    def skip(self, item_id: str, by: str, note: str = "") -> ChecklistEvent:
        item = self._item(item_id)
        if item.required:
            raise ChecklistError("skip_required", label=item.label)
        return self._emit(Action.SKIP, by, item_id=item_id, state=ItemState.SKIPPED, note=_note(note))

    def reset(self, item_id: str, by: str, note: str) -> ChecklistEvent:
        """Undo a mistaken tick; the history keeps both events."""
        item = self._item(item_id)
        if item.kind is ItemKind.AUTOMATIC:
            raise ChecklistError("automatic_item", label=item.label, fact=str(item.fact))
        return self._emit(Action.RESET, by, item_id=item_id, state=ItemState.PENDING, note=_note(note, True))

    def add_note(self, item_id: str, by: str, note: str) -> ChecklistEvent:
        self._item(item_id)
        state = self.run.record(item_id).state
        return self._emit(Action.NOTE, by, item_id=item_id, state=state, note=_note(note, True))

    def apply_fact(
        self,
        fact: Fact | str,
        value: bool,
        by: str = SYSTEM_ACTOR,
        values: Mapping[str, object] | None = None,
    ) -> list[ChecklistEvent]:
        """A fact reported by the backend (e.g. the citizen's PIN was verified) ticks its items.

        Facts only move items forward: a negative fact fails pending items but never undoes a done or
        overridden one, and a repeated fact (after a reconnect) adds no event.
        """
        fact = Fact(fact)
        clean = evidence.sanitize(values or {})
        target = ItemState.DONE if value else ItemState.FAILED
        produced = []
        for item in self.run.items:
            if item.kind is not ItemKind.AUTOMATIC or item.fact is not fact:
                continue
            current = self.run.record(item.id).state
            if current is target or (not value and current is not ItemState.PENDING):
                continue
            produced.append(
                self._emit(
                    Action.FACT, by, item_id=item.id, state=target, values={"fact": fact.value, **clean}
                )
            )
        return produced

    def override(self, target: Gate | str, by: str, role: StaffRole | str, reason: str) -> ChecklistEvent:
        """A supervisor lets a gate (or one item) through without the evidence, with a written reason."""
        if _role(role) is not StaffRole.SUPERVISOR:
            raise ChecklistError("override_role")
        reason = reason.strip()
        if len(reason) < MIN_OVERRIDE_REASON_CHARS:
            raise ChecklistError("override_reason", min=MIN_OVERRIDE_REASON_CHARS)
        reason = _note(reason, True)
        if target in {gate.value for gate in Gate}:
            return self._emit(
                Action.OVERRIDE_GATE, by, gate=Gate(target), note=reason, role=StaffRole.SUPERVISOR
            )
        if isinstance(target, str) and self.run.has_item(target):
            return self._emit(
                Action.OVERRIDE_ITEM,
                by,
                item_id=target,
                state=ItemState.OVERRIDDEN,
                note=reason,
                role=StaffRole.SUPERVISOR,
            )
        raise ChecklistError("unknown_target", target=str(target))

    def handover(self, by: str, to_staff: str, note: str = "") -> ChecklistEvent:
        """Record that the citizen was transferred; the receiver continues the same run."""
        to_staff = _staff(to_staff)
        return self._emit(Action.HANDOVER, by, values={"to": to_staff}, note=_note(note))

    # -- internals -----------------------------------------------------------------------------
    def _item(self, item_id: str) -> ScriptItem:
        if not self.run.has_item(item_id):
            raise ChecklistError("unknown_item", item=item_id)
        return self.run.item(item_id)

    def _emit(
        self,
        action: Action,
        by: str,
        *,
        item_id: str | None = None,
        gate: Gate | None = None,
        state: ItemState | None = None,
        values: Mapping[str, Value] | None = None,
        note: str = "",
        role: StaffRole | None = None,
    ) -> ChecklistEvent:
        event = ChecklistEvent(
            seq=self.run.next_seq,
            action=action,
            at=self.now(),
            by=_staff(by),
            item_id=item_id,
            gate=gate,
            state=state,
            values=values or {},
            note=note,
            role=role,
        )
        self.run.apply(event)
        for listener in self._listeners:
            listener(event)
        return event


def _staff(staff_id: str) -> str:
    staff_id = staff_id.strip() if isinstance(staff_id, str) else ""
    if not staff_id or len(staff_id) > MAX_STAFF_ID_CHARS:
        raise ChecklistError("staff_required")
    return staff_id


def _role(role: StaffRole | str) -> StaffRole | None:
    try:
        return StaffRole(role)
    except ValueError:
        return None


def _note(note: str, required: bool = False) -> str:
    note = note.strip()
    if required and not note:
        raise ChecklistError("note_required")
    if len(note) > MAX_NOTE_CHARS:
        raise ChecklistError("note_too_long", limit=MAX_NOTE_CHARS)
    return note
