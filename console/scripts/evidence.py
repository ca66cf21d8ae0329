"""What each kind of item accepts as evidence, checked before anything is recorded.

Values are short texts, dates, numbers and yes/no answers. Anything that could carry an image or a
file (bytes, long or binary-looking text) is refused for every office: identification evidence is
what the informador saw and typed, never a picture of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from console.scripts import identity
from console.scripts.messages import LocalizedError
from console.scripts.model import (
    DocumentType,
    IdentificationLevel,
    ItemKind,
    MatchField,
    ScriptContext,
    ScriptItem,
)
from console.scripts.run import AppointmentFacts, ItemState, Value

MAX_VALUE_CHARS = 500
MAX_KEY_CHARS = 64
_DATA_URI_PREFIXES = ("data:", "base64,")


class EvidenceError(LocalizedError):
    """Values an item refuses; nothing was recorded."""


def sanitize(values: Mapping[str, object]) -> dict[str, Value]:
    """Plain JSON-able values, dates as ISO text; refuses anything that could smuggle a payload."""
    clean: dict[str, Value] = {}
    for key, value in values.items():
        if not isinstance(key, str) or not key or len(key) > MAX_KEY_CHARS:
            raise EvidenceError("value_type", key=str(key)[:MAX_KEY_CHARS])
        if isinstance(value, bytes | bytearray | memoryview):
            raise EvidenceError("value_binary", key=key)
        if isinstance(value, date):  # datetime too: a subclass of date
            clean[key] = value.isoformat()
        elif isinstance(value, bool | int):
            clean[key] = value
        elif isinstance(value, str):
            if len(value) > MAX_VALUE_CHARS:
                raise EvidenceError("value_too_long", key=key, limit=MAX_VALUE_CHARS)
            lowered = value.lstrip().lower()
            if lowered.startswith(_DATA_URI_PREFIXES) or any(
                ch in value for ch in "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0e\x0f"
            ):
                raise EvidenceError("value_binary", key=key)
            clean[key] = value.strip()
        else:
            raise EvidenceError("value_type", key=key)
    return clean


def _require(item: ScriptItem, values: Mapping[str, Value], allowed: set[str], needed: set[str]) -> None:
    label = item.label
    for key in values:
        if key not in allowed:
            raise EvidenceError("value_unknown", label=label, key=key)
    for key in sorted(needed):
        if values.get(key) in (None, ""):
            raise EvidenceError("value_missing", label=label, key=key)


def _text(values: Mapping[str, Value], key: str) -> str:
    value = values[key]
    if not isinstance(value, str):
        raise EvidenceError("value_type", key=key)
    return value


def validate(
    item: ScriptItem, values: Mapping[str, object], appointment: AppointmentFacts, today: date
) -> tuple[ItemState, dict[str, Value]]:
    """The state a tick leaves the item in and the values to record, or EvidenceError/IdentityError."""
    clean = sanitize(values)
    if item.kind in (ItemKind.SAY, ItemKind.CHECK):
        _require(item, clean, set(), set())
        return ItemState.DONE, {}
    if item.kind is ItemKind.ID_DOCUMENT:
        return _id_document(item, clean, today)
    if item.kind is ItemKind.DATA_MATCH:
        return _data_match(item, clean, appointment, today)
    if item.kind is ItemKind.CONSENT:
        _require(item, clean, {"granted"}, set())
        granted = clean.get("granted")
        if not isinstance(granted, bool):
            raise EvidenceError("consent_answer")
        refused_but_needed = not granted and item.must_grant
        return (ItemState.FAILED if refused_but_needed else ItemState.DONE), {"granted": granted}
    if item.kind is ItemKind.CHOICE:
        _require(item, clean, {"choice"}, {"choice"})
        choice = clean["choice"]
        if choice not in {option.id for option in item.options}:
            raise EvidenceError("choice_unknown", value=str(choice))
        return ItemState.DONE, {"choice": choice}
    if item.kind is ItemKind.RATING:
        _require(item, clean, {"rating"}, {"rating"})
        rating = clean["rating"]
        if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= item.scale:
            raise EvidenceError("rating_range", scale=item.scale)
        return ItemState.DONE, {"rating": rating}
    # Automatic items never get here: the engine only lets facts set them.
    raise EvidenceError("automatic_item", label=item.label, fact=str(item.fact))


def _id_document(
    item: ScriptItem, values: Mapping[str, Value], today: date
) -> tuple[ItemState, dict[str, Value]]:
    _require(item, values, {"doc_type", "number", "expiry"}, {"doc_type", "number", "expiry"})
    raw_type = _text(values, "doc_type").lower()
    try:
        doc_type = DocumentType(raw_type)
    except ValueError:
        raise identity.IdentityError("document_type", value=raw_type) from None
    if doc_type not in item.doc_types:
        raise EvidenceError("doc_type_not_allowed", value=doc_type.value)
    number = identity.validate_document_number(doc_type, _text(values, "number"))
    expiry = identity.validate_expiry(_text(values, "expiry"), today, doc_type)
    return ItemState.DONE, {"doc_type": doc_type.value, "number": number, "expiry": expiry}


def _data_match(
    item: ScriptItem, values: Mapping[str, Value], appointment: AppointmentFacts, today: date
) -> tuple[ItemState, dict[str, Value]]:
    fields = {field.value for field in item.fields}
    _require(item, values, fields, fields)
    result: dict[str, Value] = {}
    if MatchField.NAME in item.fields:
        name = _text(values, "name")
        if not appointment.citizen_name:
            raise EvidenceError("name_unknown")
        if not identity.names_match(name, appointment.citizen_name):
            raise EvidenceError("name_mismatch", expected=appointment.citizen_name)
        result["name"] = " ".join(name.split())
    if MatchField.BIRTH_DATE in item.fields:
        birth = identity.validate_birth_date(_text(values, "birth_date"), today)
        if appointment.birth_date is not None and birth != appointment.birth_date:
            raise EvidenceError("birth_date_mismatch")
        result["birth_date"] = birth.isoformat()
        # Without a date on the appointment the citizen's answer is recorded, but marked unverified.
        result["birth_date_compared"] = appointment.birth_date is not None
    return ItemState.DONE, result


def require_uncompared_note(
    item: ScriptItem, appointment: AppointmentFacts, context: ScriptContext, note: str
) -> None:
    """Full identification with no date of birth on the appointment: a tick needs the informador's note.

    Appointments booked without a date of birth are common, so refusing outright would stop the office;
    accepting any date silently would make the check meaningless. The informador compares it with the
    ID document and says so in the note (audited with the event, which records birth_date_compared
    = false); a supervisor's item override remains for anything else. Basic identification records the
    answer as unverified without a note.
    """
    if (
        item.kind is ItemKind.DATA_MATCH
        and MatchField.BIRTH_DATE in item.fields
        and appointment.birth_date is None
        and context.identification_level is IdentificationLevel.FULL
        and not note.strip()
    ):
        raise EvidenceError("birth_date_uncompared")
