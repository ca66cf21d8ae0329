"""Checks on the tràmit catalogue seed data (backend/catalogue/tramits.toml).

Each test collects every offending entry and reports them all at once, so a bad edit shows the
whole list of problems rather than the first one.
"""

import re
import tomllib
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CATALOGUE = Path(__file__).resolve().parents[2] / "backend" / "catalogue" / "tramits.toml"

LANGS = {"ca", "es", "eu", "en"}
LEVELS = ("informativa", "assistida", "atesa")
IDENTIFICATION_LEVELS = {"none", "basic", "full"}
SOURCES = {"catalogue", "pilot"}
CATEGORIES = {
    "social",
    "familia",
    "habitatge",
    "medi-ambient",
    "mobilitat",
    "identitat-digital",
    "informacio-publica",
    "registre",
    "educacio-joventut",
    "salut",
    "altres",
}
TRAMIT_KEYS = {
    "code",
    "source",
    "category",
    "levels",
    "identification_level",
    "portal_url",
    "names",
    "summary",
    "required_documents",
}
# The tràmit wizard's keys (backend/tramitacio): optional, the generic schema applies without them.
WIZARD_KEYS = {"form", "assisted_steps"}
# Every tràmit the informador may file on the citizen's behalf ("atesa") needs its own form: the generic
# "petició genèrica" fallback would send the real procedure's data as free text.
WIZARD_TRAMITS = {
    "targeta-discapacitat",
    "reconeixement-grau-discapacitat",
    "prestacio-pua",
    "reconeixement-dependencia",
    "renda-garantida-ciutadania",
    "bo-social-termic",
    "prestacio-families-infants",
    "titol-familia-nombrosa",
    "titol-familia-monoparental",
    "registre-parelles-estables",
    "subvencions-lloguer",
    "prestacions-urgencia-habitatge",
    "registre-sollicitants-hpo",
    "llicencia-caca",
    "llicencia-pesca-recreativa",
    "peticio-generica",
    "acces-informacio-publica",
    "queixes-suggeriments",
    "carnet-jove",
    "autoritzacio-crema",
    "devolucio-fiances",
    "cedula-habitabilitat",
}
# Tràmits that pay money into the citizen's account: an IBAN field is how the payment reaches them.
PAYING_TRAMITS = {
    "prestacio-pua",
    "renda-garantida-ciutadania",
    "bo-social-termic",
    "prestacio-families-infants",
    "subvencions-lloguer",
    "prestacions-urgencia-habitatge",
    "devolucio-fiances",
}
# They rely on the citizen's own identity (their mobile, their certificate, their Cl@ve registration):
# nobody can do them on the citizen's behalf, so they must never offer "atesa".
OWN_IDENTITY_TRAMITS = {"suport-idcat-mobil", "suport-clave", "suport-idcat-certificat"}
FIELD_TYPES = {"text", "dni_nie", "date", "postal_code", "phone", "email", "iban", "choice", "number", "bool"}
DOCUMENT_KEYS = {"code", "names"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# The must-have tràmits from DESIGN.md, each identified by fragments that must all appear in the
# normalised Catalan name of exactly one tràmit; the third item is the required source (or None).
MUST_HAVE: list[tuple[str, tuple[str, ...], str | None]] = [
    ("Targeta acreditativa de la discapacitat", ("targeta acreditativa de la discapacitat",), "catalogue"),
    ("Prestació per a famílies amb infants a càrrec", ("prestació", "famílies", "infants a càrrec"), None),
    ("Registre de parelles estables", ("registre de parelles estables",), None),
    ("Ajut bo social tèrmic", ("bo social tèrmic",), None),
    ("Llicència de caça", ("llicència de caça",), None),
    ("Llicència de pesca recreativa", ("llicència de pesca recreativa",), None),
    ("Títols nàutics (patró d'embarcacions d'esbarjo)", ("títols nàutics", "patró d'embarcacions"), None),
    ("Reconeixement de la situació de dependència", ("reconeixement de la situació de dependència",), None),
    ("Petició genèrica", ("petició genèrica",), None),
    (
        "Sol·licitud d'accés a la informació pública",
        ("sol·licitud d'accés a la informació pública",),
        None,
    ),
    ("Suport alta idCAT Mòbil", ("suport", "idcat mòbil"), None),
    ("Suport Cl@ve", ("suport", "cl@ve"), None),
    ("Suport IDCAT Certificat", ("suport", "idcat certificat"), None),
    ("Carnet Jove", ("carnet jove",), None),
    ("Autorització CREMA", ("autorització", "(crema)"), "pilot"),
    ("Devolució de fiances", ("devolució", "fiança", "lloguer"), "pilot"),
    ("Cèdules d'habitabilitat", ("cèdula d'habitabilitat",), "pilot"),
    ("Consulta de sancions de trànsit", ("consulta", "sancions de trànsit"), "pilot"),
]

# Ways the ela geminada gets mistyped: full stop, bullets, other middle dots, the precomposed
# "ŀ" (U+0140), dot above; the only accepted form is "l·l" with U+00B7.
BAD_ELA_GEMINADA = re.compile(r"l[.•∙‧⋅˙]l|ŀl", re.IGNORECASE)


@cache
def _load() -> dict[str, Any]:
    with CATALOGUE.open("rb") as f:
        return tomllib.load(f)


@pytest.fixture
def tramits() -> list[dict[str, Any]]:
    return _load()["tramit"]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).replace("’", "'").casefold()


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a nested structure, with a readable path to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def _catalan_texts(tramit: dict[str, Any]) -> Iterator[tuple[str, str]]:
    code = tramit.get("code", "?")
    yield f"{code}.names.ca", tramit["names"]["ca"]
    yield f"{code}.summary.ca", tramit["summary"]["ca"]
    for doc in tramit["required_documents"]:
        yield f"{code}.required_documents[{doc['code']}].names.ca", doc["names"]["ca"]


