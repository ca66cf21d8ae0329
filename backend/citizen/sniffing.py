"""Document type by content (never by name or declared type): PDF, JPEG or PNG, with a cheap parse check.

Refuses anything else, including HTML renamed .pdf, executables, empty or truncated files and simple
polyglots (markup in the head, data appended after the format's end marker).
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|script|svg|iframe|body|head|\?xml)", re.IGNORECASE)
_TAIL = 2048


class DocumentRejected(ValueError):
    """The file is not an accepted document; message is shown to the user as is."""


def sniff(path: Path) -> tuple[str, str]:
    """(content type, file extension) of an accepted document, or DocumentRejected."""
    size = path.stat().st_size
    if size == 0:
        raise DocumentRejected("The file is empty")
    with path.open("rb") as f:
        head = f.read(1024)
        f.seek(max(0, size - _TAIL))
        tail = f.read()
        if head.startswith(b"%PDF-"):
            _check_pdf(head, tail)
            return "application/pdf", "pdf"
        if head.startswith(b"\xff\xd8\xff"):
            _check_jpeg(head, tail)
            return "image/jpeg", "jpg"
        if head.startswith(PNG_SIGNATURE):
            _check_png(f, size)
            return "image/png", "png"
    raise DocumentRejected("Only PDF, JPEG or PNG documents are accepted; this file is none of them")


def _check_pdf(head: bytes, tail: bytes) -> None:
    if not re.match(rb"%PDF-[12]\.\d", head):
        raise DocumentRejected("The PDF header is not valid")
    if _MARKUP.search(head):
        raise DocumentRejected("The PDF contains web markup at its start; it may be a disguised file")
    # Incremental updates end with their own %%EOF, so the last one must be near the end: a PDF
    # with something appended (a zip, HTML) fails here.
    end = tail.rstrip(b"\r\n\t \x00")
    if not end.endswith(b"%%EOF"):
        raise DocumentRejected("The PDF is incomplete (no end-of-file marker)")
    if b"startxref" not in tail:
        raise DocumentRejected("The PDF is incomplete (no cross-reference table)")


def _check_jpeg(head: bytes, tail: bytes) -> None:
    if len(head) < 4 or head[3] not in (0xE0, 0xE1, 0xE2, 0xDB, 0xEE, 0xFE, 0xC0, 0xC2, 0xC4, 0xDD):
        raise DocumentRejected("The JPEG header is not valid")
    if _MARKUP.search(head[:64]):
        raise DocumentRejected("The JPEG contains web markup at its start; it may be a disguised file")
    if not tail.rstrip(b"\x00").endswith(b"\xff\xd9"):
        raise DocumentRejected("The JPEG is incomplete or has data appended after the image")


def _check_png(f: BinaryIO, size: int) -> None:
    """Walks every chunk checking its CRC: IHDR first, IEND last, nothing after it (≤ 10 MiB, so cheap)."""
    f.seek(len(PNG_SIGNATURE))
    first = True
    while True:
        header = f.read(8)
        if len(header) < 8:
            raise DocumentRejected("The PNG is truncated (it ends before its last chunk)")
        length, ctype = struct.unpack(">I4s", header)
        if first and (ctype != b"IHDR" or length != 13):
            raise DocumentRejected("The PNG header is not valid (no IHDR chunk)")
        first = False
        if length > size:
            raise DocumentRejected("The PNG is truncated or corrupt (a chunk is longer than the file)")
        data = f.read(length)
        crc = f.read(4)
        if len(data) < length or len(crc) < 4:
            raise DocumentRejected("The PNG is truncated (it ends inside a chunk)")
        if zlib.crc32(ctype + data) != struct.unpack(">I", crc)[0]:
            raise DocumentRejected("The PNG is corrupt (a chunk checksum does not match)")
        if ctype == b"IEND":
            if f.read(1):
                raise DocumentRejected("The PNG has data appended after the image")
            return
