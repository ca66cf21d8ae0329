"""Document numbers, dates and names: the checks behind the identification items."""

from __future__ import annotations

from datetime import date

import pytest

from console.scripts import identity
from console.scripts.identity import IdentityError
from console.scripts.model import DocumentType

TODAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("12345678Z", "12345678Z"),
        ("00000000T", "00000000T"),
        ("87654321X", "87654321X"),
        ("12.345.678-z", "12345678Z"),
        (" 12345678 z ", "12345678Z"),
    ],
)
def test_valid_dni_is_accepted_and_normalised(raw: str, normalised: str) -> None:
    assert identity.validate_dni(raw) == normalised
    assert identity.validate_document_number(DocumentType.DNI, raw) == normalised


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12345678A", "dni_letter"),  # wrong control letter
        ("87654321Z", "dni_letter"),
        ("1234567Z", "dni_format"),  # 7 digits
        ("123456789Z", "dni_format"),  # 9 digits
        ("12345678", "dni_format"),  # no letter
        ("1234A678Z", "dni_format"),  # letter among the digits
        ("ABCDEFGHZ", "dni_format"),
        ("X1234567L", "dni_format"),  # a NIE is not a DNI
        ("", "dni_format"),
    ],
)
def test_invalid_dni_is_refused(raw: str, code: str) -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_dni(raw)
    assert caught.value.code == code


@pytest.mark.parametrize(
    "raw", ["X1234567L", "x-1234567-l", "X7654321J", "Y1234567X", "Y7654321G", "Z1234567R", "Z7654321H"]
)
def test_valid_nie_is_accepted(raw: str) -> None:
    assert identity.validate_nie(raw) == raw.replace("-", "").upper()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("X1234567A", "nie_letter"),
        ("Y1234567L", "nie_letter"),  # X's letter with a Y prefix: the prefix counts
        ("X123456L", "nie_format"),
        ("X12345678L", "nie_format"),
        ("W1234567L", "nie_format"),
        ("XA234567L", "nie_format"),
        ("12345678Z", "nie_format"),
    ],
)
def test_invalid_nie_is_refused(raw: str, code: str) -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_nie(raw)
    assert caught.value.code == code


@pytest.mark.parametrize("raw", ["AAA123456", "pa 123 456", "123456", "C01X00T47"])
def test_passport_basic_shape_is_accepted(raw: str) -> None:
    assert identity.validate_passport(raw) == raw.replace(" ", "").upper()


@pytest.mark.parametrize("raw", ["ABCDEF", "AB123", "AB12345678", "AB_12345", "ÀBC12345"])
def test_malformed_passport_is_refused(raw: str) -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_passport(raw)
    assert caught.value.code == "passport_format"


def test_unknown_document_type_is_refused() -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_document_number("driving_licence", "12345678Z")
    assert caught.value.code == "document_type"


def test_guess_document_type() -> None:
    assert identity.guess_document_type("12345678-Z") is DocumentType.DNI
    assert identity.guess_document_type("x1234567l") is DocumentType.NIE
    assert identity.guess_document_type("AAA123456") is DocumentType.PASSPORT
    assert identity.guess_document_type("??") is None


@pytest.mark.parametrize("expiry", ["2026-11-25", "25/11/2026", "2031-01-01", date(2030, 1, 1), "2026-11-24"])
def test_document_valid_until_its_expiry_day_is_accepted(expiry: str | date) -> None:
    assert identity.validate_expiry(expiry, TODAY) >= "2026-11-24"


@pytest.mark.parametrize("expiry", ["2026-11-23", "23/11/2026", "2001-01-01", date(2026, 11, 23)])
def test_expired_document_is_refused(expiry: str | date) -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_expiry(expiry, TODAY)
    assert caught.value.code == "document_expired"
    assert "2026-11-23" in str(caught.value) or "2001-01-01" in str(caught.value)


def test_dates_in_refusals_are_written_by_the_callers_locale() -> None:
    """The engine has no Qt: it keeps dates as dates and the console writes them in its locale."""
    with pytest.raises(IdentityError) as caught:
        identity.validate_expiry("01/03/2024", TODAY)
    assert "2024-03-01" in caught.value.message("ca")  # the engine's own default: ISO
    shown = caught.value.message("ca", lambda d: d.strftime("%d/%m/%Y"))
    assert shown == "El document va caducar el 01/03/2024: no serveix per identificar la persona."
    with pytest.raises(IdentityError) as caught:
        identity.validate_birth_date("01/01/2090", TODAY)
    assert "2090" in caught.value.message("es", lambda d: f"{d.year}") and "-01-01" not in str(
        caught.value.message("es", lambda d: f"{d.year}")
    )


