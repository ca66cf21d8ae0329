"""Outbox attachments on a real migrated SQLite database: the http gateway posts them base64 in its JSON
to a real local HTTP server, a failed delivery keeps them for the retry (same bytes), the log gateway
records name, size and sha256, and only e-mails may carry them."""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend.citizen.gateways import Attachment, DatabaseLogGateway, HttpSmsGateway
from backend.citizen.models import OutboxMessage
from backend.citizen.outbox import deliver_pending, enqueue
from backend.db import Database
from backend.migrate import upgrade_head
from tests.helpers.http_stub import PostStub, post_stub

PDF = b"%PDF-1.4\n\x00\xff binary receipt bytes\n%%EOF\n"


@pytest.fixture
def gateway() -> Iterator[tuple[str, PostStub]]:
    with post_stub("/send", 202) as stub:
        yield stub


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'outbox.db'}")
    upgrade_head(database.engine)
    try:
        yield database
    finally:
        database.dispose()


def _queue(db: Database) -> int:
    with db.write() as s:
        msg = enqueue(
            s, appointment_id=None, channel="email", purpose="receipt", to="anna@example.cat",
            body="El vostre justificant", attachments=[Attachment("justificant.pdf", "application/pdf", PDF)],
        )  # fmt: skip
        return msg.id


def _row(db: Database, msg_id: int) -> OutboxMessage:
    with db.read() as s:
        row = s.get(OutboxMessage, msg_id)
        assert row is not None
        s.expunge(row)
        return row


def test_http_gateway_sends_the_attachment_and_a_retry_sends_the_same_bytes(
    db: Database, gateway: tuple[str, PostStub]
) -> None:
    url, state = gateway
    msg_id = _queue(db)
    http_gw = HttpSmsGateway(url, "k", 5)
    state.status = 500
    assert deliver_pending(db, {"email": http_gw}) == 0
    failed = _row(db, msg_id)
    assert failed.status == "failed" and "HTTP 500" in failed.error
    assert base64.b64decode(failed.attachments[0]["data_b64"]) == PDF  # kept for the retry

    state.status = 202
    assert deliver_pending(db, {"email": http_gw}) == 1
    assert _row(db, msg_id).status == "sent"
    first, retry = state.bodies
    assert first == retry  # the same message, attachment and all
    [item] = retry["attachments"]
    assert base64.b64decode(item["data_b64"]) == PDF
    assert item == {"filename": "justificant.pdf", "content_type": "application/pdf", "size": len(PDF),
                    "sha256": hashlib.sha256(PDF).hexdigest(), "data_b64": item["data_b64"]}  # fmt: skip
    assert retry["to"] == "anna@example.cat" and retry["body"] == "El vostre justificant"


def test_log_gateway_records_the_attachment(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    msg_id = _queue(db)
    with caplog.at_level(logging.INFO, logger="backend.citizen.outbox"):
        assert deliver_pending(db, {"email": DatabaseLogGateway()}) == 1
    assert _row(db, msg_id).status == "sent"
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"attachment justificant.pdf (application/pdf, {len(PDF)} bytes" in logged
    assert hashlib.sha256(PDF).hexdigest() in logged
    assert "justificant\n" not in logged and "El vostre justificant" not in logged  # never the body


def test_only_emails_carry_attachments(db: Database) -> None:
    with db.write() as s, pytest.raises(ValueError, match="e-mail"):
        enqueue(
            s, appointment_id=None, channel="sms", purpose="receipt", to="+34600000000", body="x",
            attachments=[Attachment("a.pdf", "application/pdf", PDF)],
        )  # fmt: skip
