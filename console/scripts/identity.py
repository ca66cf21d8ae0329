"""Identity checks for the identification protocol: document numbers, dates and names.

Pure functions with no clock of their own: every date check takes `today` from the caller, so the
engine (and tests) decide what "today" is, in the office's time zone.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from console.scripts.messages import LocalizedError
from console.scripts.model import DocumentType

DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_NIE_PREFIX = {"X": "0", "Y": "1", "Z": "2"}
_DNI = re.compile(r"^(\d{8})([A-Z])$")
_NIE = re.compile(r"^([XYZ])(\d{7})([A-Z])$")
_PASSPORT = re.compile(r"^[A-Z0-9]{6,9}$")
_SEPARATORS = re.compile(r"[\s\-./]+")
PERMANENT = "permanent"  # Spanish DNIs issued to people over 70 never expire
MAX_AGE_YEARS = 130
# Particles that are written or dropped inconsistently in Catalan, Spanish and Portuguese names.
NAME_PARTICLES = frozenset(
    {"de", "del", "dels", "la", "las", "les", "los", "el", "i", "y", "e", "d", "l", "da", "do", "dos", "das"}
)


class IdentityError(LocalizedError):
    """A document number, date or name that fails a check; `code` says which (see messages.py)."""


def normalize_document_number(raw: str) -> str:
    """Upper case, without the spaces, hyphens, dots and slashes people type in numbers."""
    return _SEPARATORS.sub("", raw).upper()


def dni_letter(number: int) -> str:
    return DNI_LETTERS[number % 23]


def validate_dni(raw: str) -> str:
    number = normalize_document_number(raw)
    match = _DNI.match(number)
    if not match:
        raise IdentityError("dni_format", value=raw)
    expected = dni_letter(int(match.group(1)))
    if match.group(2) != expected:
        raise IdentityError("dni_letter", value=raw)
    return number


def validate_nie(raw: str) -> str:
    number = normalize_document_number(raw)
    match = _NIE.match(number)
    if not match:
        raise IdentityError("nie_format", value=raw)
    expected = dni_letter(int(_NIE_PREFIX[match.group(1)] + match.group(2)))
    if match.group(3) != expected:
        raise IdentityError("nie_letter", value=raw)
    return number


def validate_passport(raw: str) -> str:
    """Basic shape only: passports of every country differ; at least one digit rules out words."""
    number = normalize_document_number(raw)
    if not _PASSPORT.match(number) or not any(ch.isdigit() for ch in number):
        raise IdentityError("passport_format", value=raw)
    return number


def validate_document_number(doc_type: DocumentType | str, raw: str) -> str:
    """The normalised number if valid for its type, else IdentityError."""
    try:
        kind = DocumentType(doc_type)
    except ValueError:
        raise IdentityError("document_type", value=str(doc_type)) from None
    validators = {
        DocumentType.DNI: validate_dni,
        DocumentType.NIE: validate_nie,
        DocumentType.PASSPORT: validate_passport,
    }
    return validators[kind](raw)


def guess_document_type(raw: str) -> DocumentType | None:
    """What a typed number looks like, so the panel can preselect the type (the informador decides)."""
    number = normalize_document_number(raw)
    if _DNI.match(number):
        return DocumentType.DNI
    if _NIE.match(number):
        return DocumentType.NIE
    if _PASSPORT.match(number):
        return DocumentType.PASSPORT
    return None


def parse_date(value: date | str) -> date:
    """A date from a date, ISO `YYYY-MM-DD` or the `DD/MM/YYYY` printed on Spanish documents."""
    if isinstance(value, datetime):
        raise IdentityError("date_format", value=str(value))  # a timestamp is not a calendar date
    if isinstance(value, date):
        return value
    text = value.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise IdentityError("date_format", value=value)


def validate_expiry(value: date | str, today: date, doc_type: DocumentType | str = DocumentType.DNI) -> str:
    """ISO expiry date (or "permanent" for a DNI) if the document is still valid on `today`.

    A document is valid through its expiry day, as printed ("vàlid fins"), so expiry == today passes.
    """
    if isinstance(value, str) and value.strip().lower() in {PERMANENT, "permanente", "permanent"}:
        if DocumentType(doc_type) is not DocumentType.DNI:
            raise IdentityError("permanent_only_dni")
        return PERMANENT
    expiry = parse_date(value)
    if expiry < today:
        raise IdentityError("document_expired", expiry=expiry)
    return expiry.isoformat()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap target year
        return day.replace(year=day.year - years, day=28)


def validate_birth_date(value: date | str, today: date) -> date:
    birth = parse_date(value)
    if birth > today:
        raise IdentityError("birth_date_future", value=birth)
    if birth <= _years_before(today, MAX_AGE_YEARS):
        raise IdentityError("birth_date_implausible", value=birth)
    return birth


def name_tokens(name: str) -> tuple[str, ...]:
    """Comparable words of a name: no accents, no case, no punctuation (l·l, d'), no particles."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = plain.replace("·", "")  # Gal·la == Galla: the middle dot is part of the letter pair
    words = re.split(r"[^\w]+|_", plain)
    return tuple(word for word in words if word and word not in NAME_PARTICLES)


def names_match(entered: str, expected: str) -> bool:
    """Same words in any order ("Puig Soler, Anna" == "anna puig i soler"), nothing more, nothing less.

    Order is free because appointments store "surname, name" as often as "name surname"; a missing
    or different word is a mismatch on purpose: the informador must look again, not the engine guess.
    """
    a, b = name_tokens(entered), name_tokens(expected)
    return bool(a) and sorted(a) == sorted(b)