def test_file_parses_and_has_only_tramit_tables():
    data = _load()
    assert set(data) == {"tramit"}, f"unexpected top-level keys: {sorted(set(data) - {'tramit'})}"
    assert isinstance(data["tramit"], list)


def test_at_least_28_tramits(tramits):
    assert len(tramits) >= 28, f"only {len(tramits)} tràmits"


def test_tramit_and_document_keys_are_exactly_the_contract(tramits):
    problems = []
    for t in tramits:
        if not TRAMIT_KEYS <= set(t) <= TRAMIT_KEYS | WIZARD_KEYS:
            problems.append(
                f"{t.get('code')}: missing {sorted(TRAMIT_KEYS - set(t))}, "
                f"extra {sorted(set(t) - TRAMIT_KEYS - WIZARD_KEYS)}"
            )
            continue
        if not isinstance(t["required_documents"], list) or not t["required_documents"]:
            problems.append(f"{t['code']}: required_documents must be a non-empty list")
            continue
        problems += [
            f"{t['code']}: document keys {sorted(doc)}"
            for doc in t["required_documents"]
            if set(doc) != DOCUMENT_KEYS
        ]
    assert not problems, "\n".join(problems)


def test_codes_are_unique_slugs(tramits):
    codes = [t["code"] for t in tramits]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    assert not dupes, f"duplicate codes: {dupes}"
    bad = [c for c in codes if not isinstance(c, str) or not SLUG.fullmatch(c)]
    assert not bad, f"codes not lowercase slugs: {bad}"


def test_document_codes_are_slugs_and_unique_within_a_tramit(tramits):
    problems = []
    for t in tramits:
        doc_codes = [d["code"] for d in t["required_documents"]]
        problems += [f"{t['code']}: bad document code {c!r}" for c in doc_codes if not SLUG.fullmatch(c)]
        if len(doc_codes) != len(set(doc_codes)):
            problems.append(f"{t['code']}: repeated document codes {doc_codes}")
    assert not problems, "\n".join(problems)


