"""Tràmit wizard fixtures: a real backend process (tests.helpers.backend_server via the citizen
fixtures), appointments prepared like the demo does, and helpers for the wizard's API."""

from __future__ import annotations

import re
import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.citizen.conftest import Citizen, CitizenBackend, _start
from tests.helpers.identification import complete_identification, set_level

TRAMIT = "peticio-generica"
VALID_FORM: dict[str, Any] = {
    "sollicitant_document": "12345678Z",
    "nom_complet": "Anna Puig i Gal·la",
    "telefon": "612 345 678",
    "correu": "anna@example.cat",
    "codi_postal": "17001",
    "assumpte": "Revisió d'una <b>taxa</b>",
    "exposicio": "Vaig pagar dues vegades la mateixa taxa.",
    "sollicitud": "Que em tornin l'import pagat de més.",
}


@pytest.fixture(scope="module")
def tb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CitizenBackend]:
    server = _start(tmp_path_factory.mktemp("tramitacio"), {"VIDEOATENCIO_CITIZEN_IP_ATTEMPTS": "100000"})
    try:
        yield CitizenBackend(server)
    finally:
        server.stop()


def url(cb: CitizenBackend, c: Citizen, tail: str = "") -> str:
    return f"{cb.api}/appointments/{c.appointment_id}/tramitacio{tail}"


def put_draft(
    cb: CitizenBackend, c: Citizen, version: int, form: dict[str, Any], **extra: Any
) -> httpx.Response:
    body = {"version": version, "tramit_code": TRAMIT, "level": "atesa", "form_data": form, **extra}
    return httpx.put(url(cb, c), json=body, headers=c.staff, timeout=10)


def check_documents(cb: CitizenBackend, c: Citizen) -> dict[str, Any]:
    """The informador ticks every received document as checked (the summary needs it); the new state."""
    state = httpx.get(url(cb, c), headers=c.staff, timeout=10).json()
    r = put_draft(
        cb, c, state["version"], state["form_data"], level=state["level"], step=state["step"],
        excluded_documents=state["excluded_documents"], assisted=state["assisted"],
        checked_documents=[d["id"] for d in state["documents"]],
    )  # fmt: skip
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def pdf_bytes(label: str = "DNI") -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text=label)
    return bytes(doc.output())


def upload(cb: CitizenBackend, citizen_headers: dict[str, str], name: str, data: bytes) -> dict[str, Any]:
    r = httpx.post(
        f"{cb.api}/citizen/documents",
        files={"file": (name, data, "application/pdf")},
        headers=citizen_headers,
        timeout=30,
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def latest_otp(cb: CitizenBackend, appointment_id: str) -> str:
    msgs = [m for m in cb.outbox(appointment_id) if m["purpose"] == "otp"]
    match = re.search(r"\b(\d{6})\b", str(msgs[0]["body"]))
    assert match, msgs
    return match.group(1)


def attended_appointment(cb: CitizenBackend, username: str = "marta") -> Citizen:
    """A prepared appointment booked for attended processing of TRAMIT (its checklist runs atesa.toml)."""
    c = cb.prepare(username)
    set_level(cb.db_path, c.appointment_id, "atesa", TRAMIT)
    return c


def identify(cb: CitizenBackend, c: Citizen, username: str = "marta", **kw: Any) -> dict[str, Any]:
    """The attended_mode checklist completed through the API (after the citizen's PIN exchange)."""
    return complete_identification(cb.api, cb.headers(username), c.appointment_id, username, **kw)


def identified(cb: CitizenBackend, username: str = "marta") -> tuple[Citizen, dict[str, str]]:
    """An attended appointment whose citizen entered the PIN and was fully identified: (citizen, headers)."""
    c = attended_appointment(cb, username)
    ch = cb.citizen_headers(c)
    assert identify(cb, c, username)["gates"]["attended_mode"]["allowed"] is True
    return c, ch


def sign_ready(cb: CitizenBackend, username: str = "marta") -> tuple[Citizen, dict[str, str], dict[str, Any]]:
    """An attended tràmit with a document, its summary frozen and the OTP sent: (citizen, headers, doc)."""
    c, ch = identified(cb, username)
    r = put_draft(cb, c, 0, VALID_FORM)
    assert r.status_code == 200, r.text
    doc = upload(cb, ch, "dni.pdf", pdf_bytes())
    check_documents(cb, c)
    r = httpx.post(url(cb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 200, r.text
    return c, ch, doc


def sign(cb: CitizenBackend, ch: dict[str, str], otp: str) -> httpx.Response:
    return httpx.post(f"{cb.api}/citizen/signature", json={"otp": otp}, headers=ch, timeout=10)


def expire_challenges(cb: CitizenBackend, appointment_id: str) -> None:
    # No API moves a code's expiry; the test edits the backend's own SQLite file (naive UTC).
    past = datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None).isoformat(sep=" ")
    with sqlite3.connect(cb.db_path) as con:
        con.execute(
            "UPDATE signature_challenge SET expires_at = ? WHERE tramitacio_id IN"
            " (SELECT id FROM tramitacio WHERE appointment_id = ?)",
            (past, appointment_id),
        )


def pdf_text(data: bytes, tmp: Path) -> str:
    """Text of a PDF through poppler's pdftotext (a real PDF parser, not a byte search)."""
    path = tmp / "receipt.pdf"
    path.write_bytes(data)
    r = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=30, check=True
    )
    return r.stdout


def admit_when_waiting(cb: CitizenBackend, c: Citizen, page: Any) -> None:
    """The informador (API) admits the citizen once the backend has them in the waiting room (bounded
    poll on the page's clock)."""
    for _ in range(100):
        appt = httpx.get(f"{cb.api}/appointments/{c.appointment_id}", headers=c.staff, timeout=10).json()
        if appt["status"] == "waiting":
            break
        page.wait_for_timeout(50)
    r = httpx.post(
        f"{cb.api}/appointments/{c.appointment_id}/admit", json={"version": appt["version"]}, headers=c.staff
    )
    assert r.status_code == 200, r.text
