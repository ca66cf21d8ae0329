"""Form schema and validation shared by the backend and the console (no Qt, no FastAPI).

Each refusal is a FieldError naming the field (its key and its label) and why, in ca/es/eu/en. DNI and
NIE checks reuse console.scripts.identity, the identification protocol's validators, so the wizard and
the checklist can never disagree about a document number.
"""

from __future__ import annotations

import dataclasses
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from console.scripts.identity import IdentityError, validate_dni, validate_nie

LANGS = ("ca", "es", "eu", "en")
FIELD_TYPES = ("text", "dni_nie", "date", "postal_code", "phone", "email", "iban", "choice", "number", "bool")
DATE_RANGES = ("past", "future", "any")
TEXT_MAX = 2000

# IBAN lengths per country (SWIFT IBAN registry); ES is 24.
IBAN_LENGTHS: Mapping[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MA": 28, "MC": 27,
    "MT": 31, "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TR": 26, "UA": 29, "VA": 22,
}  # fmt: skip

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
# Pragmatic: one @, no spaces or control characters, a dotted domain of DNS labels.
_EMAIL = re.compile(rf"^[^@\s\x00-\x1f]{{1,64}}@{_LABEL}(?:\.{_LABEL})+$")
_SPANISH_PHONE = re.compile(r"^[6789]\d{8}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_POSTAL = re.compile(r"^\d{5}$")
_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")

# "{label}" is the field's label in the message's language; every message names it first.
MESSAGES: Mapping[str, Mapping[str, str]] = {
    "required": {
        "ca": "{label}: és obligatori.",
        "es": "{label}: es obligatorio.",
        "eu": "{label}: derrigorrezkoa da.",
        "en": "{label}: is required.",
    },
    "unknown_field": {
        "ca": "{label}: aquest camp no existeix en el formulari del tràmit.",
        "es": "{label}: este campo no existe en el formulario del trámite.",
        "eu": "{label}: eremu hau ez dago izapidearen inprimakian.",
        "en": "{label}: this field is not part of the procedure's form.",
    },
    "not_text": {
        "ca": "{label}: ha de ser text.",
        "es": "{label}: debe ser texto.",
        "eu": "{label}: testua izan behar da.",
        "en": "{label}: must be text.",
    },
    "text_too_long": {
        "ca": "{label}: com a màxim {max} caràcters.",
        "es": "{label}: como máximo {max} caracteres.",
        "eu": "{label}: gehienez {max} karaktere.",
        "en": "{label}: at most {max} characters.",
    },
    "text_control": {
        "ca": "{label}: conté caràcters no permesos.",
        "es": "{label}: contiene caracteres no permitidos.",
        "eu": "{label}: baimendu gabeko karaktereak ditu.",
        "en": "{label}: contains characters that are not allowed.",
    },
    "dni_nie_format": {
        "ca": (
            "{label}: un DNI té 8 xifres i una lletra (12345678Z) i un NIE, X/Y/Z, 7 xifres "
            "i una lletra (X1234567L)."
        ),
        "es": (
            "{label}: un DNI tiene 8 cifras y una letra (12345678Z) y un NIE, X/Y/Z, 7 "
            "cifras y una letra (X1234567L)."
        ),
        "eu": (
            "{label}: NANak 8 zenbaki eta letra bat ditu (12345678Z), eta AIZak X/Y/Z, 7 "
            "zenbaki eta letra bat (X1234567L)."
        ),
        "en": (
            "{label}: a DNI is 8 digits and a letter (12345678Z); a NIE is X/Y/Z, 7 digits "
            "and a letter (X1234567L)."
        ),
    },
    "dni_nie_letter": {
        "ca": "{label}: la lletra no correspon al número.",
        "es": "{label}: la letra no corresponde al número.",
        "eu": "{label}: letra ez dator bat zenbakiarekin.",
        "en": "{label}: the letter does not match the number.",
    },
    "date_format": {
        "ca": "{label}: no és una data vàlida (AAAA-MM-DD).",
        "es": "{label}: no es una fecha válida (AAAA-MM-DD).",
        "eu": "{label}: ez da data baliozkoa (UUUU-HH-EE).",
        "en": "{label}: is not a valid date (YYYY-MM-DD).",
    },
    "date_future": {
        "ca": "{label}: no pot ser una data futura.",
        "es": "{label}: no puede ser una fecha futura.",
        "eu": "{label}: ezin da etorkizuneko data izan.",
        "en": "{label}: cannot be in the future.",
    },
    "date_past": {
        "ca": "{label}: no pot ser una data passada.",
        "es": "{label}: no puede ser una fecha pasada.",
        "eu": "{label}: ezin da iraganeko data izan.",
        "en": "{label}: cannot be in the past.",
    },
    "date_range": {
        "ca": "{label}: la data és fora del marge raonable ({min} – {max}).",
        "es": "{label}: la fecha está fuera del margen razonable ({min} – {max}).",
        "eu": "{label}: data ez dago tarte zentzuzkoan ({min} – {max}).",
        "en": "{label}: the date is outside the sensible range ({min} – {max}).",
    },
    "postal_code": {
        "ca": "{label}: un codi postal té 5 xifres, de 01000 a 52999.",
        "es": "{label}: un código postal tiene 5 cifras, de 01000 a 52999.",
        "eu": "{label}: posta-kodeak 5 zenbaki ditu, 01000tik 52999ra.",
        "en": "{label}: a postal code has 5 digits, from 01000 to 52999.",
    },
    "phone": {
        "ca": (
            "{label}: escriviu 9 xifres que comencin per 6, 7, 8 o 9 (amb +34 o sense) o un "
            "número internacional amb +."
        ),
        "es": (
            "{label}: escriba 9 cifras que empiecen por 6, 7, 8 o 9 (con +34 o sin él) o un "
            "número internacional con +."
        ),
        "eu": (
            "{label}: idatzi 6, 7, 8 edo 9 zenbakiz hasten diren 9 zenbaki (+34rekin edo "
            "gabe) edo nazioarteko zenbaki bat +rekin."
        ),
        "en": (
            "{label}: type 9 digits starting with 6, 7, 8 or 9 (with or without +34) or an "
            "international number with +."
        ),
    },
    "email": {
        "ca": "{label}: no és una adreça electrònica vàlida (nom@domini.cat).",
        "es": "{label}: no es una dirección de correo válida (nombre@dominio.es).",
        "eu": "{label}: ez da helbide elektroniko baliozkoa (izena@domeinua.eus).",
        "en": "{label}: is not a valid e-mail address (name@example.org).",
    },
    "iban_format": {
        "ca": "{label}: un IBAN comença amb el codi del país i dues xifres de control (ES91 2100 …).",
        "es": "{label}: un IBAN empieza con el código del país y dos cifras de control (ES91 2100 …).",
        "eu": "{label}: IBANa herrialde-kodearekin eta bi kontrol-zenbakirekin hasten da (ES91 2100 …).",
        "en": "{label}: an IBAN starts with the country code and two check digits (ES91 2100 …).",
    },
    "iban_country": {
        "ca": "{label}: el país {country} no és a la llista de països IBAN admesos.",
        "es": "{label}: el país {country} no está en la lista de países IBAN admitidos.",
        "eu": "{label}: {country} herrialdea ez dago onartutako IBAN herrialdeen zerrendan.",
        "en": "{label}: country {country} is not in the list of accepted IBAN countries.",
    },
    "iban_length": {
        "ca": "{label}: un IBAN de {country} té {expected} caràcters, no {length}.",
        "es": "{label}: un IBAN de {country} tiene {expected} caracteres, no {length}.",
        "eu": "{label}: {country}(e)ko IBANak {expected} karaktere ditu, ez {length}.",
        "en": "{label}: an IBAN from {country} has {expected} characters, not {length}.",
    },
    "iban_checksum": {
        "ca": "{label}: les xifres de control de l'IBAN no quadren; reviseu-lo.",
        "es": "{label}: los dígitos de control del IBAN no cuadran; revíselo.",
        "eu": "{label}: IBANaren kontrol-zenbakiak ez datoz bat; berrikusi.",
        "en": "{label}: the IBAN check digits do not match; check it.",
    },
    "choice": {
        "ca": "{label}: trieu una de les opcions ({options}).",
        "es": "{label}: elija una de las opciones ({options}).",
        "eu": "{label}: aukeratu aukeretako bat ({options}).",
        "en": "{label}: choose one of the options ({options}).",
    },
    "number": {
        "ca": "{label}: ha de ser un número.",
        "es": "{label}: debe ser un número.",
        "eu": "{label}: zenbaki bat izan behar da.",
        "en": "{label}: must be a number.",
    },
    "number_range": {
        "ca": "{label}: ha de ser entre {min} i {max}.",
        "es": "{label}: debe estar entre {min} y {max}.",
        "eu": "{label}: {min} eta {max} artean egon behar du.",
        "en": "{label}: must be between {min} and {max}.",
    },
    "must_accept": {
        "ca": "{label}: cal que la persona hi estigui d'acord per continuar.",
        "es": "{label}: es necesario que la persona esté de acuerdo para continuar.",
        "eu": "{label}: pertsonak ados egon behar du jarraitzeko.",
        "en": "{label}: the citizen must agree to this to go on.",
    },
    "bool": {
        "ca": "{label}: ha de ser sí o no.",
        "es": "{label}: debe ser sí o no.",
        "eu": "{label}: bai edo ez izan behar da.",
        "en": "{label}: must be yes or no.",
    },
}


@dataclass(frozen=True)
class ChoiceOption:
    value: str
    labels: Mapping[str, str]

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("ca") or self.value


@dataclass(frozen=True)
class FieldSpec:
    key: str
    type: str
    labels: Mapping[str, str]
    required: bool = False
    options: tuple[ChoiceOption, ...] = ()
    min: float | None = None
    max: float | None = None
    date_range: str = "any"  # past: not after today (birth dates); future: not before today
    max_length: int = 500
    # A yes/no the citizen must answer yes to submit (a declaration that the data are true): "no" is
    # an answer, so `required` alone would let it through.
    must_be_true: bool = False

    def label(self, lang: str) -> str:
        return self.labels.get(lang) or self.labels.get("ca") or self.key

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "key": self.key,
            "type": self.type,
            "required": self.required,
            "labels": dict(self.labels),
        }
        if self.options:
            out["options"] = [{"value": o.value, "labels": dict(o.labels)} for o in self.options]
        if self.min is not None:
            out["min"] = self.min
        if self.max is not None:
            out["max"] = self.max
        if self.type == "date":
            out["date_range"] = self.date_range
        if self.type == "text":
            out["max_length"] = self.max_length
        if self.must_be_true:
            out["must_be_true"] = True
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FieldSpec:
        kind = str(data.get("type", "text"))
        if kind not in FIELD_TYPES:
            raise ValueError(f"unknown field type {kind!r}")
        options = tuple(
            ChoiceOption(str(o["value"]), {str(k): str(v) for k, v in dict(o.get("labels") or {}).items()})
            for o in data.get("options") or ()
        )
        if kind == "choice" and not options:
            raise ValueError(f"choice field {data.get('key')!r} has no options")
        date_range = str(data.get("date_range", "any"))
        if date_range not in DATE_RANGES:
            raise ValueError(f"unknown date_range {date_range!r}")
        must_be_true = bool(data.get("must_be_true", False))
        if must_be_true and kind != "bool":
            raise ValueError(f"must_be_true on {data.get('key')!r}, which is not a yes/no field")
        return cls(
            key=str(data["key"]),
            type=kind,
            labels={str(k): str(v) for k, v in dict(data.get("labels") or {}).items()},
            required=bool(data.get("required", False)),
            options=options,
            min=float(data["min"]) if data.get("min") is not None else None,
            max=float(data["max"]) if data.get("max") is not None else None,
            date_range=date_range,
            max_length=int(data.get("max_length", 500)),
            must_be_true=must_be_true,
        )