def test_source_and_category_are_known(tramits):
    problems = [f"{t['code']}: source {t['source']!r}" for t in tramits if t["source"] not in SOURCES]
    problems += [
        f"{t['code']}: category {t['category']!r}" for t in tramits if t["category"] not in CATEGORIES
    ]
    assert not problems, "\n".join(problems)
    assert {t["source"] for t in tramits} == SOURCES, "both the catalogue and the pilot list must be present"


@pytest.mark.parametrize(("label", "fragments", "source"), MUST_HAVE, ids=[m[0] for m in MUST_HAVE])
def test_must_have_tramit_present_exactly_once(tramits, label, fragments, source):
    matches = [t for t in tramits if all(f in _norm(t["names"]["ca"]) for f in fragments)]
    assert len(matches) == 1, f"{label}: expected one tràmit, found {[t['code'] for t in matches]}"
    if source is not None:
        assert matches[0]["source"] == source, f"{label} should come from the {source} list"


def test_all_languages_present_and_non_empty(tramits):
    problems = []
    for t in tramits:
        fields = [("names", t["names"]), ("summary", t["summary"])]
        fields += [(f"required_documents[{d['code']}].names", d["names"]) for d in t["required_documents"]]
        for where, texts in fields:
            if not isinstance(texts, dict) or set(texts) != LANGS:
                problems.append(
                    f"{t['code']}.{where}: languages {sorted(texts) if isinstance(texts, dict) else texts}"
                )
                continue
            problems += [
                f"{t['code']}.{where}.{lang} is empty"
                for lang, text in texts.items()
                if not isinstance(text, str) or not text.strip()
            ]
    assert not problems, "\n".join(problems)


def test_summaries_are_one_sentence(tramits):
    problems = []
    for t in tramits:
        for lang, text in t["summary"].items():
            if not text.endswith("."):
                problems.append(f"{t['code']}.summary.{lang} does not end with a full stop")
            if re.search(r"\.\s+\S", text):
                problems.append(f"{t['code']}.summary.{lang} has more than one sentence")
    assert not problems, "\n".join(problems)


def test_no_stray_whitespace_or_curly_apostrophes(tramits):
    problems = []
    for t in tramits:
        for path, text in _strings(t, t["code"]):
            if text != text.strip():
                problems.append(f"{path}: leading/trailing whitespace in {text!r}")
            if "  " in text or "\n" in text or "\t" in text:
                problems.append(f"{path}: double space, tab or newline in {text!r}")
            if "’" in text:
                problems.append(f"{path}: use the straight apostrophe ' in {text!r}")
    assert not problems, "\n".join(problems)


def test_catalan_uses_proper_ela_geminada(tramits):
    problems = [
        f"{path}: {text!r}"
        for t in tramits
        for path, text in _catalan_texts(t)
        if BAD_ELA_GEMINADA.search(text)
    ]
    assert not problems, "mistyped ela geminada (use l·l):\n" + "\n".join(problems)


def test_ela_geminada_check_catches_typos():
    for typo in ("Sol.licitud", "sol•licitud", "Sol∙licitud", "Soŀlicitud", "intel.ligent"):
        assert BAD_ELA_GEMINADA.search(typo), typo
    assert not BAD_ELA_GEMINADA.search("Sol·licitud d'accés; cancel·lar; col·lectiu")


def test_levels_are_a_non_empty_ordered_subset(tramits):
    problems = []
    for t in tramits:
        levels = t["levels"]
        if not isinstance(levels, list) or not levels:
            problems.append(f"{t['code']}: levels must be a non-empty list")
        elif not set(levels) <= set(LEVELS):
            problems.append(f"{t['code']}: unknown levels {sorted(set(levels) - set(LEVELS))}")
        elif levels != [lv for lv in LEVELS if lv in levels]:
            problems.append(f"{t['code']}: levels {levels} repeated or out of order")
    assert not problems, "\n".join(problems)


