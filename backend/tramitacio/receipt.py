"""The PDF receipt (justificant), in the citizen's language, with fpdf2.

DejaVu Sans is embedded when the system has it (every language's letters, l·l included); otherwise the
core Helvetica font, whose Latin-1 covers ca/es/eu/en. Hashes are printed whole on one line each, in a
monospaced font, so they can be compared character by character and extracted as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.tramitacio.texts import text

_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)


@dataclass(frozen=True)
class ReceiptData:
    language: str
    registry_number: str
    submitted_at: str  # local time, already formatted
    tramit_name: str
    office_name: str
    citizen_name: str
    fields: list[tuple[str, str]]  # (label, value) in the citizen's language
    documents: list[dict[str, Any]]  # name, sha256
    signature_channel: str  # sms | email
    signed_at: str
    bound_hash: str


def _fonts(pdf: FPDF) -> tuple[str, str]:
    for folder in _FONT_DIRS:
        regular, bold, mono = (
            folder / n for n in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSansMono.ttf")
        )
        if regular.exists() and bold.exists():
            pdf.add_font("dejavu", "", str(regular))
            pdf.add_font("dejavu", "B", str(bold))
            if mono.exists():
                pdf.add_font("dejavumono", "", str(mono))
                return "dejavu", "dejavumono"
            return "dejavu", "courier"
    return "helvetica", "courier"


def build_receipt(data: ReceiptData) -> bytes:
    lang = data.language
    pdf = FPDF(format="A4")
    pdf.set_title(f"{text('receipt_title', lang)} {data.registry_number}")
    pdf.set_author("Videoatenció")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    sans, mono = _fonts(pdf)
    width = pdf.epw

    def heading(key: str) -> None:
        pdf.ln(3)
        pdf.set_font(sans, "B", 11)
        pdf.cell(width, 7, text(key, lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def row(label: str, value: str) -> None:
        pdf.set_font(sans, "B", 9)
        pdf.cell(55, 6, label)
        pdf.set_font(sans, "", 9)
        pdf.multi_cell(width - 55, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font(sans, "B", 16)
    pdf.cell(width, 10, text("receipt_title", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(sans, "B", 13)
    pdf.cell(
        width,
        8,
        f"{text('registry_number', lang)}: {data.registry_number}",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(2)
    row(text("date_time", lang), data.submitted_at)
    row(text("procedure", lang), data.tramit_name)
    row(text("level", lang), text("level_atesa", lang))
    row(text("office", lang), data.office_name)
    row(text("citizen", lang), data.citizen_name)

    heading("form")
    for label, value in data.fields:
        row(label, value)

    heading("documents")
    if not data.documents:
        pdf.set_font(sans, "", 9)
        pdf.cell(width, 6, text("no_documents", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    for doc in data.documents:
        pdf.set_font(sans, "", 9)
        pdf.multi_cell(width, 5, str(doc["name"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(mono, "", 8)
        pdf.cell(width, 5, str(doc["sha256"]), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    heading("signature")
    pdf.set_font(sans, "", 9)
    channel = text("sms" if data.signature_channel == "sms" else "email", lang)
    pdf.multi_cell(
        width, 5, text("signature_text", lang, channel=channel, signed_at=data.signed_at),
        new_x=XPos.LMARGIN, new_y=YPos.NEXT,
    )  # fmt: skip
    pdf.set_font(sans, "B", 9)
    pdf.cell(width, 6, text("bound_hash", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(mono, "", 8)
    pdf.cell(width, 5, data.bound_hash, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.ln(6)
    pdf.set_font(sans, "", 8)
    pdf.multi_cell(width, 4, text("receipt_footer", lang), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