@dataclass(frozen=True)
class FieldError:
    field: str  # the field's key
    code: str
    label: Mapping[str, str] = dataclasses.field(default_factory=dict)
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def message(self, lang: str = "ca") -> str:
        texts = MESSAGES[self.code]
        template = texts.get(lang) or texts["ca"]
        label = self.label.get(lang) or self.label.get("ca") or self.field
        return template.format(label=label, **self.params)

    def to_json(self, lang: str = "ca") -> dict[str, Any]:
        return {
            "field": self.field,
            "code": self.code,
            "message": self.message(lang),
            "messages": {lg: self.message(lg) for lg in LANGS},
        }


class FieldInvalid(ValueError):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


# -- single values ----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise FieldInvalid("not_text")
    return value.strip()


def check_text(value: Any, max_length: int = 500) -> str:
    text = unicodedata.normalize("NFC", _text(value))
    if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in text) or "\ufffd" in text:
        raise FieldInvalid("text_control")
    if len(text) > min(max_length, TEXT_MAX):
        raise FieldInvalid("text_too_long", max=min(max_length, TEXT_MAX))
    return text


def check_dni_nie(value: Any) -> str:
    raw = _text(value)
    upper = raw.upper()
    try:
        return validate_nie(raw) if upper[:1] in ("X", "Y", "Z") else validate_dni(raw)
    except IdentityError as exc:
        raise FieldInvalid("dni_nie_letter" if exc.code.endswith("_letter") else "dni_nie_format") from None


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def check_date(value: Any, today: date, date_range: str = "any") -> str:
    """ISO dates only (what a date picker and the API send); the range keeps typos like 0202 out."""
    text = _text(value)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise FieldInvalid("date_format")
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise FieldInvalid("date_format") from None
    if date_range == "past" and day > today:
        raise FieldInvalid("date_future")
    if date_range == "future" and day < today:
        raise FieldInvalid("date_past")
    low, high = _years_from(today, -130), _years_from(today, 50)
    if not low <= day <= high:
        raise FieldInvalid("date_range", min=low.isoformat(), max=high.isoformat())
    return day.isoformat()


