"""Submission through VIDEOATENCIO_SUBMISSION_CONNECTOR=http: a real backend process hands the signed
tràmit, the documents' bytes included, to a real local HTTP server (http.server in a thread). A 502 from
it reaches the informador as a clear 502 and loses nothing; the retry keeps the registry number, and the
receipt, made only after the external system answered, prints that system's own reference."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from backend.tramitacio.connectors import DocumentUnavailable, Submission
from tests.citizen.conftest import CitizenBackend, _start
from tests.helpers.http_stub import PostStub, post_stub
from tests.tramitacio.conftest import latest_otp, pdf_text, sign, sign_ready, url


@pytest.fixture(scope="module")
def external() -> Iterator[tuple[str, PostStub]]:
    """The tramitation system's side: what it received, and what it answers next."""
    with post_stub(
        "/submissions",
        201,
        lambda status: {"reference": "EXT-2026-77"} if status < 300 else {"error": "down"},
    ) as stub:
        yield stub


@pytest.fixture(scope="module")
def tb(tmp_path_factory: pytest.TempPathFactory, external: tuple[str, PostStub]) -> Iterator[CitizenBackend]:
    env = {
        "VIDEOATENCIO_CITIZEN_IP_ATTEMPTS": "100000",
        "VIDEOATENCIO_SUBMISSION_CONNECTOR": "http",
        "VIDEOATENCIO_SUBMISSION_URL": external[0],
        "VIDEOATENCIO_SUBMISSION_KEY": "conn-key",
    }
    server = _start(tmp_path_factory.mktemp("tramitacio-http"), env)
    try:
        yield CitizenBackend(server)
    finally:
        server.stop()


def test_documents_go_with_the_submission_and_a_502_loses_nothing(
    tb: CitizenBackend, external: tuple[str, PostStub], tmp_path: Path
) -> None:
    _url, ext = external
    c, ch, doc = sign_ready(tb)
    assert sign(tb, ch, latest_otp(tb, c.appointment_id)).status_code == 200

    # The tramitation system is down (502): the informador is told so plainly; nothing is lost.
    ext.status = 502
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=30)
    assert r.status_code == 502 and r.json()["code"] == "connector_failed", r.text
    assert "did not answer" in r.json()["detail"] and "HTTP 502" in r.json()["detail"]
    number = r.json()["registry_number"]
    assert number in r.json()["detail"]
    state = httpx.get(url(tb, c), headers=c.staff, timeout=10).json()
    assert state["status"] == "signed" and state["signature_valid"] is True
    assert state["registry_number"] == number and state["receipt_available"] is False
    assert httpx.get(url(tb, c, "/receipt"), headers=c.staff, timeout=10).status_code == 404
    assert not [m for m in tb.outbox(c.appointment_id) if m["purpose"] == "receipt"]

    # What was sent: the signed data and each document's bytes (exactly what the citizen uploaded).
    headers, sent = ext.received[-1]
    assert headers["Authorization"] == "Bearer conn-key"
    assert headers["Idempotency-Key"] == f"videoatencio-{number}"
    assert sent["registry_number"] == number and sent["bound_hash"] == state["signed_hash"]
    assert [d["id"] for d in sent["documents"]] == [doc["id"]]
    content = base64.b64decode(sent["documents"][0]["content_b64"])
    assert content.startswith(b"%PDF-") and len(content) == doc["size"]
    assert hashlib.sha256(content).hexdigest() == sent["documents"][0]["sha256"] == doc["sha256"]
    assert "document_paths" not in sent  # the backend's file layout stays inside

    # It answers again: the retry keeps the registry number, and the receipt carries its reference.
    ext.status = 201
    r = httpx.post(url(tb, c, "/submit"), headers=c.staff, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "submitted" and body["registry_number"] == number
    assert body["connector_result"]["reference"] == "EXT-2026-77"
    retry_headers, _ = ext.received[-1]
    assert retry_headers["Idempotency-Key"] == f"videoatencio-{number}"
    receipt = httpx.get(url(tb, c, "/receipt"), headers=c.staff, timeout=10)
    assert receipt.status_code == 200
    text = pdf_text(receipt.content, tmp_path)
    assert number in text and "EXT-2026-77" in text and doc["sha256"] in text


def test_the_connector_never_sends_bytes_that_do_not_match_the_signed_hash(tmp_path: Path) -> None:
    """The files are checked before the hand-over, but the connector re-reads them: it sends only bytes
    whose sha256 is the signed one, and refuses a missing file."""
    path = tmp_path / "stored"
    path.write_bytes(b"signed bytes")
    doc = {"id": "d1", "name": "dni.pdf", "sha256": hashlib.sha256(b"signed bytes").hexdigest()}
    sub = Submission(
        registry_number="OAC-2026-000001", tramitacio_id="t", appointment_id="a", office_code="GIR",
        tramit_code="peticio-generica", level="atesa", language="ca", form={}, documents=[doc],
        bound_hash="0" * 64, signed_at="", submitted_by_staff_id=None, document_paths={"d1": path},
    )  # fmt: skip
    assert base64.b64decode(sub.to_json_with_contents()["documents"][0]["content_b64"]) == b"signed bytes"
    path.write_bytes(b"changed bytes")
    with pytest.raises(DocumentUnavailable, match="no longer matches"):
        sub.to_json_with_contents()
    path.unlink()
    with pytest.raises(DocumentUnavailable, match="cannot be read"):
        sub.to_json_with_contents()
