"""Document storage: checked by content, stored under generated names, every access audited."""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend import audit
from backend.citizen.models import Document
from backend.citizen.sniffing import DocumentRejected, sniff
from backend.citizen.uploads import ReceivedFile, UploadError, receive_file, safe_name
from backend.db import Database
from backend.models import utcnow


def to_json(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "appointment_id": doc.appointment_id,
        "uploader": doc.uploader,
        "name": doc.name,
        "sha256": doc.sha256,
        "size": doc.size,
        "content_type": doc.content_type,
        "created_at": doc.created_at.isoformat(),
    }


async def store_upload(
    db: Database,
    directory: Path,
    max_bytes: int,
    content_type: str,
    chunks: AsyncIterator[bytes],
    *,
    appointment_id: str,
    uploader: str,
    staff_id: int | None,
) -> dict[str, Any]:
    """Receives, checks and records one document; on any refusal nothing is left on disk or in the DB."""
    received: ReceivedFile = await receive_file(content_type, chunks, directory, max_bytes)
    final: Path | None = None
    try:
        try:
            ctype, ext = sniff(received.path)
        except DocumentRejected as exc:
            raise UploadError(422, "unsupported_document", str(exc)) from exc
        storage_name = secrets.token_hex(20)
        final = directory / storage_name
        os.replace(received.path, final)
        with db.write() as session:
            doc = Document(
                id=str(uuid.uuid4()),
                appointment_id=appointment_id,
                uploader=uploader,
                uploader_staff_id=staff_id,
                name=safe_name(received.filename, ext),
                sha256=received.sha256,
                size=received.size,
                content_type=ctype,
                storage_name=storage_name,
                created_at=utcnow(),
            )
            session.add(doc)
            session.flush()
            audit.append(
                session,
                "document.uploaded",
                object_type="document",
                object_id=doc.id,
                actor_staff_id=staff_id,
                data={
                    "appointment_id": appointment_id,
                    "uploader": uploader,
                    "sha256": doc.sha256,
                    "size": doc.size,
                },
            )
            result = to_json(doc)
        final = None  # committed: keep the file
        return result
    finally:
        received.path.unlink(missing_ok=True)
        if final is not None:
            final.unlink(missing_ok=True)


def list_for(session: Session, appointment_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Document)
        .where(Document.appointment_id == appointment_id)
        .order_by(Document.created_at, Document.id)
    ).all()
    return [to_json(d) for d in rows]


def open_for_download(
    db: Database, directory: Path, doc_id: str, *, allowed: Any, actor_staff_id: int | None, who: str
) -> tuple[Document, Path] | None:
    """None when missing or not allowed (same answer, ids are not revealed). `allowed(doc)` decides scope."""
    with db.write() as session:
        doc = session.get(Document, doc_id)
        if doc is None or not allowed(session, doc):
            return None
        path = directory / doc.storage_name
        if not path.is_file():
            return None
        audit.append(
            session,
            "document.accessed",
            object_type="document",
            object_id=doc.id,
            actor_staff_id=actor_staff_id,
            data={"appointment_id": doc.appointment_id, "by": who},
        )
        session.expunge(doc)
        return doc, path
