"""What reaches the citizen after filing, through the outbox of a real backend: the receipt e-mail with
the PDF attached (the same bytes as the download), to the appointment's address or else the form's;
the receipt and the post-call summary in Spanish and in Arabic (Noto Naskh, shaped right to left, read
back with pdftotext); the post-call summary sent by e-mail, or by SMS in short when there is no address."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx

from backend.tramitacio.texts import TEXTS, text
from tests.citizen.conftest import Citizen, CitizenBackend
from tests.tramitacio.conftest import (
    VALID_FORM,
    attended_appointment,
    check_documents,
    identify,
    latest_otp,
    pdf_bytes,
    pdf_text,
    put_draft,
    sign,
    upload,
    url,
)

# pdftotext marks right-to-left runs with bidi controls (U+202A-U+202E, U+200E/F, U+2066-U+2069).
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _set_email(tb: CitizenBackend, c: Citizen, email: str | None) -> None:
    # No API edits an appointment's contact details; the test edits the backend's SQLite file.
    with sqlite3.connect(tb.db_path) as con:
        con.execute("UPDATE appointment SET citizen_email = ? WHERE id = ?", (email, c.appointment_id))


def _identified_in(tb: CitizenBackend, lang: str) -> tuple[Citizen, dict[str, str]]:
    """An attended appointment whose citizen opened the page in `lang` (the backend writes to them in
    their session's language) and was fully identified: (citizen, citizen headers)."""
    c = attended_appointment(tb)
    r = httpx.post(
        f"{tb.api}/citizen/session",
        json={"join_token": c.join_token, "pin": c.pin, "language": lang},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert identify(tb, c)["gates"]["attended_mode"]["allowed"] is True
    return c, {"Authorization": f"Bearer {r.json()['citizen_token']}"}


def _file(
    tb: CitizenBackend, lang: str, form: dict[str, Any], email: str | None
) -> tuple[Citizen, dict[str, Any]]:
    """An attended tràmit filed end to end in `lang`: (citizen, the submit answer)."""
    c, ch = _identified_in(tb, lang)
    _set_email(tb, c, email)
    assert put_draft(tb, c, 0, form).status_code == 200
    upload(tb, ch, "dni.pdf", pdf_bytes())
    check_documents(tb, c)
    r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    return c, r.json()


def _outbox_rows(tb: CitizenBackend, c: Citizen, purpose: str) -> list[dict[str, Any]]:
    with sqlite3.connect(tb.db_path) as con:
        rows = con.execute(
            'SELECT channel, "to", body, attachments FROM outbox_message'
            " WHERE appointment_id = ? AND purpose = ? ORDER BY id",
            (c.appointment_id, purpose),
        ).fetchall()
    return [{"channel": r[0], "to": r[1], "body": r[2], "attachments": json.loads(r[3])} for r in rows]


def _delivered(tb: CitizenBackend, c: Citizen, purpose: str) -> str:
    """The message's status once delivery (a background task after the answer) is over, within 20 s."""
    deadline = time.monotonic() + 20
    status = ""
    while time.monotonic() < deadline:
        rows = [m for m in tb.outbox(c.appointment_id) if m["purpose"] == purpose]
        status = str(rows[0]["status"]) if rows else ""
        if status not in ("", "queued", "sending"):
            break
    return status


def _receipt(tb: CitizenBackend, c: Citizen) -> bytes:
    r = httpx.get(url(tb, c, "/receipt"), headers=c.staff, timeout=10)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-"), r.text[:200]
    return r.content


def _post_summary(tb: CitizenBackend, c: Citizen, **body: Any) -> dict[str, Any]:
    r = httpx.post(url(tb, c, "/post-summary"), json=body, headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()
    return answer


def test_receipt_email_carries_the_pdf_and_falls_back_to_the_form_address(tb: CitizenBackend) -> None:
    # The appointment has an address: the receipt goes there, with the PDF attached.
    c, body = _file(tb, "ca", VALID_FORM, "anna.appt@example.cat")
    [mail] = _outbox_rows(tb, c, "receipt")
    assert mail["channel"] == "email" and mail["to"] == "anna.appt@example.cat"
    assert body["registry_number"] in mail["body"]
    [pdf] = mail["attachments"]
    data = base64.b64decode(pdf["data_b64"])
    downloaded = _receipt(tb, c)
    assert data == downloaded and pdf["sha256"] == hashlib.sha256(downloaded).hexdigest()
    assert pdf["filename"] == f"justificant-{body['registry_number']}.pdf"
    assert pdf["content_type"] == "application/pdf" and pdf["size"] == len(downloaded)
    # The log gateway delivered it, attachment and all (the outbox row is the record of what was sent).
    assert _delivered(tb, c, "receipt") == "sent"

    # No address on the appointment: the e-mail field of the form (correu) is used.
    c2, body2 = _file(tb, "ca", VALID_FORM, None)
    [mail2] = _outbox_rows(tb, c2, "receipt")
    assert mail2["to"] == VALID_FORM["correu"] and body2["registry_number"] in mail2["body"]
    assert base64.b64decode(mail2["attachments"][0]["data_b64"]) == _receipt(tb, c2)


def test_receipt_and_post_summary_in_spanish_sent_by_email(tb: CitizenBackend, tmp_path: Path) -> None:
    c, body = _file(tb, "es", VALID_FORM, "ana@example.es")
    number = body["registry_number"]
    pdf = pdf_text(_receipt(tb, c), tmp_path)
    assert number in pdf and TEXTS["receipt_title"]["es"] in pdf and "Petición genérica" in pdf
    assert "Nombre y apellidos" in pdf  # the form's labels in Spanish too
    assert TEXTS["names_in_spanish"]["es"][:30] not in pdf  # the note is for ar/ur only

    summary = _post_summary(tb, c, missing_documents=["nie"], next_steps="Llámenos si no recibe nada.")
    assert summary["language"] == "es" and summary["names_note"] == ""
    assert summary["what_was_done"] == text("done_submitted", "es", tramit="Petición genérica")
    [mail] = _outbox_rows(tb, c, "post_summary")
    assert mail["channel"] == "email" and mail["to"] == "ana@example.es"
    for part in (summary["what_was_done"], number, TEXTS["next_submitted"]["es"], "NIE (para personas",
                 "Llámenos si no recibe nada.", TEXTS["missing_title"]["es"]):  # fmt: skip
        assert part in mail["body"], part
    assert mail["attachments"] == []


def test_receipt_and_post_summary_in_arabic(tb: CitizenBackend, tmp_path: Path) -> None:
    c, body = _file(tb, "ar", VALID_FORM, "anna@example.cat")
    number = body["registry_number"]
    summary_shown = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()["summary"]
    assert summary_shown["language"] == "ar" and summary_shown["tramit_name"] == "Petición genérica"
    assert summary_shown["names_note"] == TEXTS["names_in_spanish"]["ar"]

    pdf = _BIDI.sub("", pdf_text(_receipt(tb, c), tmp_path))
    assert number in pdf
    for words in (TEXTS["receipt_title"]["ar"], TEXTS["registry_number"]["ar"], TEXTS["form"]["ar"],
                  "الموافقة والتوقيع", "باللغة الإسبانية"):  # fmt: skip
        assert words in pdf, words
    assert "Petición genérica" in pdf and "12345678Z" in pdf  # Spanish name (said once), Latin data
    [mail] = _outbox_rows(tb, c, "receipt")
    assert mail["body"].startswith("Videoatenció: قدّمنا الإجراء «Petición genérica»")
    assert number in mail["body"] and TEXTS["names_in_spanish"]["ar"] in mail["body"]

    summary = _post_summary(tb, c, missing_documents=["nie"])
    assert summary["language"] == "ar"
    assert summary["what_was_done"] == "قدّم الموظف الإجراء «Petición genérica» نيابةً عنك."
    assert summary["names_note"] == TEXTS["names_in_spanish"]["ar"]
    [mail] = _outbox_rows(tb, c, "post_summary")
    assert mail["channel"] == "email" and summary["what_was_done"] in mail["body"]
    assert TEXTS["post_title"]["ar"] in mail["body"] and TEXTS["next_missing"]["ar"] in mail["body"]
    assert mail["body"].count(TEXTS["names_in_spanish"]["ar"]) == 1  # said once


def test_post_summary_by_sms_in_short_when_there_is_no_address(tb: CitizenBackend) -> None:
    c, _ch = _identified_in(tb, "ur")
    _set_email(tb, c, None)
    form = {k: v for k, v in VALID_FORM.items() if k != "correu"}  # no e-mail anywhere
    assert put_draft(tb, c, 0, form).status_code == 200
    summary = _post_summary(tb, c, missing_documents=["dni", "nie"], next_steps="x" * 1500)
    assert summary["what_was_done"] == text("done_started", "ur", tramit="Petición genérica")
    [sms] = _outbox_rows(tb, c, "post_summary")
    assert sms["channel"] == "sms" and sms["to"]  # the appointment's mobile (the PIN went there)
    assert sms["body"].startswith("Videoatenció: " + summary["what_was_done"])
    assert TEXTS["missing_title"]["ur"] in sms["body"] and "DNI، NIE" in sms["body"]
    assert "x" * 20 not in sms["body"] and len(sms["body"]) <= 480  # the short version
