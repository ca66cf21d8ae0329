"""Gating: what each level and identification level demands before the console's actions open."""

from __future__ import annotations

import pytest

from console.scripts.model import Gate, ItemKind
from console.scripts.run import ItemState

from .conftest import VALID_DOCUMENT, VALID_MATCH, MakeEngine, complete_identification

ID_KINDS = {ItemKind.AUTOMATIC, ItemKind.ID_DOCUMENT, ItemKind.DATA_MATCH}


def tick_plain_required(engine, by: str = "marta") -> None:
    """Tick every required say/check item outside identification (the routine part of a call)."""
    for item in engine.run.items:
        if (
            item.required
            and item.kind in (ItemKind.SAY, ItemKind.CHECK)
            and not item.id.startswith("identification.")
        ):
            engine.tick(item.id, by)


# -- informativa ----------------------------------------------------------------------------------


def test_informativa_closes_resolved_without_any_identification(make_engine: MakeEngine) -> None:
    engine = make_engine("informativa", identification="full")  # even for a tràmit that needs full ID
    assert not {item.kind for item in engine.run.items} & ID_KINDS
    status = engine.gate_status(Gate.CLOSE_RESOLVED)
    assert not status.allowed
    assert "«Avís de protecció de dades» encara està pendent." in status.reasons
    tick_plain_required(engine)
    status = engine.gate_status(Gate.CLOSE_RESOLVED)
    assert status.allowed and status.reasons == () and status.missing == ()


@pytest.mark.parametrize("gate", [Gate.ATTENDED_MODE, Gate.SEND_PERSONAL_DOCUMENTS])
def test_informativa_never_opens_attended_mode_or_personal_documents(
    make_engine: MakeEngine, gate: Gate
) -> None:
    engine = make_engine("informativa")
    tick_plain_required(engine)
    status = engine.gate_status(gate)
    assert not status.allowed
    assert "cita d'informació" in status.reasons[0]


# -- atesa ----------------------------------------------------------------------------------------


def test_atesa_blocks_attended_mode_until_pin_document_match_and_consent(make_engine: MakeEngine) -> None:
    engine = make_engine("atesa")
    tick_plain_required(engine)
    engine.answer_consent("data_protection.data_use", "marta", granted=True)
    status = engine.gate_status(Gate.ATTENDED_MODE)
    assert not status.allowed
    assert set(status.missing) == {
        "identification.pin",
        "identification.document",
        "identification.face",
        "identification.data_match",
        "identification.on_behalf",
    }
    assert "«PIN verificat» encara està pendent." in status.reasons
    engine.apply_fact("pin_verified", True)
    assert not engine.gate_status(Gate.ATTENDED_MODE).allowed
    engine.tick("identification.document", "marta", VALID_DOCUMENT)
    engine.tick("identification.face", "marta")
    assert not engine.gate_status(Gate.ATTENDED_MODE).allowed
    engine.tick("identification.data_match", "marta", VALID_MATCH)
    status = engine.gate_status(Gate.ATTENDED_MODE)
    assert not status.allowed and status.missing == ("identification.on_behalf",)
    engine.answer_consent("identification.on_behalf", "marta", granted=True)
    assert engine.gate_status(Gate.ATTENDED_MODE).allowed


@pytest.mark.parametrize(
    "left_out",
    [
        "identification.pin",
        "identification.document",
        "identification.data_match",
        "identification.on_behalf",
    ],
)
def test_atesa_each_identification_step_is_needed(make_engine: MakeEngine, left_out: str) -> None:
    engine = make_engine("atesa")
    tick_plain_required(engine)
    engine.answer_consent("data_protection.data_use", "marta", granted=True)
    steps = {
        "identification.pin": lambda: engine.apply_fact("pin_verified", True),
        "identification.document": lambda: engine.tick("identification.document", "marta", VALID_DOCUMENT),
        "identification.data_match": lambda: engine.tick("identification.data_match", "marta", VALID_MATCH),
        "identification.on_behalf": lambda: engine.answer_consent("identification.on_behalf", "marta", True),
    }
    engine.tick("identification.face", "marta")
    for item_id, step in steps.items():
        if item_id != left_out:
            step()
    for gate in Gate:
        status = engine.gate_status(gate)
        assert not status.allowed, gate
        assert left_out in status.missing


def test_atesa_needs_full_identification_whatever_the_tramit_says(make_engine: MakeEngine) -> None:
    engine = make_engine("atesa", identification="none")
    ids = {item.id for item in engine.run.items}
    assert {"identification.pin", "identification.document", "identification.on_behalf"} <= ids