def test_identification_level_matches_attention_levels(tramits):
    problems = []
    for t in tramits:
        code, levels, ident = t["code"], t["levels"], t["identification_level"]
        if ident not in IDENTIFICATION_LEVELS:
            problems.append(f"{code}: identification_level {ident!r}")
        elif "atesa" in levels and ident != "full":
            problems.append(f"{code}: 'atesa' (acting on the citizen's behalf) needs identification 'full'")
        elif levels == ["informativa"] and ident != "none":
            problems.append(f"{code}: information only needs identification 'none', not {ident!r}")
        elif ident == "none" and levels != ["informativa"]:
            problems.append(f"{code}: identification 'none' is only for information-only tràmits")
    assert not problems, "\n".join(problems)


def test_specific_level_choices(tramits):
    by_code = {t["code"]: t for t in tramits}
    generic = next(t for t in tramits if "petició genèrica" in _norm(t["names"]["ca"]))
    assert generic["levels"] == list(LEVELS), "Petició genèrica allows every attention level"
    fines = next(t for t in tramits if "sancions de trànsit" in _norm(t["names"]["ca"]))
    assert "atesa" not in fines["levels"], "a consultation is never filed on the citizen's behalf"
    assert any(t["levels"] == ["informativa"] for t in by_code.values()), "expected information-only tràmits"


def test_portal_urls_are_https_gencat_pages(tramits):
    problems = []
    for t in tramits:
        url = t["portal_url"]
        parts = urlsplit(url)
        if parts.scheme != "https":
            problems.append(f"{t['code']}: not https: {url}")
        elif parts.hostname != "web.gencat.cat" or not parts.path.startswith("/ca/tramits/"):
            problems.append(f"{t['code']}: not a web.gencat.cat/ca/tramits/ page: {url}")
        elif any(ch.isspace() for ch in url) or not url.isascii():
            problems.append(f"{t['code']}: URL has spaces or non-ASCII characters: {url}")
    assert not problems, "\n".join(problems)
    urls = [t["portal_url"] for t in tramits]
    assert len(urls) == len(set(urls)), "two tràmits share a portal_url"


def test_document_codes_mean_the_same_everywhere(tramits):
    seen: dict[str, tuple[str, dict[str, str]]] = {}
    problems = []
    for t in tramits:
        for doc in t["required_documents"]:
            first = seen.setdefault(doc["code"], (t["code"], doc["names"]))
            if first[1] != doc["names"]:
                problems.append(f"{doc['code']}: names in {t['code']} differ from {first[0]}")
    assert not problems, "\n".join(problems)
    # Distinct codes must not hide the same document under two names either.
    by_ca: dict[str, list[str]] = {}
    for code, (_, names) in seen.items():
        by_ca.setdefault(_norm(names["ca"]), []).append(code)
    clashes = {name: codes for name, codes in by_ca.items() if len(codes) > 1}
    assert not clashes, f"same Catalan document name under several codes: {clashes}"


def test_identity_document_required_everywhere(tramits):
    missing = [
        t["code"] for t in tramits if not {"dni", "nie"} & {d["code"] for d in t["required_documents"]}
    ]
    assert not missing, f"tràmits that do not ask for DNI/NIE: {missing}"


def test_names_differ_across_tramits(tramits):
    for lang in sorted(LANGS):
        names = [_norm(t["names"][lang]) for t in tramits]
        dupes = sorted({n for n in names if names.count(n) > 1})
        assert not dupes, f"duplicate {lang} names: {dupes}"


def test_wizard_tramits_have_a_form_and_assisted_steps(tramits):
    by_code = {t["code"]: t for t in tramits}
    missing = sorted(c for c in WIZARD_TRAMITS if not set(by_code[c]) >= WIZARD_KEYS)
    assert not missing, f"tràmits without a wizard form or assisted steps: {missing}"


