"""Documents: accepted by content only, refused with a clear error and nothing stored otherwise."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import httpx
import pytest
from fpdf import FPDF
from PIL import Image

from tests.citizen.conftest import Citizen, CitizenBackend
from tests.helpers.identification import override_gate


def pdf() -> bytes:
    doc = FPDF()
    doc.add_page()
    doc.set_font("helvetica", size=12)
    doc.cell(text="DNI")
    return bytes(doc.output())


def image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buf, format=fmt)
    return buf.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@pytest.fixture(scope="module")
def party(citizen_backend: CitizenBackend) -> tuple[Citizen, dict[str, str]]:
    c = citizen_backend.prepare("nerea")
    return c, citizen_backend.citizen_headers(c)


def stored_files(cb: CitizenBackend) -> list[Path]:
    return sorted(p for p in (cb.server.data_dir / "documents").iterdir())


def upload(
    cb: CitizenBackend, headers: dict[str, str], name: str, data: bytes, ctype: str = "application/pdf"
):  # type: ignore[no-untyped-def]
    return httpx.post(
        f"{cb.api}/citizen/documents", files={"file": (name, data, ctype)}, headers=headers, timeout=30
    )


@pytest.mark.parametrize(
    ("name", "maker", "ctype"),
    [("dni.pdf", pdf, "application/pdf"), ("foto.jpg", lambda: image("JPEG"), "image/jpeg"),
     ("../../etc/passwd.png", lambda: image("PNG"), "image/png")],
)  # fmt: skip
def test_valid_documents_are_accepted_with_their_hash(citizen_backend, party, name, maker, ctype) -> None:  # type: ignore[no-untyped-def]
    c, headers = party
    data = maker()
    r = upload(citizen_backend, headers, name, data, "application/octet-stream")
    assert r.status_code == 201, r.text
    doc = r.json()
    assert doc["sha256"] == hashlib.sha256(data).hexdigest() and doc["size"] == len(data)
    assert doc["content_type"] == ctype and doc["uploader"] == "citizen"
    assert "/" not in doc["name"] and ".." not in doc["name"].rsplit(".", 1)[0]
    # Staff of the office download it as an attachment, never rendered inline.
    d = httpx.get(f"{citizen_backend.api}/documents/{doc['id']}", headers=c.staff)
    assert d.status_code == 200 and d.content == data
    assert d.headers["content-disposition"].startswith("attachment;")
    assert d.headers["x-content-type-options"] == "nosniff" and d.headers["content-type"].startswith(ctype)
    # Another office's informador: same answer as a missing document.
    assert (
        httpx.get(
            f"{citizen_backend.api}/documents/{doc['id']}", headers=citizen_backend.headers("pau")
        ).status_code
        == 404
    )
    mine = httpx.get(f"{citizen_backend.api}/citizen/documents/{doc['id']}", headers=headers)
    assert mine.status_code == 200 and mine.headers["content-disposition"].startswith("attachment;")


def _bad_files() -> list[tuple[str, str, bytes, int, str]]:
    png = image("PNG")
    jpeg = image("JPEG")
    return [
        ("html renamed pdf", "cv.pdf", b"<!doctype html><script>alert(1)</script>", 422, "none of them"),
        ("html with pdf magic", "x.pdf", b"%PDF-1.4\n<html><script>alert(1)</script>\n%%EOF", 422, "markup"),
        ("exe", "setup.pdf", b"MZ\x90\x00" + b"\x00" * 500, 422, "none of them"),
        ("empty", "empty.pdf", b"", 422, "empty"),
        ("truncated png", "t.png", png[: len(png) // 2], 422, "PNG"),
        ("png header then garbage", "g.png", png[:33] + b"garbage" * 20, 422, "PNG"),
        ("png with a zip appended", "z.png", png + b"PK\x03\x04" + b"\x00" * 40, 422, "appended"),
        ("jpeg with data appended", "j.jpg", jpeg + b"<html></html>", 422, "JPEG"),
        ("pdf without end", "p.pdf", pdf()[:-200], 422, "incomplete"),
        ("over 10 MiB", "big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024), 413, "10 MiB"),
    ]


@pytest.mark.parametrize("case", _bad_files(), ids=[b[0] for b in _bad_files()])
def test_bad_documents_are_refused_and_nothing_is_stored(citizen_backend, party, case) -> None:  # type: ignore[no-untyped-def]
    why, name, data, status, words = case
    _, headers = party
    before_files = stored_files(citizen_backend)
    before = httpx.get(f"{citizen_backend.api}/citizen/documents", headers=headers).json()
    r = upload(citizen_backend, headers, name, data)
    assert r.status_code == status, (why, r.text)
    body = r.json()
    assert words in body["detail"], (why, body)
    assert body["errors"][0]["field"] == "file"
    assert httpx.get(f"{citizen_backend.api}/citizen/documents", headers=headers).json() == before
    assert stored_files(citizen_backend) == before_files


def test_upload_needs_multipart_and_a_file_field(citizen_backend: CitizenBackend, party) -> None:  # type: ignore[no-untyped-def]
    _, headers = party
    r = httpx.post(f"{citizen_backend.api}/citizen/documents", content=b"%PDF-1.4", headers=headers)
    assert r.status_code == 415 and r.json()["detail"]
    r = httpx.post(
        f"{citizen_backend.api}/citizen/documents", files={"other": ("a.pdf", pdf())}, headers=headers
    )
    assert r.status_code == 422 and "'file'" in r.json()["detail"]
    r = httpx.post(f"{citizen_backend.api}/citizen/documents", files={"file": ("a.pdf", pdf())})
    assert r.status_code == 401


def test_staff_upload_reaches_the_citizen_stream(citizen_backend: CitizenBackend, party) -> None:  # type: ignore[no-untyped-def]
    from tests.backend.support import SseReader

    c, headers = party
    # Sending needs the checklist's send_personal_documents gate: refused first, then a supervisor's
    # override opens it (tests/checklists covers opening it by the identification itself).
    refused = httpx.post(
        f"{citizen_backend.api}/appointments/{c.appointment_id}/documents",
        files={"file": ("resguard.png", image("PNG"), "image/png")},
        headers=c.staff,
    )
    assert refused.status_code == 422 and refused.json()["code"] == "identification_incomplete", refused.text
    reason = "Identity checked at the desk before the call"
    override_gate(
        citizen_backend.api, citizen_backend.headers("laia"), c.appointment_id, "laia",
        gate="send_personal_documents", reason=reason,
    )  # fmt: skip
    page = SseReader(f"{citizen_backend.api}/citizen/events", headers=headers)
    try:
        r = httpx.post(
            f"{citizen_backend.api}/appointments/{c.appointment_id}/documents",
            files={"file": ("resguard.png", image("PNG"), "image/png")},
            headers=c.staff,
        )
        assert r.status_code == 201, r.text
        assert page.next("document").data["document"]["id"] == r.json()["id"]
        other = httpx.post(
            f"{citizen_backend.api}/appointments/{c.appointment_id}/documents",
            files={"file": ("x.png", image("PNG"), "image/png")},
            headers=citizen_backend.headers("marta"),
        )
        assert other.status_code == 404  # nerea's office (VIT), not marta's
    finally:
        page.close()
