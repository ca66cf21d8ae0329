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
from tests.checklists.support import ChecklistBackend, dicts, verify_pin
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.backend_server import REPO_ROOT
from tests.helpers.identification import complete_identification, override_gate

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
        r = httpx.patch(url, json={"version": appt["version"], "status": status}, headers=cb.headers("marta"))
        assert r.status_code == 200, r.text
        appt = r.json()
    return appt


def test_closing_as_resolved_is_refused_while_the_gate_is_closed(checklist_backend):
    cb = checklist_backend
    appt = _to_in_call(cb, cb.appointment())
    engine = cb.engine(appt["id"])
    hello = cb.post(
        appt["id"], {"expected_seq": 0, "events": [engine.tick("greeting.hello", "marta").to_dict()]}
    )
    assert hello.status_code == 200, hello.text
    url = f"{cb.api}/appointments/{appt['id']}"
    close = {"version": appt["version"], "status": "completed", "outcome": "resolved"}
    body = assert_envelope(
        httpx.patch(url, json=close, headers=cb.headers("marta")), 422, "checklist_incomplete"
    )
    assert "Data protection notice" in body["detail"]
    # Other outcomes are never blocked: the same open checklist, closed as referred.
    other = _to_in_call(cb, cb.appointment())
    engine = cb.engine(other["id"])
    hello = cb.post(
        other["id"], {"expected_seq": 0, "events": [engine.tick("greeting.hello", "marta").to_dict()]}
    )
    assert hello.status_code == 200, hello.text
    referred = httpx.patch(
        f"{cb.api}/appointments/{other['id']}",
        json={"version": other["version"], "status": "completed", "outcome": "referred"},
        headers=cb.headers("marta"),
    )
    assert referred.status_code == 200 and referred.json()["outcome"] == "referred", referred.text
    # A supervisor's override opens the gate.
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


def _close_resolved(cb: ChecklistBackend, appt: dict[str, Any]) -> httpx.Response:
    return httpx.patch(
        f"{cb.api}/appointments/{appt['id']}",
        json={"version": appt["version"], "status": "completed", "outcome": "resolved"},
        headers=cb.headers("marta"),
    )


def test_closing_as_resolved_with_no_checklist_recorded_is_refused(checklist_backend):
    cb = checklist_backend
    appt = _to_in_call(cb, cb.appointment())  # atesa: full identification
    assert _events(cb, appt["id"]) == []
    body = assert_envelope(_close_resolved(cb, appt), 422, "checklist_incomplete")
    # The engine's empty run of the appointment's script says what is missing.
    for missing in ("Data protection notice", "Identity document", "Procedure confirmed"):
        assert missing in body["detail"], body["detail"]
    # Nothing changed, and another outcome still closes it (which frees the office's call slot too).
    referred = httpx.patch(
        f"{cb.api}/appointments/{appt['id']}",
        json={"version": appt["version"], "status": "completed", "outcome": "referred"},
        headers=cb.headers("marta"),
    )
    assert referred.status_code == 200 and referred.json()["outcome"] == "referred", referred.text


def test_informativa_closes_resolved_with_its_own_items_and_no_identification(checklist_backend):
    cb = checklist_backend
    appt = _to_in_call(cb, cb.appointment(level="informativa"))
    body = assert_envelope(_close_resolved(cb, appt), 422, "checklist_incomplete")
    assert "Enquiry answered" in body["detail"]  # never opened: the level's required items, not a pass
    engine = cb.engine(appt["id"])
    missing = engine.gate_status("close_resolved").missing
    assert not [m for m in missing if m.startswith("identification.")]
    events = dicts([engine.tick(item_id, "marta") for item_id in missing])
    r = cb.post(appt["id"], {"expected_seq": 0, "events": events})
    assert r.status_code == 200, r.text
    r = _close_resolved(cb, appt)
    assert r.status_code == 200 and r.json()["outcome"] == "resolved", r.text


