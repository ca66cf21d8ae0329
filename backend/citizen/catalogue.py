"""The citizen page's translations: resources/i18n/<lang>/LC_MESSAGES/citizen.po served as JSON.

The .po files are the source (gettext, docs/DECISIONS.md); the backend reads them directly with this
small parser, so the page works without a compile step and without babel at run time.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from pathlib import Path
from typing import Any

I18N_DIR = Path(__file__).resolve().parents[2] / "resources" / "i18n"
# Each language in its own name. ar and ur are citizen-page languages only (the console UI is ca/es/eu/en).
LANGUAGES = {
    "ca": "Català",
    "es": "Castellano",
    "eu": "Euskara",
    "en": "English",
    "ar": "العربية",
    "ur": "اردو",
}
RTL = frozenset({"ar", "ur"})


def _unquote(token: str) -> str:
    value = ast.literal_eval(token)  # a C-style quoted string; .po escapes are Python-compatible
    if not isinstance(value, str):
        raise ValueError(f"not a string: {token!r}")
    return value


def parse_po(text: str) -> dict[str, str]:
    """msgid → msgstr for translated, non-fuzzy entries (plural forms are not used by the page)."""
    messages: dict[str, str] = {}
    msgid: list[str] | None = None
    msgstr: list[str] | None = None
    current: list[str] | None = None
    fuzzy = False

    def flush() -> None:
        if msgid is not None and msgstr is not None and not fuzzy:
            key, value = "".join(msgid), "".join(msgstr)
            if key and value:
                messages[key] = value

    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if not line:
            flush()
            msgid = msgstr = current = None
            fuzzy = False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid "):
            flush()
            msgid, msgstr = [_unquote(line[6:])], None
            current = msgid
        elif line.startswith("msgstr "):
            msgstr = [_unquote(line[7:])]
            current = msgstr
        elif line.startswith('"') and current is not None:
            current.append(_unquote(line))
    return messages


@lru_cache(maxsize=16)
def catalogue(lang: str) -> dict[str, Any]:
    path = I18N_DIR / lang / "LC_MESSAGES" / "citizen.po"
    messages = parse_po(path.read_text(encoding="utf-8")) if path.is_file() else {}
    return {"lang": lang, "dir": "rtl" if lang in RTL else "ltr", "messages": messages}