def test_expiry_depends_on_the_injected_today_not_the_machine_clock() -> None:
    assert identity.validate_expiry("2000-06-01", date(2000, 5, 31)) == "2000-06-01"
    with pytest.raises(IdentityError):
        identity.validate_expiry("2000-06-01", date(2000, 6, 2))


def test_permanent_dni_is_accepted_but_not_a_permanent_passport() -> None:
    assert identity.validate_expiry("PERMANENTE", TODAY, DocumentType.DNI) == identity.PERMANENT
    with pytest.raises(IdentityError) as caught:
        identity.validate_expiry("permanent", TODAY, DocumentType.PASSPORT)
    assert caught.value.code == "permanent_only_dni"


@pytest.mark.parametrize("value", ["31/02/2020", "tomorrow", "2020-13-01", ""])
def test_unparseable_dates_are_refused(value: str) -> None:
    with pytest.raises(IdentityError) as caught:
        identity.parse_date(value)
    assert caught.value.code == "date_format"


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2026-11-25", "birth_date_future"),
        ("1896-11-24", "birth_date_implausible"),
        ("1700-01-01", "birth_date_implausible"),
    ],
)
def test_implausible_birth_dates_are_refused(value: str, code: str) -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_birth_date(value, TODAY)
    assert caught.value.code == code


@pytest.mark.parametrize("value", ["2026-11-24", "1896-11-25", "29/02/1980"])
def test_plausible_birth_dates_are_accepted(value: str) -> None:
    assert identity.validate_birth_date(value, TODAY) <= TODAY


def test_birth_date_limit_when_today_is_29_february() -> None:
    # 130 years before 29/02/2132 has no 29 February: the limit falls on the 28th.
    assert identity.validate_birth_date("2002-03-01", date(2132, 2, 29)) == date(2002, 3, 1)
    with pytest.raises(IdentityError):
        identity.validate_birth_date("2002-02-28", date(2132, 2, 29))


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ("Núria Puig i Soler", "nuria puig soler"),
        ("NÚRIA   PUIG SOLER", "Núria Puig i Soler"),
        ("Puig Soler, Núria", "Núria Puig i Soler"),
        ("María de la Fuente y García", "maria fuente garcia"),
        ("Gal·la Ferrer", "Galla Ferrer"),
        ("Jordi d'Arbó", "Jordi D'Arbo"),
        ("Iñaki Etxeberria", "Inaki Etxeberria"),
        ("Anne-Marie Dupont", "anne marie dupont"),
    ],
)
def test_names_match_despite_accents_case_spacing_and_particles(entered: str, expected: str) -> None:
    assert identity.names_match(entered, expected)


@pytest.mark.parametrize(
    ("entered", "expected"),
    [
        ("Marta Puig Soler", "Núria Puig i Soler"),  # a different first name
        ("Núria Puig", "Núria Puig i Soler"),  # a missing surname
        ("Núria Puig Soler Vidal", "Núria Puig i Soler"),  # an extra one
        ("Nuri Puig Soler", "Núria Puig i Soler"),
        ("de la i", "y el de"),  # nothing but particles is no name at all
        ("", ""),
    ],
)
def test_different_names_do_not_match(entered: str, expected: str) -> None:
    assert not identity.names_match(entered, expected)


def test_errors_speak_the_informadors_language() -> None:
    with pytest.raises(IdentityError) as caught:
        identity.validate_dni("12345678A")
    error = caught.value
    assert "lletra del DNI" in error.message("ca")
    assert "letra del DNI" in error.message("es")
    assert "NANaren letra" in error.message("eu")
    assert "DNI letter" in str(error)
    assert error.message("ar") == error.message("es")  # Arabic falls back to Spanish


@pytest.mark.parametrize("remainder", range(23))
def test_every_control_letter_of_the_official_table(remainder: int) -> None:
    # The Ministry of the Interior's table, written out here so a typo in the module cannot hide.
    letter = "TRWAGMYFPDXBNJZSQVHLCKE"[remainder]
    number = 23 * 1234 + remainder
    assert identity.validate_dni(f"{number:08d}{letter}") == f"{number:08d}{letter}"
    wrong = "TRWAGMYFPDXBNJZSQVHLCKE"[(remainder + 1) % 23]
    with pytest.raises(IdentityError):
        identity.validate_dni(f"{number:08d}{wrong}")