def test_refused_consent_to_act_on_behalf_keeps_attended_mode_closed(make_engine: MakeEngine) -> None:
    engine = make_engine("atesa")
    tick_plain_required(engine)
    engine.answer_consent("data_protection.data_use", "marta", granted=True)
    complete_identification(engine)
    event = engine.answer_consent("identification.on_behalf", "marta", granted=False, note="Prefereix venir")
    assert event.state is ItemState.FAILED and event.values == {"granted": False}
    status = engine.gate_status(Gate.ATTENDED_MODE)
    assert not status.allowed
    assert status.reasons == ("«Consentiment per actuar en nom seu» no s'ha superat.",)


def test_full_atesa_call_opens_every_gate(make_engine: MakeEngine) -> None:
    engine = make_engine("atesa", tramit="targeta-discapacitat")
    tick_plain_required(engine)
    engine.answer_consent("data_protection.data_use", "marta", granted=True)
    complete_identification(engine)
    assert all(status.allowed for status in engine.gates().values())
    assert engine.missing_required() == []


def test_tramit_overlay_items_gate_closing(make_engine: MakeEngine) -> None:
    engine = make_engine("assistida", tramit="llicencia-pesca-recreativa")
    assert "work.fishing_fee" in engine.gate_status(Gate.CLOSE_RESOLVED).missing


# -- assistida: identification follows the tràmit ------------------------------------------------


@pytest.mark.parametrize(
    ("level", "present", "absent"),
    [
        (
            "none",
            {"identification.not_needed"},
            {"identification.pin", "identification.data_match", "identification.document"},
        ),
        (
            "basic",
            {"identification.pin", "identification.data_match"},
            {"identification.document", "identification.face", "identification.not_needed"},
        ),
        (
            "full",
            {
                "identification.pin",
                "identification.data_match",
                "identification.document",
                "identification.face",
            },
            {"identification.not_needed"},
        ),
    ],
)
def test_assistida_identification_items_follow_the_tramit_level(
    make_engine: MakeEngine, level: str, present: set[str], absent: set[str]
) -> None:
    ids = {item.id for item in make_engine("assistida", identification=level).run.items}
    assert present <= ids
    assert not absent & ids


def test_assistida_basic_sends_documents_after_pin_and_data_match(make_engine: MakeEngine) -> None:
    engine = make_engine("assistida", identification="basic")
    engine.tick("data_protection.notice", "marta")
    engine.answer_consent("data_protection.screen_data", "marta", granted=True)
    assert set(engine.gate_status(Gate.SEND_PERSONAL_DOCUMENTS).missing) == {
        "identification.pin",
        "identification.data_match",
    }
    engine.apply_fact("pin_verified", True)
    engine.tick("identification.data_match", "marta", VALID_MATCH)
    assert engine.gate_status(Gate.SEND_PERSONAL_DOCUMENTS).allowed
    assert not engine.gate_status(Gate.ATTENDED_MODE).allowed  # the citizen acts, not the informador


# -- recording policy -----------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["informativa", "assistida", "atesa"])
def test_recording_consent_only_where_the_office_allows_recording(
    make_engine: MakeEngine, level: str
) -> None:
    never = {item.id for item in make_engine(level, recording="never").run.items}
    consent = {item.id for item in make_engine(level, recording="with_consent").run.items}
    assert "data_protection.recording_consent" not in never
    assert "data_protection.no_recording" in never
    assert "data_protection.recording_consent" in consent
    assert "data_protection.no_recording" not in consent


def test_recording_allowed_only_after_a_yes(make_engine: MakeEngine) -> None:
    engine = make_engine("atesa", recording="with_consent")
    assert not engine.recording_allowed()
    engine.answer_consent("data_protection.recording_consent", "nerea", granted=False)
    assert not engine.recording_allowed()
    # A "no" to recording is a valid answer: the item is done and the call goes on unrecorded.
    assert engine.run.record("data_protection.recording_consent").state is ItemState.DONE
    engine.answer_consent("data_protection.recording_consent", "nerea", granted=True)
    assert engine.recording_allowed()
    assert not make_engine("atesa", recording="never").recording_allowed()


# -- localisation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ca", "«PIN verificat» encara està pendent."),
        ("es", "«PIN verificado» todavía está pendiente."),
        ("eu", "«PINa egiaztatuta» egiteke dago oraindik."),
        ("en", "“PIN verified” is still pending."),
        ("ar", "«PIN verificado» todavía está pendiente."),  # no Arabic texts: Spanish fallback
    ],
)
def test_gate_reasons_are_localised_and_name_the_item(
    make_engine: MakeEngine, language: str, expected: str
) -> None:
    status = make_engine("atesa").gate_status(Gate.ATTENDED_MODE, language)
    assert expected in status.reasons


def test_gate_names_are_validated(make_engine: MakeEngine) -> None:
    with pytest.raises(ValueError):
        make_engine("atesa").gate_status("print")
