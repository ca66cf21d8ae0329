"""The backend itself refuses attended processing (atesa) until the citizen is fully identified: the
summary for signature and the submission need the checklist's attended_mode gate open (or a
supervisor's override). Drafts stay allowed, assisted mode is not gated, and a refusal changes nothing:
no code sent, no challenge, no registry number."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import httpx

from tests.backend.support import assert_envelope
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.identification import checklist, engine_from, override_gate, post_events
from tests.tramitacio.conftest import (
    TRAMIT,
    VALID_FORM,
    attended_appointment,
    check_documents,
    identified,
    identify,
    latest_otp,
    pdf_bytes,
    put_draft,
    sign,
    upload,
    url,
)

NO_RUN = "Identification has not been done: open the checklist and complete it."


def _state(tb: CitizenBackend, c: Citizen) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
    return body


def _footprint(tb: CitizenBackend, c: Citizen) -> tuple[Any, ...]:
    """Everything a summary or a submission would change, to prove a refusal changed none of it."""
    with sqlite3.connect(tb.db_path) as con:
        challenges = con.execute(
            "SELECT COUNT(*) FROM signature_challenge WHERE tramitacio_id IN"
            " (SELECT id FROM tramitacio WHERE appointment_id = ?)",
            (c.appointment_id,),
        ).fetchone()[0]
        counters = con.execute("SELECT year, last FROM registry_counter ORDER BY year").fetchall()
        row = con.execute(
            "SELECT status, version, summary_hash, registry_number FROM tramitacio WHERE appointment_id = ?",
            (c.appointment_id,),
        ).fetchone()
    return (len(tb.outbox(c.appointment_id)), challenges, tuple(counters), tuple(row))


def _refused(r: httpx.Response) -> dict[str, Any]:
    body = assert_envelope(r, 422, "identification_incomplete")
    assert body["gate"] == "attended_mode" and body["reasons"]
    assert body["errors"][0]["field"] == "level"
    return body


def _draft_with_document(tb: CitizenBackend, c: Citizen, ch: dict[str, str]) -> None:
    r = put_draft(tb, c, 0, VALID_FORM, step="form")  # drafts are allowed while identifying
    assert r.status_code == 200, r.text
    upload(tb, ch, "dni.pdf", pdf_bytes())
    check_documents(tb, c)  # the informador has checked it (the summary insists)


def test_summary_refused_without_any_checklist_and_nothing_changes(tb: CitizenBackend) -> None:
    c = attended_appointment(tb)
    ch = tb.citizen_headers(c)  # even with the PIN exchanged: the checklist records the identification
    _draft_with_document(tb, c, ch)
    before = _footprint(tb, c)
    body = _refused(httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10))
    assert body["reasons"][0] == NO_RUN and NO_RUN in body["detail"]
    assert "Identity document" in body["detail"]  # and what the script still asks for
    assert _footprint(tb, c) == before
    assert not [m for m in tb.outbox(c.appointment_id) if m["purpose"] == "otp"]
    assert _state(tb, c)["status"] == "draft"


def test_summary_refused_while_identification_is_partial_then_accepted(tb: CitizenBackend) -> None:
    c = attended_appointment(tb)
    ch = tb.citizen_headers(c)
    pending = ["identification.document", "identification.on_behalf"]
    assert identify(tb, c, leave_pending=pending)["gates"]["attended_mode"]["missing"] == pending
    _draft_with_document(tb, c, ch)
    before = _footprint(tb, c)
    body = _refused(httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10))
    assert NO_RUN not in body["reasons"]
    assert "Identity document" in body["detail"] and "Consent to act on their behalf" in body["detail"]
    assert "PIN verified" not in body["detail"]  # only what is still missing is named
    assert _footprint(tb, c) == before

    assert identify(tb, c)["gates"]["attended_mode"]["allowed"] is True
    r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_signature", r.text
    assert [m for m in tb.outbox(c.appointment_id) if m["purpose"] == "otp"]


def test_submit_refused_when_identification_was_undone_after_signing(tb: CitizenBackend) -> None:
    c, ch = identified(tb)
    _draft_with_document(tb, c, ch)
    assert httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10).status_code == 200
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    # The informador finds the document was misread and resets it after the citizen signed.
    body = checklist(tb.api, c.staff, c.appointment_id)
    engine = engine_from(body)
    reset = engine.reset("identification.document", "marta", "Expiry date misread")
    post_events(tb.api, c.staff, c.appointment_id, len(body["events"]), [reset])
    before = _footprint(tb, c)
    refused = _refused(httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10))
    assert "Identity document" in refused["detail"]
    assert _footprint(tb, c) == before  # still signed, no registry number taken
    assert _state(tb, c)["status"] == "signed" and _state(tb, c)["registry_number"] is None

    # No checklist at all (its rows gone; no API deletes them, so the test edits the SQLite file).
    with sqlite3.connect(tb.db_path) as con:
        con.execute("DELETE FROM checklist_event WHERE appointment_id = ?", (c.appointment_id,))
    refused = _refused(httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10))
    assert refused["reasons"][0] == NO_RUN
    assert _footprint(tb, c) == before

    # Identified again from scratch (the PIN exchange is on record): now it goes through.
    assert identify(tb, c)["gates"]["attended_mode"]["allowed"] is True
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 200 and r.json()["registry_number"], r.text


def test_supervisor_override_lets_attended_processing_through_and_is_audited(tb: CitizenBackend) -> None:
    c = attended_appointment(tb)
    ch = tb.citizen_headers(c)
    _draft_with_document(tb, c, ch)
    _refused(httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10))
    reason = "Citizen identified in person at the desk by the supervisor"
    override_gate(tb.api, tb.headers("laia"), c.appointment_id, "laia", gate="attended_mode", reason=reason)
    r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "submitted", r.text
    with sqlite3.connect(tb.db_path) as con:
        rows = con.execute(
            "SELECT payload FROM audit_event WHERE action = 'checklist.override' AND object_id = ?",
            (c.appointment_id,),
        ).fetchall()
    assert len(rows) == 1
    data = json.loads(rows[0][0])["data"]
    assert data["gate"] == "attended_mode" and data["note"] == reason
    assert data["role"] == "supervisor" and data["by"] == "laia"


def test_assisted_mode_is_not_gated(tb: CitizenBackend) -> None:
    c = attended_appointment(tb)  # booked atesa, but the citizen does it themselves on the portal
    body = {"version": 0, "tramit_code": TRAMIT, "level": "assistida", "assisted": {"steps_done": [0]}}
    r = httpx.put(url(tb, c), json=body, headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    r = httpx.post(url(tb, c, "/assisted/result"), json={"registry_number": "2026/1"}, headers=c.staff)
    assert r.status_code == 200 and r.json()["status"] == "recorded", r.text
    # An assisted tràmit has nothing to sign: the level refusal, not the identification one.
    assert_envelope(httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10), 422, "invalid_level")
