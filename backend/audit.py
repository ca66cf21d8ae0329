"""Append-only, hash-chained audit log.

Each row stores payload (canonical JSON of the event) and hash = sha256(prev_hash + payload). Editing
or deleting any row breaks every later link, which verify_chain() reports. Appends are serialised:
SQLite write transactions are BEGIN IMMEDIATE (backend.db), PostgreSQL takes an advisory lock, so two
writers can never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.models import AuditEvent, utcnow

GENESIS = "0" * 64
_PG_LOCK_KEY = 7_401_202_611  # any constant; names the audit-chain lock


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _link(prev_hash: str, payload: str) -> str:
    return hashlib.sha256((prev_hash + payload).encode("utf-8")).hexdigest()


def append(
    session: Session,
    action: str,
    *,
    object_type: str,
    object_id: str,
    actor_staff_id: int | None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Adds one event in the caller's transaction (so it commits or rolls back with the change)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
    last = session.execute(
        select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
    ).first()
    seq, prev_hash = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = at or utcnow()
    payload = canonical_json(
        {
            "seq": seq,
            "at": at.isoformat(),
            "actor_staff_id": actor_staff_id,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "data": data or {},
        }
    )
    event = AuditEvent(
        id=seq,
        at=at,
        actor_staff_id=actor_staff_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        payload=payload,
        prev_hash=prev_hash,
        hash=_link(prev_hash, payload),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    reason: str = ""


def verify_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Walks the whole log in id order; stops at the first broken link."""
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    last_id = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).all()
        if not rows:
            return ChainReport(ok=True, checked=checked)
        for row in rows:
            reason = _check_row(row, prev_hash, expected_seq)
            if reason:
                return ChainReport(ok=False, checked=checked, first_bad_id=row.id, reason=reason)
            prev_hash, expected_seq, last_id = row.hash, expected_seq + 1, row.id
            checked += 1


def _check_row(row: AuditEvent, prev_hash: str, expected_seq: int) -> str:
    if row.id != expected_seq:
        return f"missing event before id {row.id}"
    if row.prev_hash != prev_hash:
        return "prev_hash does not match the previous event"
    if _link(row.prev_hash, row.payload) != row.hash:
        return "hash does not match the payload"
    try:
        body = json.loads(row.payload)
    except ValueError:
        return "payload is not JSON"
    columns = {
        "seq": row.id,
        "actor_staff_id": row.actor_staff_id,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "at": row.at.isoformat(),
    }
    for key, value in columns.items():
        if body.get(key) != value:
            return f"column {key} differs from the hashed payload"
    return ""
