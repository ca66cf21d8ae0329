"""Checklist routes against the real backend: append/fetch, 409 on a stale seq, strict validation,
office scope, the audit log (and its chain), the pin_verified fact, and the close-as-resolved gate."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from tests.backend.support import SseReader, assert_envelope
from tests.checklists.support import ChecklistBackend, dicts
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.backend_server import REPO_ROOT

DNI = {"doc_type": "dni", "number": "12345678Z", "expiry": (date.today() + timedelta(days=400)).isoformat()}


def _events(cb: ChecklistBackend, appt_id: str) -> list[dict[str, Any]]:
    r = cb.get(appt_id)
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()["events"]
    return events


def test_append_and_fetch_then_a_stale_seq_gets_409_with_nothing_lost(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    body = cb.get(appt["id"]).json()
    assert body["script_id"] == "atesa+targeta-discapacitat"
    assert body["context"] == {
        "attention_level": "atesa",
        "identification_level": "full",
        "recording_policy": "never",
    }
    assert body["events"] == [] and body["facts"] == {"pin_verified": False}
    assert body["gates"]["close_resolved"]["allowed"] is False

    engine = cb.engine(appt["id"])
    first = [engine.tick("greeting.hello", "marta"), engine.tick("identification.document", "marta", DNI)]
    r = cb.post(appt["id"], {"expected_seq": 0, "events": dicts(first)})
    assert r.status_code == 200, r.text
    assert [e["seq"] for e in r.json()["events"]] == [1, 2]
    assert r.json()["events"][1]["values"] == {
        "doc_type": "dni",
        "number": "12345678Z",
        "expiry": DNI["expiry"],
    }

    # A colleague's console that had not seen those events posts on top of seq 0.
    other = cb.engine(appt["id"])  # fresh copy, then pretend it is stale
    late = other.tick("purpose.confirm", "marta")
    stale = cb.post(appt["id"], {"expected_seq": 0, "events": [{**late.to_dict(), "seq": 1}]})
    body = assert_envelope(stale, 409, "stale_seq")
    assert [e["seq"] for e in body["current"]["events"]] == [1, 2]
    # Merge: re-apply on the current events, post again with the right expected_seq.
    assert cb.post(appt["id"], {"expected_seq": 2, "events": [late.to_dict()]}).status_code == 200
    assert [e["item_id"] for e in _events(cb, appt["id"])] == [
        "greeting.hello",
        "identification.document",
        "purpose.confirm",
    ]


def test_bad_events_are_refused_with_a_clear_message_and_nothing_is_stored(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    engine = cb.engine(appt["id"])
    good = engine.tick("greeting.hello", "marta").to_dict()
    doc = engine.tick("identification.document", "marta", DNI).to_dict()

    def post(event: dict[str, Any]) -> httpx.Response:
        return cb.post(appt["id"], {"expected_seq": 0, "events": [event]})

    image = {**doc, "seq": 1, "values": {**doc["values"], "number": "data:image/png;base64,iVBORw0KGgo="}}
    body = assert_envelope(post(image), 422, "invalid_evidence")
    assert "image" in body["detail"] or "binary" in body["detail"] or "file" in body["detail"], body
    assert body["errors"][0]["field"] == "events[0].values"

    oversized = {**doc, "seq": 1, "values": {**doc["values"], "number": "1" * 600}}
    assert "500" in assert_envelope(post(oversized), 422, "invalid_evidence")["detail"]

    unknown = {**good, "item_id": "identification.retina_scan"}
    assert "retina_scan" in assert_envelope(post(unknown), 422, "invalid_event")["detail"]

    bad_dni = {**doc, "seq": 1, "values": {**doc["values"], "number": "12345678A"}}
    assert "letter" in assert_envelope(post(bad_dni), 422, "invalid_evidence")["detail"].lower()

    for wrong in (
        {**good, "seq": "1"},
        {**good, "values": {"x": [1, 2]}},
        {**good, "values": {"x": 1.5}},
        {**good, "note": 7},
        {**good, "extra": "field"},
    ):
        r = post(wrong)
        assert r.status_code == 422, (wrong, r.text)
    assert_envelope(cb.post(appt["id"], {"expected_seq": 0, "events": []}), 422)
    too_big = {**good, "note": "x" * 70_000}
    assert post(too_big).status_code in (413, 422)

    # Out of order (seq 2 first) and an automatic item ticked by hand.
    assert_envelope(post({**good, "seq": 2}), 422, "invalid_event")
    pin = {**good, "item_id": "identification.pin"}
    assert_envelope(post(pin), 422, "invalid_event")

    assert _events(cb, appt["id"]) == []
    assert not [a for a, _ in cb.audit(appt["id"]) if a.startswith("checklist.")]


def test_office_scope_and_who_may_write(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    engine = cb.engine(appt["id"])
    tick = engine.tick("greeting.hello", "marta").to_dict()

    assert_envelope(cb.get(appt["id"], "pau"), 404, "not_found")  # another office: as if missing
    assert_envelope(cb.post(appt["id"], {"expected_seq": 0, "events": [tick]}, "pau"), 404)
    assert cb.get(appt["id"], "laia").status_code == 200  # supervisor: every office
    missing = "00000000-0000-4000-8000-000000000000"
    assert_envelope(cb.get(missing), 404)

    # Events are recorded under the caller's own name.
    assert_envelope(cb.post(appt["id"], {"expected_seq": 0, "events": [tick]}, "laia"), 403, "forbidden")
    # Only a supervisor overrides, with a written reason.
    forged = {**tick, "action": "override_gate", "item_id": None, "state": None, "gate": "close_resolved"}
    forged.update(note="I say so, trust me", role="supervisor")
    assert_envelope(cb.post(appt["id"], {"expected_seq": 0, "events": [forged]}), 403, "forbidden")
    assert _events(cb, appt["id"]) == []


def test_every_event_is_audited_and_the_chain_still_verifies(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    engine = cb.engine(appt["id"])
    events = [
        engine.tick("greeting.hello", "marta"),
        engine.tick("identification.document", "marta", DNI),
        engine.add_note("identification.document", "marta", "Document shown clearly"),
        engine.reset("identification.document", "marta", "Wrong expiry typed"),
    ]
    assert cb.post(appt["id"], {"expected_seq": 0, "events": dicts(events)}).status_code == 200
    engine = cb.engine(appt["id"], "laia")
    override = engine.override("close_resolved", "laia", "supervisor", "Citizen known; ID seen at the desk")
    assert cb.post(appt["id"], {"expected_seq": 4, "events": [override.to_dict()]}, "laia").status_code == 200

    rows = [(a, json.loads(p)) for a, p in cb.audit(appt["id"]) if a.startswith("checklist.")]
    assert [a for a, _ in rows] == [
        "checklist.done",
        "checklist.done",
        "checklist.note",
        "checklist.pending",
        "checklist.override",
    ]
    doc = rows[1][1]
    assert doc["data"]["values"]["number"] == "12345678Z" and doc["data"]["by"] == "marta"
    assert doc["data"]["item_id"] == "identification.document" and doc["actor_staff_id"] is not None
    assert rows[4][1]["data"]["note"] == "Citizen known; ID seen at the desk"
    assert rows[4][1]["data"]["gate"] == "close_resolved" and rows[4][1]["data"]["role"] == "supervisor"
    r = subprocess.run(
        [sys.executable, "-m", "backend", "verify-audit", "--database-url", cb.server.database_url],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0 and "audit chain ok" in r.stdout, r.stdout + r.stderr


def test_pin_verification_reports_the_fact_by_sse_and_in_the_checklist(checklist_backend):
    cb = checklist_backend
    citizens = CitizenBackend(cb.server, used=set(cb.used))
    appt = cb.appointment()
    citizens.set_start(appt["id"], datetime.now(UTC) + timedelta(minutes=5))  # inside the PIN window
    url = citizens.issue_link(appt["id"])
    assert citizens.issue_pin(appt["id"]).status_code == 202
    citizen = Citizen(
        appt["id"], appt["office_id"], url.rsplit("/", 1)[1], citizens.latest_pin(appt["id"]), {}, url
    )
    engine = cb.engine(citizen.appointment_id)
    early = engine.apply_fact("pin_verified", True)  # a console cannot claim it before the backend says so
    assert [e.item_id for e in early] == ["identification.pin"]
    assert_envelope(cb.post(citizen.appointment_id, {"expected_seq": 0, "events": dicts(early)}), 422)

    stream = SseReader(f"{cb.api}/events", headers=cb.headers("marta"))
    try:
        assert citizens.session(citizen).status_code == 200
        while True:
            event = stream.events.get(timeout=10)
            if event.event == "checklist.fact":
                break
    finally:
        stream.close()
    assert event.data == {"appointment_id": citizen.appointment_id, "fact": "pin_verified", "value": True}
    body = cb.get(citizen.appointment_id).json()
    assert body["facts"] == {"pin_verified": True}
    # Now the console's fact event (by "system") is accepted and ticks the automatic item.
    r = cb.post(citizen.appointment_id, {"expected_seq": 0, "events": dicts(early)})
    assert r.status_code == 200, r.text
    assert r.json()["events"][0]["item_id"] == "identification.pin"


def _to_in_call(cb: ChecklistBackend, appt: dict[str, Any]) -> dict[str, Any]:
    url = f"{cb.api}/appointments/{appt['id']}"
    for status in ("waiting", "in_call"):
        appt = httpx.patch(
            url, json={"version": appt["version"], "status": status}, headers=cb.headers("marta")
        ).json()
    return appt


def test_closing_as_resolved_is_refused_while_the_gate_is_closed(checklist_backend):
    cb = checklist_backend
    appt = _to_in_call(cb, cb.appointment())
    engine = cb.engine(appt["id"])
    assert cb.post(
        appt["id"], {"expected_seq": 0, "events": [engine.tick("greeting.hello", "marta").to_dict()]}
    )
    url = f"{cb.api}/appointments/{appt['id']}"
    close = {"version": appt["version"], "status": "completed", "outcome": "resolved"}
    body = assert_envelope(
        httpx.patch(url, json=close, headers=cb.headers("marta")), 422, "checklist_incomplete"
    )
    assert "Data protection notice" in body["detail"]
    # Other outcomes are never blocked.
    engine = cb.engine(appt["id"], "laia")
    override = engine.override("close_resolved", "laia", "supervisor", "Resolved by phone, evidence on paper")
    assert cb.post(appt["id"], {"expected_seq": 1, "events": [override.to_dict()]}, "laia").status_code == 200
    r = httpx.patch(url, json=close, headers=cb.headers("marta"))
    assert r.status_code == 200 and r.json()["outcome"] == "resolved", r.text


def test_scripts_are_served_with_the_catalogue(checklist_backend):
    cb = checklist_backend
    r = httpx.get(f"{cb.api}/scripts/atesa+targeta-discapacitat", headers=cb.headers("marta"))
    assert r.status_code == 200
    files = r.json()["files"]
    assert set(files) == {"atesa.toml", "tramits/targeta-discapacitat.toml"}
    assert 'attention_level = "atesa"' in files["atesa.toml"]
    for bad in ("nope", "atesa+../../etc", "atesa+UPPER"):
        assert httpx.get(f"{cb.api}/scripts/{bad}", headers=cb.headers("marta")).status_code in (404, 422)
