"""Outbox: messages are written in the caller's transaction, then delivered by a gateway afterwards,
so a gateway failure never loses a message (it stays queued/failed and is retried)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.citizen.config import CitizenSettings
from backend.citizen.gateways import (
    Attachment,
    DatabaseLogGateway,
    Gateway,
    GatewayError,
    HttpSmsGateway,
    OutgoingMessage,
)
from backend.citizen.models import OutboxMessage
from backend.db import Database
from backend.models import utcnow

log = logging.getLogger("backend.citizen.outbox")
MAX_ATTEMPTS = 5


def make_gateways(cfg: CitizenSettings) -> dict[str, Gateway]:
    def build(kind: str) -> Gateway:
        if kind == "http":
            return HttpSmsGateway(cfg.gateway_url, cfg.gateway_key, cfg.gateway_timeout_s)
        if kind == "log":
            return DatabaseLogGateway()
        raise ValueError(f"unknown outbox gateway {kind!r} (use 'log' or 'http')")

    return {"sms": build(cfg.sms_gateway), "email": build(cfg.email_gateway)}


def enqueue(
    session: Session,
    *,
    appointment_id: str | None,
    channel: str,
    purpose: str,
    to: str,
    body: str,
    attachments: Sequence[Attachment] = (),
) -> OutboxMessage:
    if attachments and channel != "email":
        raise ValueError("only e-mail messages carry attachments")
    msg = OutboxMessage(
        appointment_id=appointment_id, channel=channel, purpose=purpose, to=to, body=body,
        attachments=[a.to_json() for a in attachments],
    )  # fmt: skip
    session.add(msg)
    session.flush()
    return msg


def recent_count(session: Session, appointment_id: str, purpose: str, window_s: int) -> int:
    since = utcnow() - timedelta(seconds=window_s)
    return (
        session.scalar(
            select(func.count(OutboxMessage.id)).where(
                OutboxMessage.appointment_id == appointment_id,
                OutboxMessage.purpose == purpose,
                OutboxMessage.created_at >= since,
            )
        )
        or 0
    )


def deliver_pending(db: Database, gateways: dict[str, Gateway], limit: int = 50) -> int:
    """Sends queued (and retryable failed) messages; returns how many were sent. Runs off the request."""
    # Claimed in one write transaction (status "sending"), so two workers never send a message twice.
    with db.write() as session:
        pending = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_(("queued", "failed")), OutboxMessage.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMessage.id)
            .limit(limit)
        ).all()
        for m in pending:
            m.status, m.attempts = "sending", m.attempts + 1
        batch = [
            OutgoingMessage(
                m.id, m.channel, m.to, m.body, tuple(Attachment.from_json(a) for a in m.attachments or [])
            )
            for m in pending
        ]
    sent = 0
    for item in batch:
        gateway = gateways.get(item.channel)
        error = ""
        if gateway is None:
            error = f"no gateway for channel {item.channel}"
        else:
            try:
                gateway.send(item)
            except GatewayError as exc:
                error = str(exc)[:500]
        with db.write() as session:
            row = session.get(OutboxMessage, item.id)
            if row is None:
                continue
            if error:
                row.status, row.error = "failed", error
                log.warning("outbox #%d not delivered: %s", item.id, error)
            else:
                row.status, row.error, row.sent_at = "sent", "", utcnow()
                sent += 1
    return sent
