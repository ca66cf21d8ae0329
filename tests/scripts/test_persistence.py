"""Progress survives a restart, a dropped call and a transfer: JSON round trips and event replay."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from console.scripts.engine import ChecklistEngine
from console.scripts.gates import all_gates
from console.scripts.loader import load_script
from console.scripts.model import Gate
from console.scripts.run import Action, ChecklistEvent, ChecklistRun, ItemState, RunError

from .conftest import VALID_MATCH, FakeClock, MakeEngine, complete_identification


def half_done(make_engine: MakeEngine) -> ChecklistEngine:
    engine = make_engine("atesa", tramit="targeta-discapacitat", recording="with_consent")
    engine.tick("greeting.hello", "marta")
    engine.answer_consent("data_protection.recording_consent", "marta", granted=False)
    engine.apply_fact("pin_verified", True)
    engine.tick("identification.data_match", "marta", VALID_MATCH)
    engine.skip("goodbye.rating", "marta", "Ha hagut de marxar")
    engine.override(Gate.SEND_PERSONAL_DOCUMENTS, "laia", "supervisor", "Justificant urgent per a la beca")
    return engine


def test_json_round_trip_keeps_state_and_history(make_engine: MakeEngine, clock: FakeClock) -> None:
    engine = half_done(make_engine)
    saved = engine.run.to_json()
    restored = ChecklistRun.from_json(saved, engine.run.script)
    assert restored.records == engine.run.records
    assert restored.events == engine.run.events
    assert restored.gate_overrides == engine.run.gate_overrides
    assert restored.to_json() == saved
    assert all_gates(restored) == all_gates(engine.run)


def test_another_informador_continues_after_a_transfer(make_engine: MakeEngine, clock: FakeClock) -> None:
    engine = half_done(make_engine)
    engine.handover("marta", "jordi", "Transferida a l'oficina de Barcelona")
    saved = engine.run.to_json()
    # Jordi's console knows only the saved text: it loads the script by the id stored inside.
    jordi = ChecklistEngine.restore(saved, clock)
    assert jordi.run.current_staff == "jordi"
    complete_identification(jordi, by="jordi")
    history = jordi.run.events
    assert history[: len(engine.run.events)] == engine.run.events  # nothing lost, nothing rewritten
    assert [e.seq for e in history] == list(range(1, len(history) + 1))
    assert {e.by for e in history} == {"marta", "system", "laia", "jordi"}
    assert jordi.run.record("greeting.hello").by == "marta"
    assert jordi.run.record("identification.document").by == "jordi"
    handover = next(e for e in history if e.action is Action.HANDOVER)
    assert handover.values == {"to": "jordi"}


def test_replaying_the_events_reproduces_the_state(make_engine: MakeEngine) -> None:
    engine = half_done(make_engine)
    engine.fail("identification.face", "marta", "Imatge massa fosca")
    # The backend's copy: plain JSON events, as they would come back from the server.
    wire = json.loads(json.dumps([event.to_dict() for event in engine.run.events]))
    events = [ChecklistEvent.from_dict(event) for event in wire]
    replayed = ChecklistRun.replay(engine.run.script, engine.run.appointment, engine.run.context, events)
    assert replayed.to_dict() == engine.run.to_dict()
    assert replayed.record("identification.face").state is ItemState.FAILED


def test_events_after_gives_what_the_backend_has_not_acknowledged(make_engine: MakeEngine) -> None:
    engine = half_done(make_engine)
    assert [e.seq for e in engine.run.events_after(4)] == [5, 6]


def test_from_events_continues_numbering(make_engine: MakeEngine, clock: FakeClock) -> None:
    engine = half_done(make_engine)
    run = engine.run
    again = ChecklistEngine.from_events(run.script, run.appointment, run.context, run.events, clock)
    assert again.tick("greeting.av_ok", "pau").seq == len(run.events) + 1


def test_tampered_snapshot_is_refused(make_engine: MakeEngine) -> None:
    engine = half_done(make_engine)
    data = engine.run.to_dict()
    data["items"]["identification.document"]["state"] = "done"
    with pytest.raises(RunError, match="do not match"):
        ChecklistRun.from_dict(data, engine.run.script)


def test_run_saved_with_another_script_version_is_refused(make_engine: MakeEngine) -> None:
    engine = half_done(make_engine)
    newer = replace(engine.run.script, version="2+targeta-discapacitat.1")
    with pytest.raises(RunError, match="version"):
        ChecklistRun.from_json(engine.run.to_json(), newer)
    with pytest.raises(RunError):
        ChecklistRun.from_json(engine.run.to_json(), load_script("atesa"))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda events: events[1:], "out of order"),
        (lambda events: [events[1], events[0], *events[2:]], "out of order"),
        (lambda events: [{**events[0], "item_id": "identification.retina"}, *events[1:]], "not in this run"),
        (lambda events: [{**events[0], "state": "skipped"}, *events[1:]], "cannot leave"),
        (lambda events: [{**events[0], "at": "2026-11-24T09:30:00"}, *events[1:]], "timezone-aware"),
        (lambda events: [{**events[0], "values": {"img": [1, 2]}}, *events[1:]], "values"),
        (lambda events: [{**events[0], "action": "delete"}, *events[1:]], "malformed"),
        (lambda events: [*events[:-1], {**events[-1], "note": ""}], "reason"),
    ],
)
def test_corrupt_event_lists_are_refused(make_engine: MakeEngine, mutate, message: str) -> None:
    engine = half_done(make_engine)
    data = engine.run.to_dict()
    data["events"] = mutate(data["events"])
    del data["items"]
    with pytest.raises(RunError, match=message):
        ChecklistRun.from_dict(data, engine.run.script)


@pytest.mark.parametrize("text", ["not json", "[]", '{"format": "other"}', '{"script": 3}'])
def test_restore_refuses_garbage(clock: FakeClock, text: str) -> None:
    with pytest.raises(RunError):
        ChecklistEngine.restore(text, clock)
