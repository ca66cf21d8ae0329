"""A checklist run: the state of one call's script, derived from an append-only list of events.

Every change is a ChecklistEvent; the item records are only a fold over those events. That is what
makes progress portable: the same events sent to the backend and the audit log rebuild the same
state after a console restart, a dropped call or a transfer to another informador.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from console.scripts.model import (
    AttentionLevel,
    CallScript,
    Gate,
    IdentificationLevel,
    RecordingPolicy,
    ScriptContext,
    ScriptItem,
    StaffRole,
)
from console.scripts.texts import Language

RUN_FORMAT = "videoatencio.checklist-run/1"

# Evidence values: short texts (dates as ISO text), numbers and yes/no. Never bytes or images.
Value = str | bool | int


class RunError(ValueError):
    """A saved run or event list that does not fit its script (corrupt, reordered or outdated)."""


class ItemState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    OVERRIDDEN = "overridden"


# States that count as "done" for gates: a supervisor's override stands in for the evidence.
SATISFIED_STATES = frozenset({ItemState.DONE, ItemState.OVERRIDDEN})


class Action(StrEnum):
    TICK = "tick"
    FAIL = "fail"
    SKIP = "skip"
    RESET = "reset"
    NOTE = "note"
    FACT = "fact"
    OVERRIDE_ITEM = "override_item"
    OVERRIDE_GATE = "override_gate"
    HANDOVER = "handover"


# Which item states an event of each action may leave behind (checked on replay, too).
_RESULT_STATES: Mapping[Action, frozenset[ItemState]] = {
    Action.TICK: frozenset({ItemState.DONE, ItemState.FAILED}),
    Action.FAIL: frozenset({ItemState.FAILED}),
    Action.SKIP: frozenset({ItemState.SKIPPED}),
    Action.RESET: frozenset({ItemState.PENDING}),
    Action.FACT: frozenset({ItemState.DONE, ItemState.FAILED}),
    Action.OVERRIDE_ITEM: frozenset({ItemState.OVERRIDDEN}),
}


def _frozen(values: Mapping[str, Value] | None) -> Mapping[str, Value]:
    return MappingProxyType(dict(values or {}))


def _aware(at: datetime, what: str) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise RunError(f"{what} must be timezone-aware: {at.isoformat()}")
    return at


@dataclass(frozen=True)
class ChecklistEvent:
    """One change to a run: what goes to the backend and the audit log.

    `state` is the item's state after the event (None for gate overrides and handovers).
    """

    seq: int
    action: Action
    at: datetime
    by: str
    item_id: str | None = None
    gate: Gate | None = None
    state: ItemState | None = None
    values: Mapping[str, Value] = field(default_factory=dict)
    note: str = ""
    role: StaffRole | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))
        _aware(self.at, "event time")

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "action": self.action.value,
            "at": self.at.isoformat(),
            "by": self.by,
            "item_id": self.item_id,
            "gate": self.gate.value if self.gate else None,
            "state": self.state.value if self.state else None,
            "values": dict(self.values),
            "note": self.note,
            "role": self.role.value if self.role else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChecklistEvent:
        try:
            values = data.get("values") or {}
            if not isinstance(values, dict) or not all(
                isinstance(v, str | bool | int) for v in values.values()
            ):
                raise RunError(f"event {data.get('seq')}: values must be texts, numbers or yes/no")
            return cls(
                seq=int(data["seq"]),
                action=Action(data["action"]),
                at=datetime.fromisoformat(data["at"]),
                by=str(data["by"]),
                item_id=data.get("item_id"),
                gate=Gate(data["gate"]) if data.get("gate") else None,
                state=ItemState(data["state"]) if data.get("state") else None,
                values=values,
                note=str(data.get("note") or ""),
                role=StaffRole(data["role"]) if data.get("role") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, RunError):
                raise
            raise RunError(f"malformed checklist event {dict(data)!r}: {exc}") from exc


@dataclass(frozen=True)
class ItemRecord:
    """The current state of one item: who set it, when, with which values, and the latest note."""

    item_id: str
    state: ItemState = ItemState.PENDING
    by: str | None = None
    at: datetime | None = None
    values: Mapping[str, Value] = field(default_factory=dict)
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "values", _frozen(self.values))

    @property
    def satisfied(self) -> bool:
        return self.state in SATISFIED_STATES

    def to_dict(self) -> dict[str, Any]:
        return {
            "state": self.state.value,
            "by": self.by,
            "at": self.at.isoformat() if self.at else None,
            "values": dict(self.values),
            "note": self.note,
        }


@dataclass(frozen=True)
class GateOverride:
    gate: Gate
    by: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class AppointmentFacts:
    """What the run needs to know of the appointment (compared against in data-match items)."""

    appointment_id: str
    citizen_name: str | None = None
    birth_date: date | None = None
    citizen_language: Language = Language.CA

    def to_dict(self) -> dict[str, Any]:
        return {
            "appointment_id": self.appointment_id,
            "citizen_name": self.citizen_name,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
            "citizen_language": self.citizen_language.value,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AppointmentFacts:
        birth = data.get("birth_date")
        return cls(
            appointment_id=str(data["appointment_id"]),
            citizen_name=data.get("citizen_name"),
            birth_date=date.fromisoformat(birth) if birth else None,
            citizen_language=Language(data.get("citizen_language") or Language.CA),
        )


class ChecklistRun:
    """One appointment's checklist: the applicable items and the events applied so far.

    Mutated only through `apply(event)`; the engine builds validated events, replay applies stored
    ones, and both end in the same state.
    """

    def __init__(self, script: CallScript, appointment: AppointmentFacts, context: ScriptContext) -> None:
        if context.attention_level is not script.attention_level:
            raise RunError(
                f"script {script.id} is for {script.attention_level.value}, "
                f"the call is {context.attention_level.value}"
            )
        self.script = script
        self.appointment = appointment
        self.context = context
        self.items: tuple[ScriptItem, ...] = script.applicable_items(context)
        self._by_id = {item.id: item for item in self.items}
        self._records = {item.id: ItemRecord(item.id) for item in self.items}
        self._overrides: dict[Gate, GateOverride] = {}
        self._events: list[ChecklistEvent] = []

    # -- reading -------------------------------------------------------------------------------
    def item(self, item_id: str) -> ScriptItem:
        return self._by_id[item_id]

    def has_item(self, item_id: str) -> bool:
        return item_id in self._by_id

    def record(self, item_id: str) -> ItemRecord:
        return self._records[item_id]

    @property
    def records(self) -> Mapping[str, ItemRecord]:
        return MappingProxyType(self._records)

    @property
    def events(self) -> tuple[ChecklistEvent, ...]:
        return tuple(self._events)

    def events_after(self, seq: int) -> tuple[ChecklistEvent, ...]:
        """Events the backend has not acknowledged yet (it acknowledges by sequence number)."""
        return tuple(event for event in self._events if event.seq > seq)

    @property
    def gate_overrides(self) -> Mapping[Gate, GateOverride]:
        return MappingProxyType(self._overrides)

    @property
    def next_seq(self) -> int:
        return len(self._events) + 1

    @property
    def current_staff(self) -> str | None:
        """Who holds the call now: the last handover's receiver, else whoever acted last."""
        for event in reversed(self._events):
            if event.action is Action.HANDOVER:
                return str(event.values.get("to"))
        return self._events[-1].by if self._events else None

    # -- changing ------------------------------------------------------------------------------
    def apply(self, event: ChecklistEvent) -> None:
        """Apply one event after checking it fits this run (order, item, resulting state)."""
        if event.seq != self.next_seq:
            raise RunError(f"event {event.seq} out of order: expected {self.next_seq}")
        if not event.by.strip():
            raise RunError(f"event {event.seq} says nobody did it")
        if event.action is Action.OVERRIDE_GATE:
            if event.gate is None or not event.note.strip():
                raise RunError(f"event {event.seq}: a gate override needs a gate and a reason")
            self._overrides[event.gate] = GateOverride(event.gate, event.by, event.at, event.note)
        elif event.action is Action.HANDOVER:
            if not str(event.values.get("to", "")).strip():
                raise RunError(f"event {event.seq}: a handover needs the receiving staff id")
        else:
            self._apply_to_item(event)
        self._events.append(event)

    def _apply_to_item(self, event: ChecklistEvent) -> None:
        if event.item_id is None or event.item_id not in self._records:
            raise RunError(f"event {event.seq}: item {event.item_id!r} is not in this run")
        current = self._records[event.item_id]
        if event.action is Action.NOTE:
            if event.state is not current.state:
                raise RunError(f"event {event.seq}: a note cannot change the item's state")
            self._records[event.item_id] = replace(current, note=event.note)
            return
        allowed = _RESULT_STATES[event.action]
        if event.state not in allowed:
            raise RunError(f"event {event.seq}: {event.action.value} cannot leave the item {event.state}")
        self._records[event.item_id] = ItemRecord(
            event.item_id, event.state, event.by, event.at, event.values, event.note
        )

    # -- persistence ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The run as JSON-ready data: the events are the truth, `items` a snapshot for readers."""
        return {
            "format": RUN_FORMAT,
            "script": {"id": self.script.id, "version": self.script.version},
            "appointment": self.appointment.to_dict(),
            "context": {
                "attention_level": self.context.attention_level.value,
                "identification_level": self.context.identification_level.value,
                "recording_policy": self.context.recording_policy.value,
            },
            "items": {item_id: record.to_dict() for item_id, record in self._records.items()},
            "events": [event.to_dict() for event in self._events],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def replay(
        cls,
        script: CallScript,
        appointment: AppointmentFacts,
        context: ScriptContext,
        events: Iterable[ChecklistEvent],
    ) -> ChecklistRun:
        run = cls(script, appointment, context)
        for event in events:
            run.apply(event)
        return run

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], script: CallScript) -> ChecklistRun:
        if data.get("format") != RUN_FORMAT:
            raise RunError(f"not a saved checklist run (format {data.get('format')!r})")
        saved = data.get("script") or {}
        if saved.get("id") != script.id or saved.get("version") != script.version:
            raise RunError(
                f"the run was started with script {saved.get('id')} version {saved.get('version')}, "
                f"not {script.id} version {script.version}"
            )
        try:
            context = ScriptContext(
                AttentionLevel(data["context"]["attention_level"]),
                IdentificationLevel(data["context"]["identification_level"]),
                RecordingPolicy(data["context"]["recording_policy"]),
            )
            appointment = AppointmentFacts.from_dict(data["appointment"])
        except (KeyError, TypeError, ValueError) as exc:
            raise RunError(f"saved run has a malformed context or appointment: {exc}") from exc
        events = [ChecklistEvent.from_dict(event) for event in data.get("events") or []]
        run = cls.replay(script, appointment, context, events)
        snapshot = data.get("items")
        if snapshot is not None and snapshot != run.to_dict()["items"]:
            # The snapshot is redundant; if it disagrees with the events, something edited the file.
            raise RunError("saved item states do not match the saved events")
        return run

    @classmethod
    def from_json(cls, text: str, script: CallScript) -> ChecklistRun:
        return cls.from_dict(_parse(text), script)


def _parse(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RunError(f"saved run is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise RunError("saved run is not a JSON object")
    return data


def saved_script_id(text: str) -> str:
    """The script id a saved run was started with (to load that script before restoring)."""
    script = _parse(text).get("script")
    script_id = script.get("id") if isinstance(script, dict) else None
    if not isinstance(script_id, str):
        raise RunError("saved run names no script")
    return script_id
