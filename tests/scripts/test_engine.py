"""Engine operations: what is accepted, what is refused, and that every change is an event."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from console.scripts.engine import ChecklistEngine, ChecklistError
from console.scripts.evidence import EvidenceError
from console.scripts.identity import IdentityError
from console.scripts.loader import load_script
from console.scripts.model import AttentionLevel, Gate, IdentificationLevel, RecordingPolicy, ScriptContext
from console.scripts.run import Action, AppointmentFacts, ItemState, RunError

from .conftest import VALID_DOCUMENT, VALID_MATCH, FakeClock, MakeEngine

DOC = "identification.document"
MATCH = "identification.data_match"


def test_tick_records_who_when_and_values(make_engine: MakeEngine, clock: FakeClock) -> None:
    engine = make_engine()
    event = engine.tick(DOC, "marta", {"doc_type": "DNI", "number": "12.345.678-z", "expiry": "31/01/2030"})
    record = engine.run.record(DOC)
    assert record.state is ItemState.DONE
    assert record.by == "marta"
    assert record.at == clock.now and record.at.tzinfo is not None
    assert dict(record.values) == {"doc_type": "dni", "number": "12345678Z", "expiry": "2030-01-31"}
    assert event.seq == 1 and event.action is Action.TICK and event.item_id == DOC
    assert engine.run.events == (event,)


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"doc_type": "dni", "number": "12345678A", "expiry": "2030-01-01"}, "dni_letter"),
        ({"doc_type": "dni", "number": "1234567Z", "expiry": "2030-01-01"}, "dni_format"),
        ({"doc_type": "dni", "number": "X1234567L", "expiry": "2030-01-01"}, "dni_format"),
        ({"doc_type": "nie", "number": "X1234567A", "expiry": "2030-01-01"}, "nie_letter"),
        ({"doc_type": "nie", "number": "XX234567L", "expiry": "2030-01-01"}, "nie_format"),
        ({"doc_type": "passport", "number": "ABCDEFG", "expiry": "2030-01-01"}, "passport_format"),
        ({"doc_type": "dni", "number": "12345678Z", "expiry": "2026-11-23"}, "document_expired"),
        ({"doc_type": "nie", "number": "X1234567L", "expiry": "01/01/2020"}, "document_expired"),
        ({"doc_type": "dni", "number": "12345678Z", "expiry": "soon"}, "date_format"),
        ({"doc_type": "bus_pass", "number": "12345678Z", "expiry": "2030-01-01"}, "document_type"),
        ({"doc_type": "dni", "number": "12345678Z"}, "value_missing"),
        ({"doc_type": "dni", "number": "12345678Z", "expiry": "2030-01-01", "photo": "x"}, "value_unknown"),
    ],
)
def test_invalid_document_is_refused_and_nothing_recorded(
    make_engine: MakeEngine, values: dict[str, str], code: str
) -> None:
    engine = make_engine()
    with pytest.raises((IdentityError, EvidenceError)) as caught:
        engine.tick(DOC, "marta", values)
    assert caught.value.code == code
    assert engine.run.record(DOC).state is ItemState.PENDING
    assert engine.run.events == ()


def test_document_valid_through_today_and_permanent_dni(make_engine: MakeEngine) -> None:
    engine = make_engine()
    engine.tick(DOC, "marta", {"doc_type": "nie", "number": "Y1234567X", "expiry": "24/11/2026"})
    engine.tick(DOC, "marta", {"doc_type": "dni", "number": "87654321X", "expiry": "permanente"})
    assert engine.run.record(DOC).values["expiry"] == "permanent"


def test_expiry_uses_the_engine_clock(make_engine: MakeEngine, clock: FakeClock) -> None:
    engine = make_engine()
    clock.now = datetime(2031, 2, 1, 10, 0, tzinfo=clock.now.tzinfo)
    with pytest.raises(IdentityError, match="expired"):
        engine.tick(DOC, "marta", VALID_DOCUMENT)  # valid in 2026, expired by 2031


def test_data_match_is_tolerant_but_not_of_other_people(make_engine: MakeEngine) -> None:
    engine = make_engine()
    engine.tick(MATCH, "marta", {"name": "PUIG SOLER, Núria", "birth_date": date(1980, 5, 17)})
    assert engine.run.record(MATCH).values["birth_date_compared"] is True
    with pytest.raises(EvidenceError) as caught:
        engine.tick(MATCH, "marta", {"name": "Marta Puig Soler", "birth_date": "1980-05-17"})
    assert caught.value.code == "name_mismatch"
    with pytest.raises(EvidenceError) as caught:
        engine.tick(MATCH, "marta", {"name": "Núria Puig Soler", "birth_date": "1980-05-18"})
    assert caught.value.code == "birth_date_mismatch"
    with pytest.raises(IdentityError) as caught:
        engine.tick(MATCH, "marta", {"name": "Núria Puig Soler", "birth_date": "2030-01-01"})
    assert caught.value.code == "birth_date_future"


def test_data_match_without_birth_date_on_the_appointment_is_marked_unverified(
    make_engine: MakeEngine,
) -> None:
    # Full identification: nothing to compare with, so the informador must say what they checked.
    engine = make_engine(birth_date=None)
    with pytest.raises(EvidenceError) as caught:
        engine.tick(MATCH, "marta", VALID_MATCH)
    assert caught.value.code == "birth_date_uncompared" and engine.run.events == ()
    assert "ID document" in caught.value.message("en")
    engine.tick(MATCH, "marta", VALID_MATCH, note="Compared with the DNI shown to the camera")
    assert engine.run.record(MATCH).values["birth_date_compared"] is False
    assert engine.run.record(MATCH).note == "Compared with the DNI shown to the camera"
    # Basic identification records the answer as unverified without a note.
    basic = make_engine("assistida", identification="basic", birth_date=None)
    basic.tick(MATCH, "marta", VALID_MATCH)
    assert basic.run.record(MATCH).values["birth_date_compared"] is False
    with pytest.raises(EvidenceError) as caught:
        make_engine(citizen_name=None).tick(MATCH, "marta", VALID_MATCH)
    assert caught.value.code == "name_unknown"


def test_automatic_items_only_move_by_facts(make_engine: MakeEngine) -> None:
    engine = make_engine()
    with pytest.raises(ChecklistError) as caught:
        engine.tick("identification.pin", "marta")
    assert caught.value.code == "automatic_item"
    for operation in (engine.fail, engine.reset):
        with pytest.raises(ChecklistError):
            operation("identification.pin", "marta", "no")
    assert engine.run.events == ()
    [event] = engine.apply_fact("pin_verified", True)
    assert event.action is Action.FACT and event.by == "system" and event.values == {"fact": "pin_verified"}
    assert engine.run.record("identification.pin").state is ItemState.DONE


def test_facts_are_idempotent_and_never_undo(make_engine: MakeEngine) -> None:
    engine = make_engine()
    assert [e.state for e in engine.apply_fact("pin_verified", False)] == [ItemState.FAILED]
    assert engine.apply_fact("pin_verified", False) == []
    assert [e.state for e in engine.apply_fact("pin_verified", True)] == [ItemState.DONE]
    assert engine.apply_fact("pin_verified", True) == []  # resent after a reconnect
    assert engine.apply_fact("pin_verified", False) == []  # a late failure cannot undo a verified PIN
    assert engine.run.record("identification.pin").state is ItemState.DONE
    assert make_engine("informativa").apply_fact("pin_verified", True) == []  # no PIN item there


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"note": b"\x89PNG\r\n\x1a\n"}, "value_binary"),
        ({"note": bytearray(b"abc")}, "value_binary"),
        ({"note": "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ"}, "value_binary"),
        ({"note": "x" * 501}, "value_too_long"),
        ({"note": ["a", "list"]}, "value_type"),
        ({"note": 1.5}, "value_type"),
        ({"note": "ok"}, "value_unknown"),  # a say item takes no values at all
    ],
)
def test_values_that_could_carry_images_or_junk_are_refused(
    make_engine: MakeEngine, values: dict[str, object], code: str
) -> None:
    engine = make_engine(recording="never")
    with pytest.raises(EvidenceError) as caught:
        engine.tick("data_protection.notice", "marta", values)
    assert caught.value.code == code
    assert engine.run.events == ()


def test_a_long_number_field_is_refused_before_it_is_validated(make_engine: MakeEngine) -> None:
    engine = make_engine()
    with pytest.raises(EvidenceError) as caught:
        engine.tick(DOC, "marta", {**VALID_DOCUMENT, "number": "A" * 600})
    assert caught.value.code == "value_too_long"


def test_choice_and_rating(make_engine: MakeEngine) -> None:
    engine = make_engine()
    engine.tick("goodbye.use_again", "marta", {"choice": "maybe"})
    engine.tick("goodbye.rating", "marta", {"rating": 5})
    for item_id, values, code in [
        ("goodbye.use_again", {"choice": "never"}, "choice_unknown"),
        ("goodbye.rating", {"rating": 6}, "rating_range"),
        ("goodbye.rating", {"rating": 0}, "rating_range"),
        ("goodbye.rating", {"rating": True}, "rating_range"),
        ("goodbye.rating", {"rating": "5"}, "rating_range"),
    ]:
        with pytest.raises(EvidenceError) as caught:
            engine.tick(item_id, "marta", values)
        assert caught.value.code == code
    assert len(engine.run.events) == 2


def test_consent_needs_a_yes_or_no(make_engine: MakeEngine) -> None:
    engine = make_engine()
    with pytest.raises(EvidenceError) as caught:
        engine.tick("identification.on_behalf", "marta", {"granted": "sí"})
    assert caught.value.code == "consent_answer"


def test_skip_fail_reset_and_notes(make_engine: MakeEngine) -> None:
    engine = make_engine()
    with pytest.raises(ChecklistError) as caught:
        engine.skip("identification.face", "marta")
    assert caught.value.code == "skip_required"
    assert "és obligatori" in caught.value.message("ca")
    engine.skip("goodbye.rating", "marta", "No ha volgut valorar")
    assert engine.run.record("goodbye.rating").state is ItemState.SKIPPED
    with pytest.raises(ChecklistError) as caught:
        engine.fail("identification.face", "marta", "   ")
    assert caught.value.code == "note_required"
    engine.fail("identification.face", "marta", "La cara no coincideix amb la foto")
    assert (
        engine.gate_status(Gate.ATTENDED_MODE).reasons.count(
            "«La cara coincideix amb la foto» no s'ha superat."
        )
        == 1
    )
    engine.reset("identification.face", "marta", "Millor llum, ho tornem a provar")
    engine.tick("identification.face", "marta")
    engine.add_note("identification.face", "marta", "Comprovat amb bona llum")
    record = engine.run.record("identification.face")
    assert record.state is ItemState.DONE and record.note == "Comprovat amb bona llum"
    assert [e.action for e in engine.run.events] == [
        Action.SKIP,
        Action.FAIL,
        Action.RESET,
        Action.TICK,
        Action.NOTE,
    ]


def test_unknown_or_absent_items_are_refused(make_engine: MakeEngine) -> None:
    engine = make_engine("atesa", recording="never")
    for item_id in ("identification.retina", "data_protection.recording_consent"):
        with pytest.raises(ChecklistError) as caught:
            engine.tick(item_id, "marta", {"granted": True})
        assert caught.value.code == "unknown_item"


def test_who_did_it_is_always_known(make_engine: MakeEngine) -> None:
    engine = make_engine()
    with pytest.raises(ChecklistError) as caught:
        engine.tick("greeting.hello", "  ")
    assert caught.value.code == "staff_required"


# -- overrides -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "reason", "code"),
    [
        ("informador", "El PIN no arriba: SMS caigut a tota la zona", "override_role"),
        ("admin", "El PIN no arriba: SMS caigut a tota la zona", "override_role"),
        ("cap", "El PIN no arriba: SMS caigut a tota la zona", "override_role"),
        ("supervisor", "", "override_reason"),
        ("supervisor", "   urgent   ", "override_reason"),
    ],
)
def test_override_needs_a_supervisor_and_a_written_reason(
    make_engine: MakeEngine, role: str, reason: str, code: str
) -> None:
    engine = make_engine()
    with pytest.raises(ChecklistError) as caught:
        engine.override(Gate.ATTENDED_MODE, "laia", role, reason)
    assert caught.value.code == code
    assert engine.run.events == ()
    assert not engine.gate_status(Gate.ATTENDED_MODE).allowed


def test_gate_override_is_an_audited_event(make_engine: MakeEngine) -> None:
    engine = make_engine()
    reason = "Persona gran amb el DNI caducat la setmana passada; cita presencial impossible"
    event = engine.override("attended_mode", "laia", "supervisor", reason)
    assert (event.action, event.gate, event.by, event.role, event.note) == (
        Action.OVERRIDE_GATE,
        Gate.ATTENDED_MODE,
        "laia",
        "supervisor",
        reason,
    )
    assert event in engine.run.events
    status = engine.gate_status(Gate.ATTENDED_MODE)
    assert status.allowed
    assert status.override is not None and status.override.by == "laia" and status.override.reason == reason
    assert "identification.document" in status.missing  # still shown: what the override let through
    assert not engine.gate_status(Gate.CLOSE_RESOLVED).allowed  # only that gate


def test_item_override_satisfies_gates(make_engine: MakeEngine) -> None:
    engine = make_engine("assistida", identification="basic")
    event = engine.override(
        "identification.pin", "laia", "supervisor", "SMS no rebut; identificada per telèfon"
    )
    assert event.state is ItemState.OVERRIDDEN and event.item_id == "identification.pin"
    assert "identification.pin" not in engine.gate_status(Gate.SEND_PERSONAL_DOCUMENTS).missing
    with pytest.raises(ChecklistError) as caught:
        engine.override("everything", "laia", "supervisor", "Perquè ho dic jo, i prou")
    assert caught.value.code == "unknown_target"


# -- plumbing -------------------------------------------------------------------------------------


def test_listeners_get_every_event_in_order(make_engine: MakeEngine) -> None:
    engine = make_engine()
    seen = []
    engine.add_listener(seen.append)
    engine.tick("greeting.hello", "marta")
    engine.apply_fact("pin_verified", True)
    with pytest.raises(IdentityError):
        engine.tick(DOC, "marta", {**VALID_DOCUMENT, "number": "00000000A"})
    assert [e.seq for e in seen] == [1, 2]
    assert tuple(seen) == engine.run.events


def test_a_naive_clock_is_refused() -> None:
    script = load_script("informativa")
    context = ScriptContext(AttentionLevel.INFORMATIVA, IdentificationLevel.NONE, RecordingPolicy.NEVER)
    engine = ChecklistEngine.start(script, AppointmentFacts("a1"), context, lambda: datetime(2026, 11, 24, 9))
    with pytest.raises(RunError, match="timezone-aware"):
        engine.tick("greeting.hello", "marta")


def test_run_refuses_a_script_for_another_level() -> None:
    context = ScriptContext(AttentionLevel.ATESA, IdentificationLevel.FULL, RecordingPolicy.NEVER)
    with pytest.raises(RunError):
        ChecklistEngine.start(load_script("informativa"), AppointmentFacts("a1"), context, datetime.now)
