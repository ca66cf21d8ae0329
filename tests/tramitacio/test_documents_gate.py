"""The summary for signature waits for the documents: every requested one received, every file in the
tràmit checked by the informador (a refusal names what is missing and changes nothing)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.citizen.conftest import CitizenBackend
from tests.tramitacio.conftest import (
    VALID_FORM,
    check_documents,
    identified,
    pdf_bytes,
    put_draft,
    upload,
    url,
)


def test_summary_needs_the_requested_documents_received_and_checked(tb: CitizenBackend) -> None:
    c, ch = identified(tb)
    assert put_draft(tb, c, 0, VALID_FORM).status_code == 200
    r = httpx.post(url(tb, c, "/documents-request"), json={"codes": ["dni"]}, headers=c.staff)
    assert r.status_code == 202, r.text

    def refused() -> dict[str, Any]:
        r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
        assert r.status_code == 422 and r.json()["code"] == "documents_not_ready", r.text
        assert r.json()["errors"][0]["field"] == "documents"
        state = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
        assert state["status"] == "draft" and state["summary_hash"] is None  # nothing frozen
        assert not [m for m in tb.outbox(c.appointment_id) if m["purpose"] == "otp"]  # no code sent
        body: dict[str, Any] = r.json()
        return body

    # Requested but not received: the requested document is named.
    body = refused()
    assert "DNI" in body["detail"] and body["missing"] == 1 and body["requested"][0]["code"] == "dni"
    assert body["unchecked"] == []
    # Received but not checked by the informador: the file is named.
    doc = upload(tb, ch, "dni-anvers.pdf", pdf_bytes())
    body = refused()
    assert body["missing"] == 0 and body["unchecked"] == [{"id": doc["id"], "name": "dni-anvers.pdf"}]
    assert "dni-anvers.pdf" in body["detail"] and "DNI" not in body["detail"].replace("dni-anvers", "")
    assert "dni-anvers.pdf" in body["detail"]
    # Checked: the summary goes out.
    assert check_documents(tb, c)["checked_documents"] == [doc["id"]]
    r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 200 and r.json()["status"] == "awaiting_signature", r.text
    # A second file after that is not checked yet: a new summary is refused until it is.
    upload(tb, ch, "dni-revers.pdf", pdf_bytes("revers"))
    r = httpx.post(url(tb, c, "/summary"), headers=c.staff, timeout=10)
    assert r.status_code == 422 and r.json()["unchecked"][0]["name"] == "dni-revers.pdf", r.text
