"""Script files: every shipped file loads, and every malformed one is refused naming file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from console.scripts import loader
from console.scripts.loader import ScriptError, check_all, load_script, parse_base_script
from console.scripts.model import SECTION_IDS, AttentionLevel, ItemKind
from console.scripts.texts import REQUIRED_LANGUAGES

SHIPPED = loader.default_scripts_dir()


def _item(item_id: str, kind: str = "say", extra: str = "", required: bool = False) -> str:
    texts = "".join(
        f'label.{lang} = "{item_id} {lang}"\ntext.{lang} = "Text {lang} of {item_id}"\n'
        for lang in ("ca", "es", "eu", "en")
    )
    flag = "required = true\n" if required else ""
    return f'[[sections.items]]\nid = "{item_id}"\nkind = "{kind}"\n{flag}{extra}{texts}\n'


def minimal_script(level: str = "atesa", **items: str) -> str:
    """A valid base script with one item per section; `items` replaces a section's items text."""
    parts = [f'attention_level = "{level}"\nversion = 1\n']
    parts.append("".join(f'title.{lang} = "Title {lang}"\n' for lang in ("ca", "es", "eu", "en")) + "\n")
    for section in SECTION_IDS:
        parts.append(f'[[sections]]\nid = "{section}"\n')
        parts.append(
            "".join(f'title.{lang} = "{section} {lang}"\n' for lang in ("ca", "es", "eu", "en")) + "\n"
        )
        parts.append(items.get(section, _item(f"{section}.first")))
    return "".join(parts)


