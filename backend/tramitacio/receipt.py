"""The PDF receipt (justificant), in the citizen's language, with fpdf2.

DejaVu Sans is embedded when the system has it (every Latin letter, l·l included); otherwise the core
Helvetica font, whose Latin-1 covers ca/es/eu/en. Arabic and Urdu need joined letter forms and right-to-
left lines: Noto Naskh Arabic (Debian's fonts-noto-core; it has Urdu's letters too) with DejaVu as the
fallback for Latin text, and fpdf2's text shaping through HarfBuzz (uharfbuzz). Hashes are printed whole
on one line each, in a monospaced font, left to right, so they can be compared character by character
and extracted as text.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from backend.tramitacio.texts import text

log = logging.getLogger("backend.tramitacio")
_FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
_NASKH_DIRS = (Path("/usr/share/fonts/truetype/noto"),)
RTL_LANGUAGES = frozenset({"ar", "ur"})
_ARABIC_LETTER = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


class ReceiptFontMissing(RuntimeError):
    """No font with Arabic letters (a machine without fonts-noto-core / fonts-dejavu-core)."""


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
    external_reference: str = ""  # the external tramitation system's own number, when it gave one
    names_note: str = ""  # said once when catalogue names are shown in another language (ar, ur)


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


def _naskh(pdf: FPDF) -> str:
    for folder in _NASKH_DIRS:
        regular, bold = (folder / n for n in ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf"))
        if regular.exists() and bold.exists():
            pdf.add_font("naskh", "", str(regular))
            pdf.add_font("naskh", "B", str(bold))
            return "naskh"
    raise ReceiptFontMissing("Noto Naskh Arabic is not installed (Debian: fonts-noto-core)")


def build_receipt(data: ReceiptData) -> bytes:
    try:
        return _build(data)
    except ReceiptFontMissing as exc:
        if data.language not in RTL_LANGUAGES:
            raise
        # The tràmit is already filed when the receipt is made: never fail it over a font. Spanish (the
        # language its names are already in) rather than unreadable boxes; the log says why.
        log.warning("receipt in Spanish instead of %s: %s", data.language, exc)
        return _build(replace(data, language="es", names_note=""))


def _build(data: ReceiptData) -> bytes:
    pdf = FPDF(format="A4")
    try:
        return _render(pdf, data)
    finally:
        # fpdf2 opens each TTF file lazily through fontTools and never closes it: without this every
        # receipt would leave its font files open until the garbage collector ran.
        for font in pdf.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()


def _render(pdf: FPDF, data: ReceiptData) -> bytes:
    lang = data.language
    rtl = lang in RTL_LANGUAGES
    pdf.set_title(f"{text('receipt_title', lang)} {data.registry_number}")
    pdf.set_author("Videoatenció")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    sans, mono = _fonts(pdf)
    if rtl:
        if sans != "dejavu":
            raise ReceiptFontMissing("DejaVu Sans is not installed (Debian: fonts-dejavu-core)")
        sans = _naskh(pdf)
        pdf.set_fallback_fonts(["dejavu"])  # Latin names, DNI, e-mail addresses inside Arabic lines
    width = pdf.epw
    label_w = 55
    align = "R" if rtl else "L"

    def words(value: str = "\u0627") -> None:
        """Sentences: shaped right to left in ar/ur (joined letters, bidi for embedded Latin). A value
        with no Arabic letters at all (a DNI, a date, a Latin name) keeps its own left-to-right order."""
        if rtl:
            direction = "rtl" if _ARABIC_LETTER.search(value) else "ltr"
            pdf.set_text_shaping(use_shaping_engine=True, direction=direction)

    def code() -> None:
        """Hashes: always left to right, never shaped."""
        pdf.set_text_shaping(use_shaping_engine=False)

    def line(w: float, h: float, value: str) -> None:
        pdf.cell(w, h, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def para(h: float, value: str) -> None:
        pdf.multi_cell(width, h, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(key: str) -> None:
        pdf.ln(3)
        pdf.set_font(sans, "B", 11)
        line(width, 7, text(key, lang))

    def row(label: str, value: str) -> None:
        # The label comes first in reading order: on the left, or on the right for ar/ur. Both wrap
        # (a long catalogue label must not run into its value); the row ends below the taller one.
        y = pdf.get_y()
        if pdf.will_page_break(12):
            pdf.add_page()
            y = pdf.get_y()
        pdf.set_font(sans, "B", 9)
        words(label)
        pdf.set_xy(pdf.l_margin + (width - label_w if rtl else 0), y)
        pdf.multi_cell(label_w - 2, 5, label, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        bottom = pdf.get_y()
        pdf.set_font(sans, "", 9)
        words(value)
        pdf.set_xy(pdf.l_margin + (0 if rtl else label_w), y)
        pdf.multi_cell(width - label_w, 5, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(bottom, pdf.get_y()) + 1)
        words()

    def hash_line(value: str) -> None:
        code()
        pdf.set_font(mono, "", 8)
        pdf.cell(width, 5, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        words()

    words()
    pdf.set_font(sans, "B", 16)
    line(width, 10, text("receipt_title", lang))
    pdf.set_font(sans, "B", 13)
    line(width, 8, f"{text('registry_number', lang)}: {data.registry_number}")
    pdf.ln(2)
    row(text("date_time", lang), data.submitted_at)
    row(text("procedure", lang), data.tramit_name)
    row(text("level", lang), text("level_atesa", lang))
    row(text("office", lang), data.office_name)
    row(text("citizen", lang), data.citizen_name)
    if data.external_reference:
        row(text("external_reference", lang), data.external_reference)

    heading("form")
    for label, value in data.fields:
        row(label, value)
    if data.names_note:
        pdf.set_font(sans, "", 8)
        para(5, data.names_note)

    heading("documents")
    if not data.documents:
        pdf.set_font(sans, "", 9)
        line(width, 6, text("no_documents", lang))
    for doc in data.documents:
        pdf.set_font(sans, "", 9)
        words(str(doc["name"]))
        para(5, str(doc["name"]))
        words()
        hash_line(str(doc["sha256"]))
        pdf.ln(1)

    heading("signature")
    pdf.set_font(sans, "", 9)
    channel = text("sms" if data.signature_channel == "sms" else "email", lang)
    para(5, text("signature_text", lang, channel=channel, signed_at=data.signed_at))
    pdf.set_font(sans, "B", 9)
    line(width, 6, text("bound_hash", lang))
    hash_line(data.bound_hash)

    pdf.ln(6)
    pdf.set_font(sans, "", 8)
    pdf.multi_cell(width, 4, text("receipt_footer", lang), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
