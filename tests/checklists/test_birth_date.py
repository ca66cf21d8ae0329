"""The citizen's date of birth on the appointment: seeded, shown only to the office's own staff, and
compared in the identification protocol's data match (a wrong date refused; no date on the appointment
means full identification needs the informador's note saying what it was compared with)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import select

from backend.db import Database
from backend.migrate import upgrade_head
from backend.models import Appointment
from backend.pool.models import WalkIn
from backend.seed import seed_demo
from console.scripts import EvidenceError
from tests.checklists.support import ChecklistBackend, dicts, engine_from

MATCH = "identification.data_match"


def _get(cb: ChecklistBackend, path: str, username: str) -> httpx.Response:
    return httpx.get(f"{cb.api}{path}", headers=cb.headers(username), timeout=10)


def test_seed_gives_every_appointment_an_adult_birth_date(tmp_path):
    day = date(2026, 11, 24)
    db = Database(f"sqlite:///{tmp_path / 'seed.db'}")
    try:
        upgrade_head(db.engine)
        seed_demo(db, day)
        with db.read() as s:
            # Booked appointments; kiosk walk-ins (backend/pool) are people who gave no date of birth.
            walk_ins = select(WalkIn.appointment_id)
            births = list(
                s.scalars(select(Appointment.citizen_birth_date).where(Appointment.id.not_in(walk_ins)))
            )
    finally:
        db.dispose()
    assert births and all(b is not None for b in births)
    ages = [(day - b).days / 365.25 for b in births if b is not None]
    assert min(ages) >= 18 and max(ages) <= 86
    assert len(set(births)) > len(births) // 2  # people, not one shared date


def test_birth_date_is_shown_to_the_office_only(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    birth = appt["citizen_birth_date"]
    assert birth and date.fromisoformat(birth) < date.today() - timedelta(days=18 * 365)
    listed = _get(cb, "/appointments", "marta").json()
    assert next(a for a in listed if a["id"] == appt["id"])["citizen_birth_date"] == birth
    assert (
        _get(cb, f"/appointments/{appt['id']}/checklist", "marta").json()["appointment"]["birth_date"]
        == birth
    )
    # The administrator (no office) reads the appointment, but not its personal data.
    as_admin = _get(cb, f"/appointments/{appt['id']}", "admin")
    assert as_admin.status_code == 200 and as_admin.json()["citizen_birth_date"] is None
    listed = _get(cb, f"/appointments?office_id={appt['office_id']}", "admin").json()
    assert next(a for a in listed if a["id"] == appt["id"])["citizen_birth_date"] is None
    checklist = _get(cb, f"/appointments/{appt['id']}/checklist", "admin").json()
    assert checklist["appointment"]["birth_date"] is None
    assert checklist["appointment"]["citizen_name"] == appt["citizen_name"]


def test_a_wrong_birth_date_is_refused_by_console_and_backend(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()
    birth = date.fromisoformat(appt["citizen_birth_date"])
    wrong = (birth + timedelta(days=1)).strftime("%d/%m/%Y")
    engine = cb.engine(appt["id"])
    with pytest.raises(EvidenceError) as caught:
        engine.tick(MATCH, "marta", {"name": appt["citizen_name"], "birth_date": wrong})
    assert caught.value.code == "birth_date_mismatch" and engine.run.events == ()

    # A console that did not know the date (an older copy) would post it: the backend compares itself.
    blind = cb.engine(appt["id"])
    blind.run.appointment = replace(blind.run.appointment, birth_date=None)
    event = blind.tick(MATCH, "marta", {"name": appt["citizen_name"], "birth_date": wrong}, "Seen on the DNI")
    r = cb.post(appt["id"], {"expected_seq": 0, "events": dicts([event])})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "The date of birth does not match the appointment's."
    assert cb.get(appt["id"]).json()["events"] == []

    right = cb.engine(appt["id"]).tick(MATCH, "marta", {"name": appt["citizen_name"], "birth_date": birth})
    r = cb.post(appt["id"], {"expected_seq": 0, "events": dicts([right])})
    assert r.status_code == 200, r.text
    values = r.json()["events"][0]["values"]
    assert values["birth_date"] == birth.isoformat() and values["birth_date_compared"] is True


def test_no_birth_date_on_the_appointment_needs_a_note_for_full_identification(checklist_backend):
    cb = checklist_backend
    appt = cb.appointment()  # atesa, targeta-discapacitat: full identification
    with sqlite3.connect(cb.db_path) as con:
        con.execute("UPDATE appointment SET citizen_birth_date = NULL WHERE id = ?", (appt["id"],))
    body = cb.get(appt["id"]).json()
    assert body["appointment"]["birth_date"] is None
    assert body["context"]["identification_level"] == "full"
    values = {"name": appt["citizen_name"], "birth_date": "03/02/1971"}
    engine = engine_from(body)
    with pytest.raises(EvidenceError) as caught:
        engine.tick(MATCH, "marta", values)
    assert caught.value.code == "birth_date_uncompared"

    # The same tick without its note, posted by hand: refused, nothing stored.
    note = "Compared with the DNI shown to the camera"
    event = engine_from(body).tick(MATCH, "marta", values, note).to_dict()
    r = cb.post(appt["id"], {"expected_seq": 0, "events": [{**event, "note": ""}]})
    assert r.status_code == 422, r.text
    assert "no date of birth" in r.json()["detail"]
    assert cb.get(appt["id"]).json()["events"] == []

    r = cb.post(appt["id"], {"expected_seq": 0, "events": [event]})
    assert r.status_code == 200, r.text
    stored = r.json()["events"][0]
    assert stored["values"]["birth_date_compared"] is False and stored["note"] == note
    audited = [json.loads(p)["data"] for a, p in cb.audit(appt["id"]) if a == "checklist.done"]
    assert audited[-1]["item_id"] == MATCH and audited[-1]["note"] == note
