"""The receipt PDF on its own: Arabic and Urdu shaped with Noto Naskh Arabic (read back by pdftotext),
and a machine without that font still gets a readable receipt (in Spanish) instead of a failed filing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.tramitacio import receipt
from backend.tramitacio.receipt import ReceiptData, build_receipt
from backend.tramitacio.texts import TEXTS
from tests.tramitacio.conftest import pdf_text

_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _data(lang: str) -> ReceiptData:
    return ReceiptData(
        language=lang, registry_number="OAC-2026-000123", submitted_at="24/11/2026 20:15:00 CET",
        tramit_name="Petición genérica", office_name="OAC Girona", citizen_name="Anna Puig i Gal·la",
        fields=[("Nombre y apellidos", "Anna Puig i Gal·la")],
        documents=[{"name": "dni.pdf", "sha256": "ab" * 32}],
        signature_channel="sms", signed_at="24/11/2026 20:14:00", bound_hash="cd" * 32,
        external_reference="EXT-7", names_note=TEXTS["names_in_spanish"][lang],
    )  # fmt: skip


@pytest.mark.parametrize("lang", ["ar", "ur"])
def test_arabic_script_receipts_read_back(lang: str, tmp_path: Path) -> None:
    text = _BIDI.sub("", pdf_text(build_receipt(_data(lang)), tmp_path))
    for words in (TEXTS["receipt_title"][lang], TEXTS["registry_number"][lang], TEXTS["office"][lang]):
        assert words in text, words
    assert "OAC-2026-000123" in text and "ab" * 32 in text and "cd" * 32 in text and "EXT-7" in text
    assert "Anna Puig i Gal·la" in text  # Latin inside an RTL page, in its own order


def test_without_the_arabic_font_the_receipt_falls_back_to_spanish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receipt, "_NASKH_DIRS", (tmp_path / "no-fonts-here",))
    text = pdf_text(build_receipt(_data("ar")), tmp_path)
    assert TEXTS["receipt_title"]["es"] in text and "OAC-2026-000123" in text
    assert TEXTS["receipt_title"]["ar"] not in _BIDI.sub("", text)
