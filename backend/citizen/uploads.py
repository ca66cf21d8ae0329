"""Streaming multipart upload of one file field: bytes go straight to a temporary file, hashed on the
way, and reading stops as soon as the limit is passed (a 2 GiB upload costs at most limit bytes)."""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from python_multipart.multipart import MultipartParser, parse_options_header

FORM_OVERHEAD = 64 * 1024  # headers, boundaries and small fields around the file


class UploadError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class _PartState:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    hname: bytes = b""
    hvalue: bytes = b""
    in_file: bool = False
    found: int = 0
    filename: str = ""
    filename_done: str = ""


@dataclass
class ReceivedFile:
    path: Path
    filename: str
    size: int
    sha256: str


def _filename(disposition: bytes) -> tuple[str, str | None]:
    _, params = parse_options_header(disposition)
    name = params.get(b"name", b"").decode("utf-8", "replace")
    raw = params.get(b"filename")
    return name, None if raw is None else raw.decode("utf-8", "replace")


async def receive_file(
    content_type: str, chunks: AsyncIterator[bytes], dest_dir: Path, max_bytes: int, field: str = "file"
) -> ReceivedFile:
    """Reads the body; the caller owns the returned temporary file (rename or delete it)."""
    ctype, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        raise UploadError(415, "unsupported_media_type", "Send the document as multipart/form-data")
    tmp = dest_dir / f".upload-{secrets.token_hex(16)}.part"
    part = _PartState()
    digest = hashlib.sha256()
    size = 0
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    out = os.fdopen(fd, "wb")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.hname += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.hvalue += data[start:end]

    def on_header_end() -> None:
        part.headers[part.hname.lower()] = part.hvalue
        part.hname, part.hvalue = b"", b""

    def on_headers_finished() -> None:
        name, fname = _filename(part.headers.get(b"content-disposition", b""))
        part.in_file = name == field and fname is not None
        if part.in_file:
            part.found += 1
            part.filename = fname or ""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal size
        if not part.in_file or part.found != 1:
            return
        piece = data[start:end]
        size += len(piece)
        if size > max_bytes:
            raise UploadError(
                413, "too_large", f"The document is larger than {max_bytes // (1024 * 1024)} MiB"
            )
        digest.update(piece)
        out.write(piece)

    def on_part_begin() -> None:
        part.headers = {}

    def on_part_end() -> None:
        if part.in_file:
            part.filename_done = part.filename
        part.in_file = False

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
        },
        max_size=max_bytes + FORM_OVERHEAD,
    )
    try:
        async for chunk in chunks:
            parser.write(chunk)
        parser.finalize()
        out.close()
    except UploadError:
        out.close()
        tmp.unlink(missing_ok=True)
        raise
    except Exception as exc:  # any parser error: malformed body, not a server fault
        out.close()
        tmp.unlink(missing_ok=True)
        raise UploadError(400, "bad_request", "The upload is not a valid multipart form") from exc
    if part.found != 1:
        tmp.unlink(missing_ok=True)
        raise UploadError(422, "validation_error", "Send exactly one file in the form field 'file'")
    return ReceivedFile(path=tmp, filename=part.filename_done, size=size, sha256=digest.hexdigest())


def safe_name(filename: str, ext: str) -> str:
    """A display name with no path, no control characters, bounded, and the extension of the real type."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(ch for ch in base if ch.isalnum() or ch in " ._-()").strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:100].strip(" .") or "document"
    return f"{stem}.{ext}"
