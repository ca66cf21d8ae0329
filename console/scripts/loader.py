"""Load and validate call-script files (resources/scripts/*.toml and tramits/*.toml).

Every problem is reported as ScriptError naming the file and the line, so whoever edits a script
can fix it without reading Python. The first problem found is reported.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from console.scripts.model import (
    SECTION_IDS,
    AttentionLevel,
    BlockedGate,
    CallScript,
    ChoiceOption,
    Condition,
    ConsentType,
    DocumentType,
    Fact,
    Gate,
    IdentificationLevel,
    ItemKind,
    MatchField,
    RecordingPolicy,
    ScriptItem,
    ScriptSection,
)
from console.scripts.sourcemap import Block, SourceMap
from console.scripts.texts import PLACEHOLDER, PLACEHOLDERS, REQUIRED_LANGUAGES, Language, LocalizedText

E = TypeVar("E", bound=StrEnum)

MAX_TEXT_CHARS = 2000
_ITEM_ID = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
_OPTION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
TRAMIT_CODE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)")
_LANGUAGE_NAMES = {"ca": "Catalan", "es": "Spanish", "eu": "Basque", "en": "English"}

_COMMON_ITEM_KEYS = {"id", "kind", "label", "text", "required", "gates", "when"}
# Keys that only make sense for one kind; using them elsewhere is almost always a copy-paste slip.
_KIND_KEYS: dict[str, ItemKind] = {
    "fact": ItemKind.AUTOMATIC,
    "consent": ItemKind.CONSENT,
    "must_grant": ItemKind.CONSENT,
    "fields": ItemKind.DATA_MATCH,
    "doc_types": ItemKind.ID_DOCUMENT,
    "options": ItemKind.CHOICE,
    "scale": ItemKind.RATING,
}
_CONDITION_KEYS = {
    "attention_level": AttentionLevel,
    "identification_level": IdentificationLevel,
    "recording_policy": RecordingPolicy,
}


class ScriptError(ValueError):
    """A script file that cannot be used. str() is `path:line: message`."""

    def __init__(self, path: Path | str, line: int, message: str) -> None:
        self.path = Path(path)
        self.line = line
        self.message = message
        super().__init__(f"{self.path}:{line}: {message}")


@dataclass(frozen=True)
class OverlayItem:
    item: ScriptItem
    replaces: str | None
    before: tuple[str, ...]  # put it before the first of these the level's script has; else at the end
    line: int


@dataclass(frozen=True)
class TramitOverlay:
    """Work-section items a tràmit adds to (or replaces in) every base script."""

    tramit_code: str
    version: int
    path: Path
    items: tuple[OverlayItem, ...]


@dataclass
class _Node:
    """A TOML table and what is known of its position in the file."""

    data: dict[str, Any]
    block: Block | None  # None for inline tables, whose keys have no own lines
    anchor: int  # best line when no key-specific line is known
    where: str  # how messages name it, e.g. "item 'greeting.hello'"


class _File:
    def __init__(self, path: Path, text: str, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data
        self.map = SourceMap(text)
        self._id_seen: dict[str, int] = {}
        # Running position per array-of-tables header, shared by all sections of the file.
        self.counters: dict[str, list[int]] = {}

    def fail(self, line: int, message: str) -> NoReturn:
        raise ScriptError(self.path, line, message)

    def line(self, node: _Node, *keys: str) -> int:
        if node.block is not None:
            for key in keys:
                found = self.map.key_line(node.block, key)
                if found is not None:
                    return found
        return node.anchor

    def child(self, data: object, block: Block | None, fallback: int, where: str) -> _Node:
        if not isinstance(data, dict):
            self.fail(fallback, f"{where} must be a table")
        anchor = fallback
        if block is not None:
            anchor = self.map.key_line(block, "id") or block.line
        elif isinstance(data.get("id"), str):
            # Inline table: find its `id = "..."` text; the n-th time an id is seen, its n-th line.
            lines = self.map.find_key_value("id", f'"{data["id"]}"')
            seen = self._id_seen.get(data["id"], 0)
            self._id_seen[data["id"]] = seen + 1
            if seen < len(lines):
                anchor = lines[seen]
        return _Node(data, block, anchor, where)

    def check_keys(self, node: _Node, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        allowed = set(allowed)
        for key in node.data:
            if key not in allowed:
                self.fail(
                    self.line(node, key),
                    f"{node.where}: unknown key '{key}' (allowed: {', '.join(sorted(allowed))})",
                )
        for key in required:
            if key not in node.data:
                self.fail(node.anchor, f"{node.where}: missing '{key}'")

    def string(self, node: _Node, key: str, pattern: re.Pattern[str] | None = None) -> str:
        value = node.data.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(self.line(node, key), f"{node.where}: '{key}' must be a non-empty string")
        if pattern is not None and not pattern.match(value):
            self.fail(self.line(node, key), f"{node.where}: '{key}' = '{value}' is not a valid identifier")
        return value

    def boolean(self, node: _Node, key: str, default: bool) -> bool:
        value = node.data.get(key, default)
        if not isinstance(value, bool):
            self.fail(self.line(node, key), f"{node.where}: '{key}' must be true or false")
        return value

    def integer(self, node: _Node, key: str, low: int, high: int, default: int | None = None) -> int:
        value = node.data.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(self.line(node, key), f"{node.where}: '{key}' must be an integer from {low} to {high}")
        return value

    def enum(self, node: _Node, key: str, enum: type[E]) -> E:
        value = node.data.get(key)
        return self.enum_value(value, enum, self.line(node, key), f"{node.where}: '{key}'")

    def enum_value(self, value: object, enum: type[E], line: int, what: str) -> E:
        choices = ", ".join(member.value for member in enum)
        if not isinstance(value, str):
            self.fail(line, f"{what} must be a string, one of: {choices}")
        try:
            return enum(value)
        except ValueError:
            self.fail(line, f"{what} has unknown value '{value}' (expected one of: {choices})")

    def enum_list(self, node: _Node, key: str, enum: type[E]) -> tuple[E, ...]:
        value = node.data.get(key, [])
        line = self.line(node, key)
        if not isinstance(value, list):
            self.fail(line, f"{node.where}: '{key}' must be a list")
        result = tuple(self.enum_value(v, enum, line, f"{node.where}: '{key}'") for v in value)
        if len(set(result)) != len(result):
            self.fail(line, f"{node.where}: '{key}' lists a value twice")
        return result

    def text(self, node: _Node, key: str, required: bool = True) -> LocalizedText:
        value = node.data.get(key)
        if value is None and not required:
            return LocalizedText({})
        if not isinstance(value, dict):
            self.fail(
                self.line(node, key),
                f"{node.where}: '{key}' must be a table of texts per language (e.g. {key}.ca = \"...\")",
            )
        texts: dict[Language, str] = {}
        for lang, text in value.items():
            line = self.line(node, f"{key}.{lang}", key)
            try:
                language = Language(lang)
            except ValueError:
                known = ", ".join(member.value for member in Language)
                self.fail(line, f"{node.where}: '{key}' has unknown language '{lang}' (known: {known})")
            if not isinstance(text, str) or not text.strip():
                self.fail(line, f"{node.where}: '{key}.{lang}' must be a non-empty string")
            if len(text) > MAX_TEXT_CHARS:
                self.fail(line, f"{node.where}: '{key}.{lang}' is longer than {MAX_TEXT_CHARS} characters")
            for name in PLACEHOLDER.findall(text):
                if name not in PLACEHOLDERS:
                    self.fail(
                        line,
                        f"{node.where}: '{key}.{lang}' uses unknown placeholder {{{name}}} "
                        f"(known: {', '.join(sorted(PLACEHOLDERS))})",
                    )
            texts[language] = text.strip()
        localized = LocalizedText(texts)
        missing = localized.missing(REQUIRED_LANGUAGES)
        if missing:
            names = ", ".join(f"{lang.value} ({_LANGUAGE_NAMES[lang.value]})" for lang in missing)
            self.fail(
                self.line(node, key),
                f"{node.where}: '{key}' has no text in {names}; every text needs "
                + ", ".join(lang.value for lang in REQUIRED_LANGUAGES),
            )
        return localized

    def tables(self, node: _Node, key: str, header: str, noun: str) -> list[_Node]:
        """The entries of an array of tables, each mapped to its `[[header]]` block when possible.

        Entries are matched to headers by position across the whole file (the items of all
        sections share one header name), which only holds if every entry has its own header.
        """
        value = node.data.get(key, [])
        if not isinstance(value, list):
            self.fail(self.line(node, key), f"{node.where}: '{key}' must be an array of tables")
        blocks = self.map.tables(header)
        positional = len(blocks) == _count(self.data, *header.split("."))
        counter = self.counters.setdefault(header, [0])
        result = []
        for entry in value:
            block = blocks[counter[0]] if positional else None
            counter[0] += 1
            entry_id = entry.get("id", "?") if isinstance(entry, dict) else "?"
            result.append(self.child(entry, block, self.line(node, key), f"{noun} '{entry_id}'"))
        return result


def _count(data: dict[str, Any], *path: str) -> int:
    """How many tables an array-of-tables path holds across the whole document."""
    nodes: list[Any] = [data]
    for step in path:
        next_nodes: list[Any] = []
        for node in nodes:
            if isinstance(node, dict) and isinstance(node.get(step), list):
                next_nodes.extend(node[step])
        nodes = next_nodes
    return len(nodes)


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScriptError(path, 1, f"cannot read script file: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ScriptError(path, line, "file is not valid UTF-8") from exc
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        position = _TOML_POSITION.search(message)
        if position:
            line = int(position.group(1))
            detail = f"{_TOML_POSITION.sub('', message)} (column {position.group(2)})"
        else:
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
            detail = message
        raise ScriptError(path, line, f"TOML syntax error: {detail}") from exc


def _condition(f: _File, node: _Node) -> Condition:
    value = node.data.get("when")
    if value is None:
        return Condition()
    if not isinstance(value, dict) or not value:
        f.fail(f.line(node, "when"), f"{node.where}: 'when' must be a non-empty table of conditions")
    sets: dict[str, frozenset[Any]] = {}
    for key, raw in value.items():
        line = f.line(node, f"when.{key}", "when")
        enum = _CONDITION_KEYS.get(key)
        if enum is None:
            f.fail(
                line,
                f"{node.where}: unknown condition '{key}' (allowed: {', '.join(sorted(_CONDITION_KEYS))})",
            )
        values = raw if isinstance(raw, list) else [raw]
        if not values:
            f.fail(line, f"{node.where}: condition '{key}' has no values")
        sets[key] = frozenset(f.enum_value(v, enum, line, f"{node.where}: condition '{key}'") for v in values)
    return Condition(
        attention_levels=sets.get("attention_level", frozenset()),
        identification_levels=sets.get("identification_level", frozenset()),
        recording_policies=sets.get("recording_policy", frozenset()),
    )


def _item(f: _File, node: _Node, section_id: str, header: str) -> ScriptItem:
    item_id = f.string(node, "id", _ITEM_ID)
    node.where = f"item '{item_id}'"
    if not item_id.startswith(section_id + "."):
        f.fail(
            f.line(node, "id"), f"{node.where}: ids in section '{section_id}' must start with '{section_id}.'"
        )
    kind = f.enum(node, "kind", ItemKind)
    for key in node.data:
        owner = _KIND_KEYS.get(key)
        if owner is not None and owner is not kind:
            f.fail(
                f.line(node, key), f"{node.where}: '{key}' is only for {owner.value} items, not {kind.value}"
            )
    f.check_keys(node, _COMMON_ITEM_KEYS | set(_KIND_KEYS), required=("label", "text"))
    required = f.boolean(node, "required", False)
    gates = f.enum_list(node, "gates", Gate)
    if gates and not required:
        f.fail(f.line(node, "gates"), f"{node.where}: an item that gates actions must be required = true")
    when = _condition(f, node)
    item = ScriptItem(
        id=item_id,
        kind=kind,
        label=f.text(node, "label"),
        text=f.text(node, "text"),
        required=required,
        gates=gates,
        when=when,
    )
    if kind is ItemKind.AUTOMATIC:
        return replace(item, fact=f.enum(node, "fact", Fact))
    if kind is ItemKind.CONSENT:
        consent = f.enum(node, "consent", ConsentType)
        recording = consent is ConsentType.RECORDING
        must_grant = f.boolean(node, "must_grant", not recording)
        if recording and must_grant:
            f.fail(f.line(node, "must_grant"), f"{node.where}: a citizen may always refuse recording")
        if recording and when.recording_policies != {RecordingPolicy.WITH_CONSENT}:
            f.fail(
                f.line(node, "when", "consent"),
                f'{node.where}: the recording consent needs when.recording_policy = "with_consent"',
            )
        return replace(item, consent=consent, must_grant=must_grant)
    if kind is ItemKind.DATA_MATCH:
        fields = f.enum_list(node, "fields", MatchField)
        if not fields:
            f.fail(f.line(node, "fields", "kind"), f"{node.where}: 'fields' must list name and/or birth_date")
        return replace(item, fields=fields)
    if kind is ItemKind.ID_DOCUMENT:
        return replace(item, doc_types=f.enum_list(node, "doc_types", DocumentType) or tuple(DocumentType))
    if kind is ItemKind.CHOICE:
        return replace(item, options=_options(f, node, header + ".options"))
    if kind is ItemKind.RATING:
        return replace(item, scale=f.integer(node, "scale", 3, 10, default=5))
    return item


def _options(f: _File, node: _Node, header: str) -> tuple[ChoiceOption, ...]:
    nodes = f.tables(node, "options", header, "option")
    if len(nodes) < 2:
        f.fail(f.line(node, "options", "kind"), f"{node.where}: a choice needs at least two [[...options]]")
    result: list[ChoiceOption] = []
    for option in nodes:
        f.check_keys(option, {"id", "label"}, required=("id", "label"))
        option_id = f.string(option, "id", _OPTION_ID)
        if any(existing.id == option_id for existing in result):
            f.fail(f.line(option, "id"), f"{node.where}: option '{option_id}' appears twice")
        result.append(ChoiceOption(option_id, f.text(option, "label")))
    return tuple(result)


def _parse_items(
    f: _File, parent: _Node, section_id: str, header: str, seen: dict[str, int]
) -> list[tuple[ScriptItem, _Node]]:
    """Items of one section (or of an overlay), checking ids are unique across the file."""
    nodes = f.tables(parent, "items", header, "item")
    if not nodes:
        f.fail(parent.anchor, f"{parent.where}: has no items")
    result = []
    for node in nodes:
        item = _item(f, node, section_id, header)
        if item.id in seen:
            f.fail(
                f.line(node, "id"), f"duplicate item id '{item.id}' (first defined on line {seen[item.id]})"
            )
        seen[item.id] = f.line(node, "id")
        result.append((item, node))
    return result


def parse_base_script(path: Path) -> CallScript:
    """Parse and validate one base script file (one per attention level)."""
    text, data = _read(path)
    f = _File(path, text, data)
    root = _Node(data, f.map.root, 1, "script")
    f.check_keys(root, {"attention_level", "version", "title", "sections", "blocked_gates"})
    for key in ("attention_level", "version", "title", "sections"):
        if key not in data:
            f.fail(1, f"script: missing top-level '{key}'")
    level = f.enum(root, "attention_level", AttentionLevel)
    version = f.integer(root, "version", 1, 1_000_000)
    title = f.text(root, "title")
    blocked = _blocked_gates(f, root)
    seen_ids: dict[str, int] = {}
    sections: list[ScriptSection] = []
    section_nodes = f.tables(root, "sections", "sections", "section")
    for node in section_nodes:
        f.check_keys(node, {"id", "title", "items"}, required=("id", "title", "items"))
        section_id = f.string(node, "id")
        node.where = f"section '{section_id}'"
        if section_id not in SECTION_IDS:
            f.fail(f.line(node, "id"), f"unknown section '{section_id}' (expected: {', '.join(SECTION_IDS)})")
        expected = SECTION_IDS[len(sections)] if len(sections) < len(SECTION_IDS) else None
        if section_id != expected:
            f.fail(
                f.line(node, "id"),
                f"section '{section_id}' is out of place: expected '{expected}' here "
                f"(sections go {' → '.join(SECTION_IDS)})",
            )
        items = _parse_items(f, node, section_id, "sections.items", seen_ids)
        sections.append(ScriptSection(section_id, f.text(node, "title"), tuple(i for i, _ in items)))
    if len(sections) < len(SECTION_IDS):
        last = section_nodes[-1].anchor if section_nodes else 1
        f.fail(last, f"script: missing section '{SECTION_IDS[len(sections)]}'")
    return CallScript(
        id=level.value,
        version=str(version),
        attention_level=level,
        title=title,
        sections=tuple(sections),
        blocked_gates=blocked,
    )


def _blocked_gates(f: _File, root: _Node) -> tuple[BlockedGate, ...]:
    nodes = f.tables(root, "blocked_gates", "blocked_gates", "blocked gate")
    result = []
    for node in nodes:
        node.where = "blocked gate"
        node.anchor = f.line(node, "gate") if node.block else node.anchor
        f.check_keys(node, {"gate", "reason"}, required=("gate", "reason"))
        result.append(BlockedGate(f.enum(node, "gate", Gate), f.text(node, "reason")))
    return tuple(result)


def parse_tramit_overlay(path: Path) -> TramitOverlay:
    """Parse and validate a tràmit file: extra or replacement items for the work section."""
    text, data = _read(path)
    f = _File(path, text, data)
    root = _Node(data, f.map.root, 1, "tràmit script")
    f.check_keys(root, {"tramit", "version", "items"})
    for key in ("tramit", "version", "items"):
        if key not in data:
            f.fail(1, f"tràmit script: missing top-level '{key}'")
    code = f.string(root, "tramit", TRAMIT_CODE)
    if code != path.stem:
        f.fail(f.line(root, "tramit"), f"tramit = '{code}' does not match the file name '{path.name}'")
    version = f.integer(root, "version", 1, 1_000_000)
    entries: list[OverlayItem] = []
    seen: dict[str, int] = {}
    # Overlay items carry two extra keys (`replaces`, `before`); take them out before the common checks.
    raw_items = data.get("items")
    extras: list[dict[str, object]] = []
    if isinstance(raw_items, list):
        for entry in raw_items:
            taken = {}
            if isinstance(entry, dict):
                taken = {key: entry.pop(key) for key in ("replaces", "before") if key in entry}
            extras.append(taken)
    for index, (item, node) in enumerate(_parse_items(f, root, "work", "items", seen)):
        target = extras[index].get("replaces")
        if target is not None and (not isinstance(target, str) or not target.startswith("work.")):
            f.fail(f.line(node, "replaces"), f"{node.where}: 'replaces' must name a work item ('work.…')")
        before = extras[index].get("before", [])
        before = [before] if isinstance(before, str) else before
        if not isinstance(before, list) or not all(
            isinstance(b, str) and b.startswith("work.") for b in before
        ):
            f.fail(f.line(node, "before"), f"{node.where}: 'before' must name work items ('work.…')")
        if target is not None and before:
            f.fail(f.line(node, "before"), f"{node.where}: an item that replaces another keeps its place")
        entries.append(OverlayItem(item, target, tuple(before), f.line(node, "replaces", "before", "id")))
    return TramitOverlay(code, version, path, tuple(entries))


def compose(base: CallScript, overlay: TramitOverlay) -> CallScript:
    """The base script with the tràmit's work items applied (only those meant for its level)."""
    level = base.attention_level
    ids = {item.id for item in base.items()}
    sections = []
    for section in base.sections:
        if section.id != "work":
            sections.append(section)
            continue
        work = list(section.items)
        for entry in overlay.items:
            levels = entry.item.when.attention_levels
            if levels and level not in levels:
                continue
            if entry.replaces is not None:
                index = next((i for i, item in enumerate(work) if item.id == entry.replaces), None)
                if index is None:
                    raise ScriptError(
                        overlay.path,
                        entry.line,
                        f"replaces '{entry.replaces}', which the {level.value} script's work section "
                        "does not have (limit the item with when.attention_level)",
                    )
                ids.discard(entry.replaces)
                work[index] = entry.item
            elif entry.before:
                positions = [i for target in entry.before for i, item in enumerate(work) if item.id == target]
                if not positions:
                    raise ScriptError(
                        overlay.path,
                        entry.line,
                        f"before = {list(entry.before)}: the {level.value} script's work section has none "
                        "of these (limit the item with when.attention_level)",
                    )
                work.insert(positions[0], entry.item)
            else:
                work.append(entry.item)
            if entry.item.id in ids:
                raise ScriptError(
                    overlay.path,
                    entry.line,
                    f"item id '{entry.item.id}' already exists in the {level.value} script",
                )
            ids.add(entry.item.id)
        sections.append(replace(section, items=tuple(work)))
    return replace(
        base,
        id=f"{base.id}+{overlay.tramit_code}",
        version=f"{base.version}+{overlay.tramit_code}.{overlay.version}",
        sections=tuple(sections),
        tramit_code=overlay.tramit_code,
    )


