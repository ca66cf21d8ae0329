"""No text of the citizen page or the kiosk is left untranslated in any of its six languages.

The page's texts are English msgids (docs/DECISIONS.md): in the HTML as data-i18n / data-i18n-aria-label,
in the scripts as arguments of t(), say() and announce(), as error pairs, or as sentence literals kept in
tables (device help, upload errors). Each one must have a non-fuzzy entry in every citizen.po, and a
translation in every language but English (where an empty msgstr means "the msgid itself").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from backend.citizen.catalogue import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "backend" / "web" / "static"
I18N = ROOT / "resources" / "i18n"

_STRING = r'"((?:[^"\\\n]|\\.)*)"'
# Places where a literal is a msgid whatever it looks like (single words included).
MSGID_PLACES = [
    re.compile(r"data-i18n(?:-aria-label)?=" + _STRING),
    re.compile(r"dataset\.i18n(?:AriaLabel)?\s*=\s*" + _STRING),
    re.compile(r"\bt\(\s*" + _STRING),
    re.compile(r"\bsay\([^,()]+(?:\([^()]*\))?,\s*" + _STRING),
    re.compile(r"\bannounce\(\s*" + _STRING),
    re.compile(r"\berror\s*=\s*\[\s*" + _STRING),
]
# Elsewhere in the scripts a capitalised literal with a space is a sentence the citizen will read,
# unless it is a developer's error (thrown, never shown).
SENTENCE = re.compile(r"(?<![\w.])" + _STRING)
DEVELOPER_ERROR = re.compile(r"(?:Error|throw)\(?\s*" + _STRING)


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\\\", "\\")


def used_msgids() -> set[str]:
    found: set[str] = set()
    for path in [*STATIC.glob("*.html"), *(STATIC / "js").glob("*.js")]:
        source = path.read_text(encoding="utf-8")
        if path.suffix == ".js":
            source = re.sub(r"^\s*//[^\n]*|\s//\s[^\n]*", "", source, flags=re.MULTILINE)
        for pattern in MSGID_PLACES:
            found.update(_unescape(m) for m in pattern.findall(source))
        if path.suffix == ".js":
            errors = set(DEVELOPER_ERROR.findall(source))
            found.update(
                _unescape(m)
                for m in SENTENCE.findall(source)
                if re.match(r"[A-Z¿¡]", m) and " " in m and m not in errors
            )
    found.discard("")  # say(el, "") clears a text
    return found


def po_entries(lang: str) -> dict[str, str]:
    path = I18N / lang / "LC_MESSAGES" / "citizen.po"
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {m.id: m.string for m in catalog if m.id and not m.fuzzy and isinstance(m.id, str)}


def test_the_extraction_finds_the_page_texts() -> None:
    msgids = used_msgids()
    # A floor, so a broken pattern cannot make the test below pass vacuously; and texts known to be
    # reached through each kind of place.
    assert len(msgids) >= 80, len(msgids)
    assert {"Back", "Video attention kiosk", "The code has 6 digits. Type only the numbers."} <= msgids


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_every_page_text_is_translated(lang: str) -> None:
    entries = po_entries(lang)
    missing = sorted(m for m in used_msgids() if m not in entries)
    assert not missing, f"{lang}: no entry for {missing}"
    if lang != "en":
        empty = sorted(m for m in used_msgids() if not entries[m].strip())
        assert not empty, f"{lang}: untranslated {empty}"


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_placeholders_survive_translation(lang: str) -> None:
    # A translator who drops or renames {name} would show the raw brace text to the citizen.
    for msgid, msgstr in po_entries(lang).items():
        if msgstr:
            assert set(re.findall(r"\{\w+\}", msgstr)) == set(re.findall(r"\{\w+\}", msgid)), (lang, msgid)
