"""The wizard's API on a real backend process: drafts, OTP signature, submission, receipt."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx

from backend.tramitacio.texts import TEXTS
from tests.citizen.conftest import CitizenBackend
from tests.tramitacio.conftest import (
    TRAMIT,
    VALID_FORM,
    check_documents,
    expire_challenges,
    identified,
    latest_otp,
    pdf_bytes,
    pdf_text,
    put_draft,
    sign,
    sign_ready,
    upload,
    url,
)

REGISTRY = re.compile(r"^OAC-\d{4}-\d{6}$")


def test_tramit_detail_serves_form_schema_and_assisted_steps(tb: CitizenBackend) -> None:
    h = tb.headers("marta")
    body = httpx.get(f"{tb.api}/tramits/targeta-discapacitat", headers=h, timeout=10).json()
    keys = [f["key"] for f in body["form"]["fields"]]
    assert "grau_discapacitat" in keys and body["form"]["generic"] is False
    assert len(body["assisted_steps"]) >= 3 and set(body["assisted_steps"][0]["texts"]) == {
        "ca",
        "es",
        "eu",
        "en",
    }
    # Assisted-only: its own steps, the generic form (every "atesa" tràmit has its own form).
    generic = httpx.get(f"{tb.api}/tramits/beques-equitat", headers=h, timeout=10).json()
    assert generic["form"]["generic"] is True and generic["assisted_steps"]
    listed = httpx.get(f"{tb.api}/tramits", headers=h, timeout=10).json()
    assert "form" not in listed[0]  # the list stays light; the detail carries the wizard data


def test_draft_versions_and_field_errors(tb: CitizenBackend) -> None:
    c, _ch = identified(tb)
    r = put_draft(tb, c, 0, {"codi_postal": "53000"})
    assert r.status_code == 422
    err = r.json()["errors"][0]
    assert err["field"] == "codi_postal" and err["message"].startswith("Codi postal del domicili:")
    r = put_draft(tb, c, 0, {"codi_postal": "17001"}, step="form")
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 1 and r.json()["status"] == "draft"
    r = put_draft(tb, c, 1, {"codi_postal": "17002"})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = put_draft(tb, c, 1, {"codi_postal": "17003"})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_version"
    assert stale.json()["current"]["form_data"] == {"codi_postal": "17002"}
    # An incomplete form cannot be sent for signature; the refusal lists every missing field.
    r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 422
    assert {e["field"] for e in r.json()["errors"]} >= {"sollicitant_document", "nom_complet", "assumpte"}
    # Other offices cannot see it (404, not 403).
    other = httpx.get(url(tb, c), headers=tb.headers("pau"), timeout=10)
    assert other.status_code == 404


def test_wrong_expired_replayed_and_void_otp(tb: CitizenBackend) -> None:
    c, ch, _doc = sign_ready(tb)
    otp = latest_otp(tb, c.appointment_id)
    wrong = f"{(int(otp) + 1) % 1_000_000:06d}"
    r = sign(tb, ch, wrong)
    assert r.status_code == 401 and r.json()["code"] == "otp_wrong" and r.json()["attempts_left"] == 4
    assert sign(tb, ch, "12ab").json()["attempts_left"] == 3  # malformed counts as wrong
    r = sign(tb, ch, otp)
    assert r.status_code == 200, r.text
    replay = sign(tb, ch, otp)
    assert replay.status_code == 409 and replay.json()["code"] == "otp_used"

    # Expired.
    c2, ch2, _ = sign_ready(tb)
    expire_challenges(tb, c2.appointment_id)
    r = sign(tb, ch2, latest_otp(tb, c2.appointment_id))
    assert r.status_code == 410 and r.json()["code"] == "otp_expired"

    # Void after 5 wrong codes, even with the right one afterwards.
    c3, ch3, _ = sign_ready(tb)
    otp3 = latest_otp(tb, c3.appointment_id)
    bad3 = f"{(int(otp3) + 7) % 1_000_000:06d}"
    lefts = [sign(tb, ch3, bad3).json()["attempts_left"] for _ in range(5)]
    assert lefts == [4, 3, 2, 1, 0]
    r = sign(tb, ch3, otp3)
    assert r.status_code == 410 and r.json()["code"] == "otp_void"
    staff = httpx.get(url(tb, c3), headers=c3.staff, timeout=10).json()
    assert staff["status"] == "awaiting_signature" and staff["signed_hash"] is None


def test_document_changed_after_signing_invalidates_the_signature(tb: CitizenBackend) -> None:
    c, ch, _doc = sign_ready(tb)
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    state = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
    assert state["status"] == "signed" and state["signature_valid"] is True
    upload(tb, ch, "dni-nou.pdf", pdf_bytes("DNI nou"))  # a new upload after signing
    state = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
    assert state["signature_valid"] is False
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 409 and r.json()["code"] == "signature_invalidated"
    state = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
    assert state["status"] == "draft" and state["registry_number"] is None
    # Signing again covers both documents (once the informador checked the new one); then it goes through.
    check_documents(tb, c)
    assert httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10).status_code == 200
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 200 and len(r.json()["documents"]) == 2


def test_tampered_stored_file_invalidates_the_signature(tb: CitizenBackend) -> None:
    c, ch, doc = sign_ready(tb)
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    with sqlite3.connect(tb.db_path) as con:
        storage = con.execute("SELECT storage_name FROM document WHERE id = ?", (doc["id"],)).fetchone()[0]
    path = tb.server.data_dir / "documents" / storage
    path.write_bytes(path.read_bytes() + b"%tampered")
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 409 and r.json()["code"] == "signature_invalidated"


def test_changing_the_form_after_the_summary_reopens_it(tb: CitizenBackend) -> None:
    c, ch, _doc = sign_ready(tb)
    state = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
    r = put_draft(tb, c, state["version"], {**VALID_FORM, "assumpte": "Un altre assumpte"})
    assert r.status_code == 200 and r.json()["status"] == "draft"
    r = sign(tb, ch, latest_otp(tb, c.appointment_id))
    assert r.status_code == 409 and r.json()["code"] == "no_signature_pending"  # the old code died with it


def test_submit_assigns_registry_number_and_receipt_has_hashes(tb: CitizenBackend, tmp_path: Path) -> None:
    c, ch, doc = sign_ready(tb)
    with sqlite3.connect(tb.db_path) as con:  # the receipt goes by e-mail too (no API edits contacts)
        con.execute("UPDATE appointment SET citizen_email = 'a@x.cat' WHERE id = ?", (c.appointment_id,))
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 409 and r.json()["code"] == "not_signed"
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    body = r.json()
    number = body["registry_number"]
    assert REGISTRY.match(number) and body["status"] == "submitted"
    assert body["connector_result"]["connector"] == "recording"
    again = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10).json()
    assert again["registry_number"] == number  # idempotent

    receipt = httpx.get(f"{tb.api}/citizen/tramitacio/receipt", headers=ch, timeout=10)
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    assert "attachment" in receipt.headers["content-disposition"]
    assert receipt.content.startswith(b"%PDF-")
    text = pdf_text(receipt.content, tmp_path)
    assert number in text
    assert doc["sha256"] in text and body["signed_hash"] in text
    # In the language of the citizen's session (the API session opens in Catalan by default).
    lang = "ca"
    names = httpx.get(f"{tb.api}/tramits/{TRAMIT}", headers=c.staff, timeout=10).json()["names"]
    assert TEXTS["receipt_title"][lang] in text and names[lang] in text
    assert "12345678Z" in text and "Anna Puig i Gal·la" in text

    emails = [m for m in tb.outbox(c.appointment_id) if m["purpose"] == "receipt"]
    assert emails and number in str(emails[0]["body"])

    c2, ch2, _ = sign_ready(tb)
    assert sign(tb, ch2, latest_otp(tb, c2.appointment_id)).status_code == 200
    n2 = httpx.post(url(tb, c2, "/submit"), headers=c2.staff, timeout=10).json()["registry_number"]
    assert REGISTRY.match(n2) and n2 != number and int(n2[-6:]) == int(number[-6:]) + 1

    audit = _actions(tb, c.appointment_id)
    for action in ("tramitacio.summary_frozen", "tramitacio.otp_sent", "tramitacio.signature_verified",
                   "tramitacio.submitted"):  # fmt: skip
        assert action in audit, action


def test_assisted_mode_records_steps_and_result(tb: CitizenBackend) -> None:
    c = tb.prepare("marta")
    body = {"version": 0, "tramit_code": TRAMIT, "level": "assistida", "assisted": {"steps_done": [0, 1]}}
    r = httpx.put(url(tb, c), json=body, headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    r = httpx.post(url(tb, c, "/assisted/result"), json={"registry_number": "2026/123456"}, headers=c.staff)
    assert r.status_code == 200 and r.json()["status"] == "recorded"
    r = httpx.post(url(tb, c, "/post-summary"), json={"missing_documents": ["dni"]}, headers=c.staff)
    assert r.status_code == 200
    summary = r.json()
    assert summary["registry_number"] == "2026/123456" and summary["missing_documents"]
    assert "tramitacio.assisted_steps" in _actions(tb, c.appointment_id)


def _actions(tb: CitizenBackend, appointment_id: str) -> list[str]:
    with sqlite3.connect(tb.db_path) as con:
        rows = con.execute(
            "SELECT action FROM audit_event WHERE object_type = 'tramitacio' AND payload LIKE ?",
            (f"%{appointment_id}%",),
        ).fetchall()
    return [r[0] for r in rows]
