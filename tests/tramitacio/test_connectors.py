"""Submission connectors: the default records; HttpConnector posts JSON to a real local HTTP server."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from backend.tramitacio.connectors import ConnectorError, HttpConnector, RecordingConnector, Submission
from tests.helpers.http_stub import PostStub, post_stub

SUBMISSION = Submission(
    registry_number="OAC-2026-000042", tramitacio_id="t1", appointment_id="a1", office_code="GIR",
    tramit_code="peticio-generica", level="atesa", language="ca", form={"assumpte": "Taxa"},
    documents=[{"id": "d1", "name": "dni.pdf", "sha256": "ab" * 32}], bound_hash="cd" * 32,
    signed_at="2026-11-24T09:30:00+00:00", submitted_by_staff_id=1,
)  # fmt: skip


DOC_BYTES = b"%PDF-1.4 the citizen's DNI"


@pytest.fixture
def server() -> Iterator[tuple[str, PostStub]]:
    with post_stub("/submissions", 201, lambda _status: {"reference": "EXT-7"}) as stub:
        yield stub


def test_recording_connector_accepts() -> None:
    assert RecordingConnector().submit(SUBMISSION)["reference"] == "OAC-2026-000042"


@pytest.fixture
def stored(tmp_path: Path) -> Submission:
    """SUBMISSION with its document's file on disk (the http connector sends the bytes)."""
    path = tmp_path / "d1"
    path.write_bytes(DOC_BYTES)
    doc = {**SUBMISSION.documents[0], "sha256": hashlib.sha256(DOC_BYTES).hexdigest()}
    return replace(SUBMISSION, documents=[doc], document_paths={"d1": path})


def test_http_connector_posts_the_submission(server: tuple[str, PostStub], stored: Submission) -> None:
    url, state = server
    result = HttpConnector(url, key="s3cret").submit(stored)
    assert result == {"connector": "http", "accepted": True, "status": 201, "reference": "EXT-7"}
    headers, body = state.received[0]
    assert headers["Authorization"] == "Bearer s3cret"
    assert headers["Idempotency-Key"] == "videoatencio-OAC-2026-000042"
    assert body["registry_number"] == "OAC-2026-000042"
    assert base64.b64decode(body["documents"][0]["content_b64"]) == DOC_BYTES


def test_http_connector_refusal_and_unreachable(server: tuple[str, PostStub], stored: Submission) -> None:
    url, state = server
    state.status = 503
    with pytest.raises(ConnectorError, match="HTTP 503"):
        HttpConnector(url).submit(stored)
    with pytest.raises(ConnectorError, match="unreachable"):
        HttpConnector("http://127.0.0.1:9/x", timeout_s=2).submit(stored)
    with pytest.raises(ValueError, match="http"):
        HttpConnector("ftp://example.org")