def default_scripts_dir() -> Path:
    """resources/scripts of the source tree (the installer maps the same layout)."""
    return Path(__file__).resolve().parents[2] / "resources" / "scripts"


def load_script(
    level: AttentionLevel | str, tramit_code: str | None = None, root: Path | None = None
) -> CallScript:
    """The script for a call: the level's base script plus the tràmit's file, if there is one."""
    level = AttentionLevel(level)
    root = root or default_scripts_dir()
    path = root / f"{level.value}.toml"
    base = parse_base_script(path)
    if base.attention_level is not level:
        text, _ = _read(path)
        line = SourceMap(text).root.keys.get("attention_level", 1)
        raise ScriptError(
            path, line, f"attention_level is '{base.attention_level.value}', expected '{level.value}'"
        )
    if tramit_code is None:
        return base
    if not TRAMIT_CODE.match(tramit_code):
        raise ValueError(f"not a tràmit code: {tramit_code!r}")
    overlay_path = root / "tramits" / f"{tramit_code}.toml"
    if not overlay_path.exists():
        return base
    return compose(base, parse_tramit_overlay(overlay_path))


def load_script_by_id(script_id: str, root: Path | None = None) -> CallScript:
    """Inverse of CallScript.id ("atesa" or "atesa+targeta-discapacitat"), e.g. to restore a run."""
    level, _, tramit = script_id.partition("+")
    return load_script(level, tramit or None, root)


def check_all(root: Path | None = None) -> list[CallScript]:
    """Load every base script and every tràmit file combined with each base: what CI checks."""
    root = root or default_scripts_dir()
    scripts = [load_script(level, root=root) for level in AttentionLevel]
    for overlay_path in sorted((root / "tramits").glob("*.toml")):
        for level in AttentionLevel:
            scripts.append(load_script(level, overlay_path.stem, root))
    return scripts