def test_form_fields_are_well_formed(tramits):
    problems = []
    for t in tramits:
        fields = t.get("form", {}).get("fields", [])
        if "form" in t and not fields:
            problems.append(f"{t['code']}: form without fields")
        keys = [f.get("key") for f in fields]
        if len(keys) != len(set(keys)):
            problems.append(f"{t['code']}: repeated field keys {keys}")
        for f in fields:
            where = f"{t['code']}.form.{f.get('key')}"
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(f.get("key"))):
                problems.append(f"{where}: key is not snake_case")
            if f.get("type") not in FIELD_TYPES:
                problems.append(f"{where}: type {f.get('type')!r}")
            if not isinstance(f.get("required"), bool):
                problems.append(f"{where}: required must be true or false")
            if set(f.get("labels", {})) != LANGS or not all(f["labels"].values()):
                problems.append(f"{where}: labels need ca/es/eu/en")
            options = f.get("options", [])
            if (f.get("type") == "choice") != bool(options):
                problems.append(f"{where}: options belong to (and are required by) choice fields")
            for o in options:
                if set(o.get("labels", {})) != LANGS:
                    problems.append(f"{where}.{o.get('value')}: option labels need ca/es/eu/en")
        if fields and not any(f["type"] == "dni_nie" and f["required"] for f in fields):
            problems.append(f"{t['code']}: the form must ask for the applicant's DNI/NIE")
    assert not problems, "\n".join(problems)


def test_assisted_steps_are_well_formed(tramits):
    problems = []
    for t in tramits:
        doc_codes = {d["code"] for d in t["required_documents"]}
        for i, step in enumerate(t.get("assisted_steps", [])):
            where = f"{t['code']}.assisted_steps[{i}]"
            if set(step) != {"texts", "documents"}:
                problems.append(f"{where}: keys {sorted(step)}")
                continue
            if set(step["texts"]) != LANGS or not all(step["texts"].values()):
                problems.append(f"{where}: texts need ca/es/eu/en")
            unknown = set(step["documents"]) - doc_codes
            if unknown:
                problems.append(f"{where}: documents {sorted(unknown)} are not required documents")
            if BAD_ELA_GEMINADA.search(step["texts"].get("ca", "")):
                problems.append(f"{where}: mistyped ela geminada")
        if "assisted_steps" in t and len(t["assisted_steps"]) < 3:
            problems.append(f"{t['code']}: fewer than 3 assisted steps")
    assert not problems, "\n".join(problems)


def test_loader_and_wizard_schema_accept_every_entry():
    from backend.catalogue_loader import load_catalogue
    from backend.tramitacio.schema import GENERIC, schema_from_json

    for entry in load_catalogue(CATALOGUE):
        data = (
            {
                "fields": [f.model_dump(exclude_none=True) for f in entry.form.fields],
                "assisted_steps": [s.model_dump() for s in entry.assisted_steps],
            }
            if entry.form
            else None
        )
        schema = schema_from_json(data)
        assert schema.fields, entry.code
        if entry.code in WIZARD_TRAMITS:
            assert not schema.generic, entry.code
        elif data is None:
            assert schema is GENERIC


def _form_fields(tramit: dict[str, Any]) -> list[dict[str, Any]]:
    fields: list[dict[str, Any]] = tramit.get("form", {}).get("fields", [])
    return fields


def test_atesa_tramits_have_their_own_form_with_an_identity_field(tramits):
    atesa = {t["code"] for t in tramits if "atesa" in t["levels"]}
    assert atesa == WIZARD_TRAMITS, (
        f"atesa without a listed form: {sorted(atesa - WIZARD_TRAMITS)}; "
        f"listed but not atesa: {sorted(WIZARD_TRAMITS - atesa)}"
    )
    problems = []
    for t in tramits:
        if t["code"] not in atesa:
            continue
        fields = _form_fields(t)
        if not fields:
            problems.append(f"{t['code']}: allows 'atesa' but falls back to the generic form")
        elif not any(f["type"] == "dni_nie" for f in fields):
            problems.append(f"{t['code']}: the form has no DNI/NIE field")
    assert not problems, "\n".join(problems)