def line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the n-th line containing `fragment` (computed from the text, not the loader)."""
    hits = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    assert len(hits) >= occurrence, f"{fragment!r} not in the test script"
    return hits[occurrence - 1]


def write(tmp_path: Path, text: str, name: str = "atesa.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path) -> ScriptError:
    with pytest.raises(ScriptError) as caught:
        parse_base_script(path)
    error = caught.value
    assert error.path == path
    assert str(error).startswith(f"{path}:{error.line}: ")
    return error


# -- shipped files --------------------------------------------------------------------------------


def test_the_minimal_test_script_itself_is_valid(tmp_path: Path) -> None:
    script = parse_base_script(write(tmp_path, minimal_script()))
    assert [section.id for section in script.sections] == list(SECTION_IDS)


def test_all_shipped_scripts_load() -> None:
    scripts = check_all()
    ids = {script.id for script in scripts}
    assert {"informativa", "assistida", "atesa"} <= ids
    assert {"atesa+targeta-discapacitat", "assistida+llicencia-pesca-recreativa"} <= ids
    assert len(list((SHIPPED / "tramits").glob("*.toml"))) >= 2


@pytest.mark.parametrize("script", check_all(), ids=lambda script: script.id)
def test_every_shipped_text_exists_in_ca_es_eu_en(script) -> None:
    texts = [script.title] + [section.title for section in script.sections]
    for item in script.items():
        texts += [item.label, item.text] + [option.label for option in item.options]
    texts += [blocked.reason for blocked in script.blocked_gates]
    for text in texts:
        for lang in REQUIRED_LANGUAGES:
            assert text.texts.get(lang), f"{script.id}: missing {lang.value} in {text}"


@pytest.mark.parametrize("path", sorted(SHIPPED.rglob("*.toml")), ids=lambda path: path.name)
def test_shipped_catalan_uses_the_geminated_l_and_no_obvious_typos(path: Path) -> None:
    catalan = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if ".ca = " in line)
    assert "l.l" not in catalan.replace("l·l", "")  # l·l written with the middle dot, never "l.l"
    assert not re.search(r"\bsol-licit", catalan)


def test_each_level_has_its_own_base_script_with_matching_level() -> None:
    for level in AttentionLevel:
        assert load_script(level).attention_level is level


def test_overlay_is_composed_into_the_work_section_only() -> None:
    base = load_script("atesa")
    composed = load_script("atesa", "targeta-discapacitat")
    assert composed.id == "atesa+targeta-discapacitat"
    assert composed.version != base.version
    work = [item.id for item in composed.sections[SECTION_IDS.index("work")].items]
    assert "work.documents" not in work  # replaced for this tràmit
    assert work.index("work.card_degree") < work.index("work.submit")  # checked before submitting
    for index, section in enumerate(base.sections):
        if section.id != "work":
            assert composed.sections[index] == section


def test_tramit_without_a_file_gets_the_base_script() -> None:
    assert load_script("assistida", "carnet-jove").id == "assistida"


def test_load_by_id_is_the_inverse_of_script_id() -> None:
    script = load_script("assistida", "llicencia-pesca-recreativa")
    assert loader.load_script_by_id(script.id) == script


# -- malformed files: each refused with the file and the right line --------------------------------


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    text = minimal_script().replace('kind = "say"', 'kind = "say', 1)
    path = write(tmp_path, text)
    error = refused(path)
    assert error.line == line_of(text, 'kind = "say') == 17
    assert "TOML syntax error" in error.message


def test_unknown_kind(tmp_path: Path) -> None:
    text = minimal_script(work=_item("work.first", kind="shout"))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'kind = "shout"')
    assert "unknown value 'shout'" in error.message and "work.first" in error.message


def test_duplicate_id_points_at_the_second_definition(tmp_path: Path) -> None:
    text = minimal_script(work=_item("work.answer") + _item("work.answer", kind="check"))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'id = "work.answer"', occurrence=2)
    first = line_of(text, 'id = "work.answer"')
    assert f"first defined on line {first}" in error.message


def test_duplicate_id_across_sections(tmp_path: Path) -> None:
    text = minimal_script(summary=_item("summary.first"), goodbye=_item("goodbye.bye") + _item("goodbye.bye"))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'id = "goodbye.bye"', occurrence=2)


def test_missing_catalan_text(tmp_path: Path) -> None:
    item = _item("purpose.confirm").replace('text.ca = "Text ca of purpose.confirm"\n', "")
    text = minimal_script(purpose=item)
    error = refused(write(tmp_path, text))
    # The error points at the item's text (its first remaining line), where the ca line belongs.
    assert error.line == line_of(text, 'text.es = "Text es of purpose.confirm"')
    assert "'text' has no text in ca (Catalan)" in error.message


def test_missing_basque_label(tmp_path: Path) -> None:
    item = _item("purpose.confirm").replace('label.eu = "purpose.confirm eu"\n', "")
    text = minimal_script(purpose=item)
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'label.ca = "purpose.confirm ca"')
    assert "eu (Basque)" in error.message


def test_unknown_gate(tmp_path: Path) -> None:
    item = _item("work.first", extra='gates = ["close_resolved", "print_receipt"]\n', required=True)
    text = minimal_script(work=item)
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, "print_receipt")
    assert "unknown value 'print_receipt'" in error.message


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ('when = {office = "GIR"}', "unknown condition 'office'"),
        ('when = {recording_policy = "sometimes"}', "unknown value 'sometimes'"),
        ('when = {identification_level = ["basic", "total"]}', "unknown value 'total'"),
        ("when = {}", "non-empty table"),
        ('when = "full"', "non-empty table"),
    ],
)
def test_bad_condition(tmp_path: Path, condition: str, expected: str) -> None:
    text = minimal_script(identification=_item("identification.first", extra=condition + "\n"))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, condition)
    assert expected in error.message


def test_condition_written_as_dotted_keys_points_at_the_bad_key(tmp_path: Path) -> None:
    extra = 'when.recording_policy = "with_consent"\nwhen.weekday = "monday"\n'
    text = minimal_script(identification=_item("identification.first", extra=extra))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, "when.weekday")


@pytest.mark.parametrize(
    ("extra", "fragment", "expected"),
    [
        ("requird = true\n", "requird", "unknown key 'requird'"),
        ('required = "yes"\n', 'required = "yes"', "true or false"),
        ('gates = ["close_resolved"]\n', "gates =", "must be required = true"),
        ('fact = "pin_verified"\n', "fact =", "only for automatic items"),
        ('label.fr = "Bonjour"\n', "label.fr", "unknown language 'fr'"),
        ('text.xx = "?"\n', "text.xx", "unknown language 'xx'"),
    ],
)
def test_item_field_errors_point_at_the_key(tmp_path: Path, extra: str, fragment: str, expected: str) -> None:
    text = minimal_script(work=_item("work.first", extra=extra))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, fragment)
    assert expected in error.message


def test_unknown_placeholder(tmp_path: Path) -> None:
    item = _item("greeting.first").replace('text.es = "Text es', 'text.es = "Hola {nombre}. Text es')
    text = minimal_script(greeting=item)
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, "{nombre}")
    assert "unknown placeholder {nombre}" in error.message


def test_kind_specific_requirements(tmp_path: Path) -> None:
    cases = {
        _item("identification.pin", kind="automatic"): ("identification.pin", "'fact'"),
        _item("identification.ok", kind="consent", extra='consent = "recording"\n'): (
            'consent = "recording"',
            "with_consent",
        ),
        _item("identification.dm", kind="data_match", extra='fields = ["name", "shoe_size"]\n'): (
            "shoe_size",
            "unknown value 'shoe_size'",
        ),
        _item("identification.doc", kind="id_document", extra='doc_types = ["dni", "library_card"]\n'): (
            "library_card",
            "unknown value",
        ),
    }
    for item, (fragment, expected) in cases.items():
        text = minimal_script(identification=item)
        error = refused(write(tmp_path, text))
        assert error.line == line_of(text, fragment), item
        assert expected in error.message


def test_choice_needs_two_options_and_rating_a_sane_scale(tmp_path: Path) -> None:
    text = minimal_script(goodbye=_item("goodbye.again", kind="choice"))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'kind = "choice"')
    assert "at least two" in error.message
    text = minimal_script(goodbye=_item("goodbye.rate", kind="rating", extra="scale = 50\n"))
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, "scale = 50")


def test_duplicate_option_id_points_at_the_option(tmp_path: Path) -> None:
    option = '[[sections.items.options]]\nid = "yes"\n' + "".join(
        f'label.{lang} = "Sí {lang}"\n' for lang in ("ca", "es", "eu", "en")
    )
    text = minimal_script(goodbye=_item("goodbye.again", kind="choice") + option + "\n" + option)
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'id = "yes"', occurrence=2)


@pytest.mark.parametrize(
    ("edit", "fragment", "expected"),
    [
        (('id = "work"', 'id = "tasks"'), 'id = "tasks"', "unknown section 'tasks'"),
        (('id = "summary"', 'id = "goodbye"'), 'id = "goodbye"', "out of place"),
        (('id = "work.first"', 'id = "summary.first"'), 'id = "summary.first"', "must start with 'work.'"),
        (('id = "work.first"', 'id = "Work First"'), 'id = "Work First"', "not a valid identifier"),
        (("version = 1", 'version = "one"'), "version =", "integer"),
        (('attention_level = "atesa"', 'attention_level = "urgent"'), "attention_level", "unknown value"),
    ],
)
def test_structure_errors(tmp_path: Path, edit: tuple[str, str], fragment: str, expected: str) -> None:
    text = minimal_script().replace(*edit, 1)
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, fragment)
    assert expected in error.message


def test_missing_section(tmp_path: Path) -> None:
    text = minimal_script()
    text = text[: text.index('[[sections]]\nid = "goodbye"')]
    error = refused(write(tmp_path, text))
    assert "missing section 'goodbye'" in error.message


def test_inline_items_still_get_their_line(tmp_path: Path) -> None:
    # Items written as inline tables have no [[...]] header: the loader finds their `id = "..."`.
    labels = ", ".join(f'{lang} = "x"' for lang in ("ca", "es", "eu", "en"))
    inline = (
        f'items = [\n  {{id = "work.a", kind = "say", label = {{{labels}}}, text = {{{labels}}}}},\n'
        f'  {{id = "work.b", kind = "nod", label = {{{labels}}}, text = {{{labels}}}}},\n]\n\n'
    )
    text = minimal_script(work=inline).replace('id = "work"\n', 'id = "work"\n', 1)
    error = refused(write(tmp_path, text))
    assert error.line == line_of(text, 'id = "work.b"')


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "atesa.toml"
    path.write_bytes(minimal_script().encode("utf-8").replace(b"Title es", b"T\xedtulo es", 1))
    error = refused(path)
    assert error.line == line_of(minimal_script(), "Title es")


def test_missing_file_is_a_script_error(tmp_path: Path) -> None:
    with pytest.raises(ScriptError) as caught:
        load_script("atesa", root=tmp_path)
    assert caught.value.path == tmp_path / "atesa.toml"


def test_base_file_for_another_level_is_refused(tmp_path: Path) -> None:
    write(tmp_path, minimal_script(level="assistida"), name="atesa.toml")
    with pytest.raises(ScriptError) as caught:
        load_script("atesa", root=tmp_path)
    assert caught.value.line == 1
    assert "expected 'atesa'" in caught.value.message


# -- tràmit overlays ------------------------------------------------------------------------------

OVERLAY_HEAD = 'tramit = "demo-tramit"\nversion = 2\n\n'


def _overlay_item(item_id: str, extra: str = "") -> str:
    return _item(item_id, kind="check", extra=extra).replace("[[sections.items]]", "[[items]]")


def _overlay(tmp_path: Path, body: str) -> tuple[Path, str]:
    write(tmp_path, minimal_script(work=_item("work.first") + _item("work.second")))
    (tmp_path / "tramits").mkdir(exist_ok=True)
    text = OVERLAY_HEAD + body
    return write(tmp_path / "tramits", text, "demo-tramit.toml"), text


def test_overlay_adds_replaces_and_inserts(tmp_path: Path) -> None:
    body = (
        _overlay_item("work.extra")
        + _overlay_item("work.first_for_demo", 'replaces = "work.first"\n')
        + _overlay_item("work.early", 'before = "work.second"\n')
    )
    _overlay(tmp_path, body)
    script = load_script("atesa", "demo-tramit", root=tmp_path)
    work = [item.id for item in script.sections[SECTION_IDS.index("work")].items]
    assert work == ["work.first_for_demo", "work.early", "work.second", "work.extra"]
    assert script.version == "1+demo-tramit.2"
    assert script.item("work.extra").kind is ItemKind.CHECK


def test_overlay_items_for_other_levels_are_left_out(tmp_path: Path) -> None:
    _overlay(tmp_path, _overlay_item("work.only_info", 'when = {attention_level = "informativa"}\n'))
    script = load_script("atesa", "demo-tramit", root=tmp_path)
    assert "work.only_info" not in {item.id for item in script.items()}


@pytest.mark.parametrize(
    ("extra", "fragment", "expected"),
    [
        ('replaces = "work.nothing"\n', "replaces =", "does not have"),
        ('before = ["work.nowhere"]\n', "before =", "has none of these"),
        ('replaces = "summary.first"\n', "replaces =", "must name a work item"),
    ],
)
def test_overlay_errors_name_the_overlay_file_and_line(
    tmp_path: Path, extra: str, fragment: str, expected: str
) -> None:
    path, text = _overlay(tmp_path, _overlay_item("work.extra") + _overlay_item("work.bad", extra))
    with pytest.raises(ScriptError) as caught:
        load_script("atesa", "demo-tramit", root=tmp_path)
    assert caught.value.path == path
    assert caught.value.line == line_of(text, fragment)
    assert expected in caught.value.message


def test_overlay_id_clashing_with_the_base(tmp_path: Path) -> None:
    path, text = _overlay(tmp_path, _overlay_item("work.second"))
    with pytest.raises(ScriptError) as caught:
        load_script("atesa", "demo-tramit", root=tmp_path)
    assert (caught.value.path, caught.value.line) == (path, line_of(text, 'id = "work.second"'))


def test_overlay_outside_the_work_section_and_wrong_name(tmp_path: Path) -> None:
    path, text = _overlay(tmp_path, _overlay_item("summary.extra"))
    with pytest.raises(ScriptError) as caught:
        load_script("atesa", "demo-tramit", root=tmp_path)
    assert caught.value.line == line_of(text, 'id = "summary.extra"')
    path.write_text(text.replace('tramit = "demo-tramit"', 'tramit = "other"'), encoding="utf-8")
    with pytest.raises(ScriptError) as caught:
        load_script("atesa", "demo-tramit", root=tmp_path)
    assert caught.value.line == 1 and "does not match the file name" in caught.value.message


def test_bad_tramit_code_is_refused_before_touching_the_disk() -> None:
    with pytest.raises(ValueError, match="not a tràmit code"):
        load_script("atesa", "../../etc/passwd")
