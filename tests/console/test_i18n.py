"""Every string the console marks for translation has a translation in every language."""

from __future__ import annotations

import gettext
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from console import i18n, paths

CONSOLE = Path(__file__).resolve().parents[2] / "console"
# The foundation's modules; call/, scripts/ and screenshare/ keep their own strings.
MODULES = ["app.py", "labels.py", "domain", "models", "services", "sync", "views"]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}


def used_msgids() -> set[str]:
    files: list[Path] = []
    for name in MODULES:
        path = CONSOLE / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    found: set[str] = set()
    for file in files:
        for _lineno, message, _comments, _context in extract_from_file(
            "python", str(file), keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_catalogue_translates_every_used_string(lang):
    po = paths.resources_dir() / "i18n" / lang / "LC_MESSAGES" / "console.po"
    with po.open("rb") as f:
        catalog = read_po(f, locale=lang)
    translated = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id and m.string}
    missing = sorted(used_msgids() - set(translated))
    assert not missing, f"{lang}: untranslated {missing}"
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not fuzzy


def test_catalan_is_installed_from_the_compiled_catalogue(tmp_path):
    from console.i18n_build import compile_all

    compile_all(quiet=True)
    try:
        i18n.install("ca")
        assert i18n._("Log in") == "Inicia la sessió"
        assert i18n._("Cancelled") == "Cancel·lada"
        assert i18n.ngettext("{n} conflict", "{n} conflicts", 2) == "{n} conflictes"
    finally:
        i18n._translations = gettext.NullTranslations()
        i18n._language = i18n.DEFAULT_LANGUAGE
