"""Schema validation: each bad value is refused with the field named (key and label), in ca/es/eu/en."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.tramitacio.schema import GENERIC
from backend.tramitacio.validation import (
    LANGS,
    ChoiceOption,
    FieldSpec,
    check_iban,
    check_phone,
    validate_form,
)

TODAY = date(2026, 11, 24)
L = {"ca": "Camp", "es": "Campo", "eu": "Eremua", "en": "Field"}
SPECS = (
    FieldSpec(
        "doc",
        "dni_nie",
        {"ca": "DNI o NIE", "es": "DNI o NIE", "eu": "NAN edo AIZ", "en": "DNI or NIE"},
        required=True,
    ),
    FieldSpec(
        "naixement",
        "date",
        {"ca": "Data de naixement", "es": "Fecha", "eu": "Data", "en": "Birth date"},
        date_range="past",
    ),
    FieldSpec(
        "inici",
        "date",
        {"ca": "Data d'inici", "es": "Inicio", "eu": "Hasiera", "en": "Start"},
        date_range="future",
    ),
    FieldSpec("cp", "postal_code", {"ca": "Codi postal", "es": "CP", "eu": "PK", "en": "Postcode"}),
    FieldSpec("tel", "phone", {"ca": "Telèfon", "es": "Teléfono", "eu": "Telefonoa", "en": "Phone"}),
    FieldSpec("mail", "email", {"ca": "Correu", "es": "Correo", "eu": "Posta", "en": "E-mail"}),
    FieldSpec("iban", "iban", {"ca": "IBAN", "es": "IBAN", "eu": "IBAN", "en": "IBAN"}),
    FieldSpec(
        "tipus",
        "choice",
        {"ca": "Tipus", "es": "Tipo", "eu": "Mota", "en": "Type"},
        options=(ChoiceOption("a", L), ChoiceOption("b", L)),
    ),
    FieldSpec(
        "n", "number", {"ca": "Nombre", "es": "Número", "eu": "Kopurua", "en": "Number"}, min=1, max=20
    ),
    FieldSpec("si", "bool", {"ca": "Sí o no", "es": "Sí o no", "eu": "Bai edo ez", "en": "Yes or no"}),
    FieldSpec("text", "text", {"ca": "Text", "es": "Texto", "eu": "Testua", "en": "Text"}, max_length=10),
)
GOOD: dict[str, Any] = {
    "doc": "12345678Z",
    "naixement": "1980-02-29",
    "inici": "2026-12-01",
    "cp": "08001",
    "tel": "+34 612345678",
    "mail": "nom@example.cat",
    "iban": "ES91 2100 0418 4502 0005 1332",
    "tipus": "a",
    "n": 3,
    "si": True,
    "text": "Hola",
}

BAD = [
    ("doc", "12345678A", "dni_nie_letter"),  # DNI letter
    ("doc", "1234567Z", "dni_nie_format"),
    ("doc", "X1234567A", "dni_nie_letter"),  # NIE letter
    ("doc", "W1234567L", "dni_nie_format"),
    ("naixement", "29/02/1980", "date_format"),
    ("naixement", "2026-02-30", "date_format"),
    ("naixement", "2027-01-01", "date_future"),
    ("naixement", "1850-01-01", "date_range"),
    ("inici", "2026-11-23", "date_past"),
    ("cp", "00000", "postal_code"),
    ("cp", "53000", "postal_code"),
    ("cp", "0800", "postal_code"),
    ("tel", "512345678", "phone"),
    ("tel", "61234567", "phone"),
    ("tel", "+34 512 345 678", "phone"),
    ("tel", "+12", "phone"),
    ("mail", "nom@", "email"),
    ("mail", "nom@@example.cat", "email"),
    ("mail", "nom@example", "email"),
    ("mail", "no m@example.cat", "email"),
    ("iban", "ES91 2100 0418 4502 0005 1333", "iban_checksum"),
    ("iban", "ES91 2100 0418 4502 0005 133", "iban_length"),
    ("iban", "QQ91 2100 0418 4502 0005 1332", "iban_country"),
    ("iban", "2100 0418 4502 0005 1332", "iban_format"),
    ("tipus", "c", "choice"),
    ("n", "tres", "number"),
    ("n", 21, "number_range"),
    ("n", True, "number"),
    ("si", "yes", "bool"),
    ("text", "x" * 11, "text_too_long"),
    ("text", "a\x00b", "text_control"),
]


def test_good_values_pass_and_are_normalised() -> None:
    clean, errors = validate_form(SPECS, GOOD, today=TODAY)
    assert errors == []
    assert clean["tel"] == "+34612345678" and clean["iban"] == "ES9121000418450200051332"
    assert clean["doc"] == "12345678Z"
    assert check_iban("de89 3704 0044 0532 0130 00") == "DE89370400440532013000"
    assert check_phone("+44 20 7946 0958") == "+442079460958"


@pytest.mark.parametrize(
    ("key", "value", "code"), BAD, ids=[f"{k}-{c}-{i}" for i, (k, _, c) in enumerate(BAD)]
)
def test_each_bad_value_is_refused_naming_the_field(key: str, value: Any, code: str) -> None:
    _clean, errors = validate_form(SPECS, {**GOOD, key: value}, today=TODAY)
    assert [(e.field, e.code) for e in errors] == [(key, code)]
    spec = next(s for s in SPECS if s.key == key)
    for lang in LANGS:
        message = errors[0].message(lang)
        assert message.startswith(spec.labels[lang] + ":"), message  # the field's label comes first
        assert len(message) > len(spec.labels[lang]) + 5  # and says why


def test_missing_required_and_unknown_field() -> None:
    data = {k: v for k, v in GOOD.items() if k != "doc"} | {"hacker": "x"}
    _clean, errors = validate_form(SPECS, data, today=TODAY)
    assert {(e.field, e.code) for e in errors} == {("doc", "required"), ("hacker", "unknown_field")}
    assert next(e for e in errors if e.field == "doc").message("ca") == "DNI o NIE: és obligatori."
    assert "hacker" in next(e for e in errors if e.field == "hacker").message("en")


def test_a_draft_may_miss_required_fields_but_not_hold_bad_values() -> None:
    assert validate_form(SPECS, {}, today=TODAY, complete=False)[1] == []
    errors = validate_form(SPECS, {"cp": "53000"}, today=TODAY, complete=False)[1]
    assert [(e.field, e.code) for e in errors] == [("cp", "postal_code")]


def test_generic_schema_is_valid_for_a_plain_request() -> None:
    data = {
        "sollicitant_document": "X1234567L", "nom_complet": "Joan", "telefon": "931234567",
        "codi_postal": "43500", "assumpte": "Informació", "sollicitud": "Dades",
    }  # fmt: skip
    assert validate_form(GENERIC.fields, data, today=TODAY)[1] == []


def test_a_declaration_must_be_answered_yes_to_submit() -> None:
    declaration = FieldSpec.from_json(
        {
            "key": "declaracio_veracitat",
            "type": "bool",
            "required": True,
            "must_be_true": True,
            "labels": {"ca": "Declara que les dades són certes", "en": "Declares the data are true"},
        }
    )
    _clean, errors = validate_form([declaration], {"declaracio_veracitat": False}, today=TODAY)
    assert [(e.field, e.code) for e in errors] == [("declaracio_veracitat", "must_accept")]
    assert errors[0].message("en") == "Declares the data are true: the citizen must agree to this to go on."
    # A draft keeps the "no" without complaint; "yes" submits.
    assert validate_form([declaration], {"declaracio_veracitat": False}, today=TODAY, complete=False)[1] == []
    clean, errors = validate_form([declaration], {"declaracio_veracitat": True}, today=TODAY)
    assert errors == [] and clean == {"declaracio_veracitat": True}
    with pytest.raises(ValueError, match="not a yes/no field"):
        FieldSpec.from_json({"key": "nom", "type": "text", "must_be_true": True, "labels": {"ca": "Nom"}})
