"""Call-script definitions: what a script says and asks, as plain frozen dataclasses (no Qt)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from console.scripts.texts import LocalizedText


class AttentionLevel(StrEnum):
    INFORMATIVA = "informativa"
    ASSISTIDA = "assistida"
    ATESA = "atesa"


class IdentificationLevel(StrEnum):
    NONE = "none"
    BASIC = "basic"
    FULL = "full"


class RecordingPolicy(StrEnum):
    NEVER = "never"
    WITH_CONSENT = "with_consent"


class StaffRole(StrEnum):
    INFORMADOR = "informador"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Gate(StrEnum):
    """Console actions that required checklist items keep disabled until they are done."""

    ATTENDED_MODE = "attended_mode"
    SEND_PERSONAL_DOCUMENTS = "send_personal_documents"
    CLOSE_RESOLVED = "close_resolved"


class ItemKind(StrEnum):
    SAY = "say"  # text read aloud to the citizen
    CHECK = "check"  # the informador confirms something
    AUTOMATIC = "automatic"  # ticked by an external fact, never by hand
    ID_DOCUMENT = "id_document"  # type + number + expiry, validated
    DATA_MATCH = "data_match"  # name / birth date compared with the appointment
    CONSENT = "consent"  # yes / no answer to a named consent
    CHOICE = "choice"  # one option out of a list
    RATING = "rating"  # 1..scale


class ConsentType(StrEnum):
    DATA_PROCESSING = "data_processing"
    RECORDING = "recording"
    ACTING_ON_BEHALF = "acting_on_behalf"


class Fact(StrEnum):
    """External facts that tick automatic items (reported by the backend)."""

    PIN_VERIFIED = "pin_verified"


class MatchField(StrEnum):
    NAME = "name"
    BIRTH_DATE = "birth_date"


class DocumentType(StrEnum):
    DNI = "dni"
    NIE = "nie"
    PASSPORT = "passport"


# Every base script has these sections, in this order (the shape of a call the informadors know).
SECTION_IDS: tuple[str, ...] = (
    "greeting",
    "data_protection",
    "purpose",
    "identification",
    "work",
    "summary",
    "goodbye",
)


@dataclass(frozen=True)
class ScriptContext:
    """The facts a script's conditions are evaluated against when a run starts."""

    attention_level: AttentionLevel
    identification_level: IdentificationLevel
    recording_policy: RecordingPolicy


@dataclass(frozen=True)
class Condition:
    """`when = {...}` of an item: each non-empty set must contain the context's value (AND of keys)."""

    attention_levels: frozenset[AttentionLevel] = frozenset()
    identification_levels: frozenset[IdentificationLevel] = frozenset()
    recording_policies: frozenset[RecordingPolicy] = frozenset()

    def matches(self, context: ScriptContext) -> bool:
        return (
            (not self.attention_levels or context.attention_level in self.attention_levels)
            and (not self.identification_levels or context.identification_level in self.identification_levels)
            and (not self.recording_policies or context.recording_policy in self.recording_policies)
        )


ALWAYS = Condition()


@dataclass(frozen=True)
class ChoiceOption:
    id: str
    label: LocalizedText


@dataclass(frozen=True)
class ScriptItem:
    """One checklist line. `label` is the short checklist caption, `text` what is said or checked."""

    id: str
    kind: ItemKind
    label: LocalizedText
    text: LocalizedText
    required: bool = False
    gates: tuple[Gate, ...] = ()
    when: Condition = ALWAYS
    fact: Fact | None = None  # automatic
    consent: ConsentType | None = None  # consent
    must_grant: bool = True  # consent: a "no" fails the item (recording consent may be refused)
    fields: tuple[MatchField, ...] = ()  # data_match
    doc_types: tuple[DocumentType, ...] = ()  # id_document
    options: tuple[ChoiceOption, ...] = ()  # choice
    scale: int = 0  # rating


@dataclass(frozen=True)
class ScriptSection:
    id: str
    title: LocalizedText
    items: tuple[ScriptItem, ...]


@dataclass(frozen=True)
class BlockedGate:
    """A gate no checklist item can open in this script (only a supervisor override can)."""

    gate: Gate
    reason: LocalizedText


@dataclass(frozen=True)
class CallScript:
    """A validated script: a base script per attention level, possibly with a tràmit's work items.

    `id` is "<level>" or "<level>+<tramit-code>"; `version` changes whenever either file's version
    does, so a saved run can tell whether it still matches the script it was started with.
    """

    id: str
    version: str
    attention_level: AttentionLevel
    title: LocalizedText
    sections: tuple[ScriptSection, ...]
    tramit_code: str | None = None
    blocked_gates: tuple[BlockedGate, ...] = field(default=())

    def items(self) -> Iterator[ScriptItem]:
        for section in self.sections:
            yield from section.items

    def item(self, item_id: str) -> ScriptItem:
        for item in self.items():
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def section_of(self, item_id: str) -> ScriptSection:
        for section in self.sections:
            if any(item.id == item_id for item in section.items):
                return section
        raise KeyError(item_id)

    def applicable_items(self, context: ScriptContext) -> tuple[ScriptItem, ...]:
        """The items a call with this context shows, in script order."""
        return tuple(item for item in self.items() if item.when.matches(context))