def check_postal_code(value: Any) -> str:
    text = _text(value)
    # Spanish postal codes: the first two digits are the province, 01 (Araba) to 52 (Melilla).
    if not _POSTAL.fullmatch(text) or not 1 <= int(text[:2]) <= 52:
        raise FieldInvalid("postal_code")
    return text


def check_phone(value: Any) -> str:
    compact = re.sub(r"[\s\-.()]", "", _text(value))
    if compact.startswith("0034"):
        compact = "+34" + compact[4:]
    if compact.startswith("+34"):
        national = compact[3:]
        if _SPANISH_PHONE.fullmatch(national):
            return "+34" + national
        raise FieldInvalid("phone")
    if _SPANISH_PHONE.fullmatch(compact):
        return "+34" + compact
    if _E164.fullmatch(compact):
        return compact
    raise FieldInvalid("phone")


def check_email(value: Any) -> str:
    text = _text(value)
    if len(text) > 254 or ".." in text or not _EMAIL.fullmatch(text):
        raise FieldInvalid("email")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def iban_checksum_ok(iban: str) -> bool:
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(ch, 36)) for ch in moved)
    return int(digits) % 97 == 1


def check_iban(value: Any) -> str:
    compact = re.sub(r"[\s\-]", "", _text(value)).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", compact):
        raise FieldInvalid("iban_format")
    country = compact[:2]
    expected = IBAN_LENGTHS.get(country)
    if expected is None:
        raise FieldInvalid("iban_country", country=country)
    if len(compact) != expected:
        raise FieldInvalid("iban_length", country=country, expected=expected, length=len(compact))
    if not iban_checksum_ok(compact):
        raise FieldInvalid("iban_checksum")
    return compact