def test_own_identity_tramits_are_never_atesa(tramits):
    by_code = {t["code"]: t for t in tramits}
    wrong = sorted(c for c in OWN_IDENTITY_TRAMITS if "atesa" in by_code[c]["levels"])
    assert not wrong, f"need the citizen's own identity, cannot be filed on their behalf: {wrong}"


def test_paying_tramits_ask_for_an_iban(tramits):
    by_code = {t["code"]: t for t in tramits}
    # The bank ownership certificate is the catalogue's own sign that a tràmit pays money.
    asks_for_account = {
        t["code"]
        for t in tramits
        if "certificat-titularitat-compte" in {d["code"] for d in t["required_documents"]}
    }
    unlisted = sorted(asks_for_account - PAYING_TRAMITS)
    assert not unlisted, f"tràmits asking for a bank certificate but not listed as paying: {unlisted}"
    missing = sorted(
        c
        for c in PAYING_TRAMITS
        if not any(f["type"] == "iban" and f["required"] for f in _form_fields(by_code[c]))
    )
    assert not missing, f"tràmits that pay money without a required IBAN field: {missing}"


def test_assistida_tramits_have_assisted_steps_in_four_languages(tramits):
    problems = []
    for t in tramits:
        if "assistida" not in t["levels"]:
            continue
        steps = t.get("assisted_steps", [])
        if not steps:
            problems.append(f"{t['code']}: allows 'assistida' but has no assisted steps")
        for i, step in enumerate(steps):
            texts = step.get("texts", {})
            if set(texts) != LANGS or not all(isinstance(v, str) and v.strip() for v in texts.values()):
                problems.append(f"{t['code']}.assisted_steps[{i}]: texts need non-empty ca/es/eu/en")
    assert not problems, "\n".join(problems)


def test_every_wizard_form_accepts_a_complete_realistic_answer():
    """An informador can actually finish each form: the sample values pass the real validator."""
    from datetime import date

    from backend.catalogue_loader import load_catalogue
    from backend.tramitacio.schema import schema_from_json
    from backend.tramitacio.validation import validate_form

    today = date(2026, 6, 15)
    by_type = {
        "text": "Text de prova",
        "dni_nie": "12345678Z",
        "postal_code": "17001",
        "phone": "612345678",
        "email": "anna@example.cat",
        "iban": "ES9121000418450200051332",
        "bool": True,
    }
    dates = {"past": "1980-05-04", "future": "2026-07-01", "any": "2026-06-15"}
    problems = []
    for entry in load_catalogue(CATALOGUE):
        if entry.form is None:
            continue
        schema = schema_from_json({"fields": [f.model_dump(exclude_none=True) for f in entry.form.fields]})
        answer = {
            f.key: f.options[0].value
            if f.type == "choice"
            else dates[f.date_range]
            if f.type == "date"
            else (f.min if f.min is not None else 2)
            if f.type == "number"
            else by_type[f.type]
            for f in entry.form.fields
        }
        _clean, errors = validate_form(schema.fields, answer, today=today)
        problems += [f"{entry.code}: {e}" for e in errors]
    assert not problems, "\n".join(problems)


def test_declarations_must_be_accepted(tramits) -> None:
    """A form's "declares that…" yes/no is a declaration: answering "no" must stop the submission."""
    declarations = [
        (t["code"], f["key"], f.get("must_be_true"))
        for t in tramits
        for f in (t.get("form") or {}).get("fields", [])
        if f["key"].startswith("declaracio")
    ]
    assert declarations, "no declarations found: the test would pass empty"
    assert [d for d in declarations if d[2] is not True] == []