def test_sending_a_document_needs_the_identification(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()  # atesa, targeta-discapacitat: full identification
    body = assert_envelope(cb.upload(appt["id"]), 422, "identification_incomplete")
    assert "Identification has not been done" in body["detail"] and body["gate"] == "send_personal_documents"
    # Half done: the reason lists what is still missing, and nothing is stored.
    engine = cb.engine(appt["id"])
    notice = engine.tick("data_protection.notice", "marta")
    assert cb.post(appt["id"], {"expected_seq": 0, "events": [notice.to_dict()]}).status_code == 200
    body = assert_envelope(cb.upload(appt["id"]), 422, "identification_incomplete")
    assert "Identity document" in body["detail"] and "Data protection notice" not in body["detail"]
    assert cb.documents(appt["id"]) == []
    assert not [a for a, _ in cb.audit(appt["id"]) if a.startswith("document.")]

    verify_pin(cb, appt["id"])
    after = complete_identification(cb.api, cb.headers("marta"), appt["id"], gate="send_personal_documents")
    assert after["gates"]["send_personal_documents"]["allowed"] is True
    r = cb.upload(appt["id"])
    assert r.status_code == 201, r.text
    assert [d["id"] for d in cb.documents(appt["id"])] == [r.json()["id"]]


def test_informativa_sends_no_documents_unless_a_supervisor_overrides(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment(level="informativa")
    engine = cb.engine(appt["id"])
    events = dicts(
        [engine.tick(item_id, "marta") for item_id in engine.gate_status("close_resolved").missing]
    )
    assert cb.post(appt["id"], {"expected_seq": 0, "events": events}).status_code == 200
    # Everything the level asks for is done, and still no document: no identification at this level.
    body = assert_envelope(cb.upload(appt["id"]), 422, "identification_incomplete")
    assert "information appointment the citizen has not been identified" in body["detail"]
    reason = "Citizen identified at the desk; sending the form"
    override_gate(
        cb.api, cb.headers("laia"), appt["id"], "laia", gate="send_personal_documents", reason=reason
    )
    r = cb.upload(appt["id"])
    assert r.status_code == 201, r.text


def test_a_backdated_event_cannot_pass_an_expired_document(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    engine = cb.engine(appt["id"])
    tick = engine.tick("identification.document", "marta", DNI).to_dict()
    # Expired a year ago, "ticked" the day before it expired: the server's date decides, not `at`.
    expired = (date.today() - timedelta(days=365)).isoformat()
    backdated = {
        **tick,
        "at": (datetime.now(UTC) - timedelta(days=366)).isoformat(),
        "values": {**tick["values"], "expiry": expired},
    }
    body = assert_envelope(
        cb.post(appt["id"], {"expected_seq": 0, "events": [backdated]}), 422, "invalid_evidence"
    )
    assert "expired" in body["detail"] and body["errors"][0]["field"] == "events[0].values"
    assert _events(cb, appt["id"]) == []
    assert not [a for a, _ in cb.audit(appt["id"]) if a.startswith("checklist.")]
    # The same event with a document still valid is recorded, whatever its `at`.
    valid = {**tick, "at": backdated["at"]}
    assert cb.post(appt["id"], {"expected_seq": 0, "events": [valid]}).status_code == 200


def test_a_malformed_tramit_overlay_fails_closed_naming_the_file_and_line(checklist_backend):
    cb = checklist_backend
    assert cb.scripts_dir is not None
    overlay = cb.scripts_dir / "tramits" / "llicencia-pesca-recreativa.toml"
    good = overlay.read_text("utf-8")
    appt = _to_in_call(cb, cb.appointment(tramit="llicencia-pesca-recreativa"))
    # One item of the office's file gets a kind the engine does not know.
    lines = good.splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("kind = "))
    lines[line] = 'kind = "telepathy"'
    overlay.write_text("\n".join(lines) + "\n", "utf-8")
    where = f"tramits/llicencia-pesca-recreativa.toml:{line + 1}:"
    try:
        body = assert_envelope(cb.get(appt["id"]), 500, "script_invalid")
        assert where in body["detail"] and "telepathy" in body["detail"], body["detail"]
        # The gates refuse instead of falling back to the level's base script.
        body = assert_envelope(_close_resolved(cb, appt), 422, "checklist_incomplete")
        assert where in body["detail"], body["detail"]
        body = assert_envelope(cb.upload(appt["id"]), 422, "identification_incomplete")
        assert "malformed" in body["detail"]
        assert cb.documents(appt["id"]) == []
    finally:
        overlay.write_text(good, "utf-8")
    assert cb.get(appt["id"]).status_code == 200  # fixed file: read again (the cache follows the file)
    r = httpx.patch(  # the office's call slot back
        f"{cb.api}/appointments/{appt['id']}",
        json={"version": appt["version"], "status": "completed", "outcome": "referred"},
        headers=cb.headers("marta"),
    )
    assert r.status_code == 200, r.text
