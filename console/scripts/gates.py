"""Which console actions a run allows now, and why not: the reasons the panel shows next to a
disabled button (the tràmit wizard's attended mode, sending personal documents, closing resolved)."""

from __future__ import annotations

from dataclasses import dataclass

from console.scripts.messages import message
from console.scripts.model import ConsentType, Gate, ItemKind, RecordingPolicy
from console.scripts.run import ChecklistRun, GateOverride, ItemState
from console.scripts.texts import Language

_STATE_MESSAGES = {
    ItemState.PENDING: "gate_pending",
    ItemState.FAILED: "gate_failed",
    ItemState.SKIPPED: "gate_skipped",
}


@dataclass(frozen=True)
class GateStatus:
    """`allowed` is what the button does; `reasons`/`missing` stay filled under an override so the
    panel can show what the supervisor let through."""

    gate: Gate
    allowed: bool
    reasons: tuple[str, ...]
    missing: tuple[str, ...]  # item ids still blocking (or overridden past)
    override: GateOverride | None = None


def gate_status(run: ChecklistRun, gate: Gate | str, language: Language | str = Language.CA) -> GateStatus:
    gate = Gate(gate)
    language = Language(language)
    reasons: list[str] = [b.reason.get(language) for b in run.script.blocked_gates if b.gate is gate]
    missing: list[str] = []
    for item in run.items:
        record = run.record(item.id)
        if gate in item.gates and not record.satisfied:
            missing.append(item.id)
            reasons.append(message(_STATE_MESSAGES[record.state], language, label=item.label))
    override = run.gate_overrides.get(gate)
    allowed = override is not None or not reasons
    return GateStatus(gate, allowed, tuple(reasons), tuple(missing), override)


def all_gates(run: ChecklistRun, language: Language | str = Language.CA) -> dict[Gate, GateStatus]:
    return {gate: gate_status(run, gate, language) for gate in Gate}


def recording_allowed(run: ChecklistRun) -> bool:
    """True only where the office allows recording and the citizen said yes in this call."""
    if run.context.recording_policy is not RecordingPolicy.WITH_CONSENT:
        return False
    for item in run.items:
        if item.kind is ItemKind.CONSENT and item.consent is ConsentType.RECORDING:
            record = run.record(item.id)
            if record.state is ItemState.DONE and record.values.get("granted") is True:
                return True
    return False