def check_choice(value: Any, options: Iterable[ChoiceOption], lang: str = "ca") -> str:
    opts = list(options)
    if isinstance(value, str) and value in {o.value for o in opts}:
        return value
    raise FieldInvalid("choice", options=", ".join(o.value for o in opts))


def _fmt(n: float) -> str:
    return str(int(n)) if float(n).is_integer() else str(n)


def check_number(value: Any, low: float | None, high: float | None) -> int | float:
    if isinstance(value, bool):
        raise FieldInvalid("number")
    if isinstance(value, int | float):
        number: int | float = value
    else:
        text = _text(value)
        if not _NUMBER.fullmatch(text):
            raise FieldInvalid("number")
        number = float(text.replace(",", ".")) if re.search(r"[.,]", text) else int(text)
    if not math.isfinite(number):
        raise FieldInvalid("number")
    if (low is not None and number < low) or (high is not None and number > high):
        raise FieldInvalid(
            "number_range",
            min=_fmt(low) if low is not None else "−∞",
            max=_fmt(high) if high is not None else "∞",
        )
    return number


def check_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise FieldInvalid("bool")


def check_value(spec: FieldSpec, value: Any, today: date) -> Any:
    """The normalised value, or FieldInvalid."""
    kind = spec.type
    if kind == "text":
        return check_text(value, spec.max_length)
    if kind == "dni_nie":
        return check_dni_nie(value)
    if kind == "date":
        return check_date(value, today, spec.date_range)
    if kind == "postal_code":
        return check_postal_code(value)
    if kind == "phone":
        return check_phone(value)
    if kind == "email":
        return check_email(value)
    if kind == "iban":
        return check_iban(value)
    if kind == "choice":
        return check_choice(value, spec.options)
    if kind == "number":
        return check_number(value, spec.min, spec.max)
    if kind == "bool":
        return check_bool(value)
    raise FieldInvalid("unknown_field")


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_form(
    fields: Iterable[FieldSpec], data: Mapping[str, Any], *, today: date, complete: bool = True
) -> tuple[dict[str, Any], list[FieldError]]:
    """(normalised data, errors). complete=False (a draft): missing required fields are not errors yet,
    but every value given must already be valid."""
    specs = {f.key: f for f in fields}
    errors: list[FieldError] = []
    clean: dict[str, Any] = {}
    for key in data:
        if key not in specs:
            errors.append(FieldError(str(key)[:80], "unknown_field", {lg: str(key)[:80] for lg in LANGS}))
    for key, spec in specs.items():
        value = data.get(key)
        if is_empty(value):
            if spec.required and complete and not (spec.type == "bool" and value is False):
                errors.append(FieldError(key, "required", spec.labels))
            continue
        try:
            clean[key] = check_value(spec, value, today)
        except FieldInvalid as exc:
            errors.append(FieldError(key, exc.code, spec.labels, exc.params))
            continue
        if spec.must_be_true and complete and clean[key] is not True:
            errors.append(FieldError(key, "must_accept", spec.labels))
    return clean, errors


def display_value(spec: FieldSpec, value: Any, lang: str) -> str:
    """How a normalised value reads in a summary or a receipt."""
    yes_no = {"ca": ("Sí", "No"), "es": ("Sí", "No"), "eu": ("Bai", "Ez"), "en": ("Yes", "No")}
    if spec.type == "bool":
        yes, no = yes_no.get(lang, yes_no["ca"])
        return yes if value else no
    if spec.type == "choice":
        option = next((o for o in spec.options if o.value == value), None)
        return option.label(lang) if option else str(value)
    if spec.type == "iban" and isinstance(value, str):
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    return str(value)
