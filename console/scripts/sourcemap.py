"""Line numbers for keys and tables of a TOML file, so semantic errors can point at a line.

tomllib returns plain dicts without positions. Script files are simple (tables, arrays of tables,
dotted keys, one-line values), so a line scanner recovers positions well enough: each table header
opens a block, each `key =` line is recorded in the current block. Arrays of tables appear in the
file in the same order tomllib returns them, which lets the loader map the n-th item to its block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_HEADER = re.compile(r"^\s*\[(\[?)\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+(?:\s*\.\s*[A-Za-z0-9_\-]+)*)\s*=\s*(.*?)\s*$")
_SPACES = re.compile(r"\s+")


@dataclass
class Block:
    """A table header (or the root) and the keys written directly under it."""

    name: str  # dotted table name; "" for the root table
    line: int  # header line, 1-based (1 for the root)
    is_array: bool
    keys: dict[str, int] = field(default_factory=dict)  # dotted key → line (first occurrence)
    raw: dict[str, str] = field(default_factory=dict)  # dotted key → raw value text


class SourceMap:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.blocks: list[Block] = [Block("", 1, False)]
        in_multiline: str | None = None
        for number, line in enumerate(self.lines, start=1):
            if in_multiline is not None:
                if line.count(in_multiline) % 2 == 1:
                    in_multiline = None
                continue
            header = _HEADER.match(line)
            if header:
                name = _SPACES.sub("", header.group(2))
                self.blocks.append(Block(name, number, bool(header.group(1))))
                continue
            key = _KEY.match(line)
            if key:
                dotted = _SPACES.sub("", key.group(1))
                current = self.blocks[-1]
                current.keys.setdefault(dotted, number)
                current.raw.setdefault(dotted, key.group(2))
                for quote in ('"""', "'''"):
                    if key.group(2).count(quote) % 2 == 1:
                        in_multiline = quote

    @property
    def root(self) -> Block:
        return self.blocks[0]

    def tables(self, name: str) -> list[Block]:
        """Blocks whose header is exactly `name`, in file order (the entries of an array of tables)."""
        return [block for block in self.blocks if block.name == name]

    def span(self, block: Block) -> list[Block]:
        """`block` and the sub-table blocks that follow it (e.g. an item's [[...options]])."""
        index = self.blocks.index(block)
        result = [block]
        prefix = block.name + "." if block.name else ""
        for following in self.blocks[index + 1 :]:
            if block.name and not following.name.startswith(prefix):
                break
            if not block.name:
                break  # the root's own keys end at the first header
            result.append(following)
        return result

    def key_line(self, block: Block, key: str) -> int | None:
        """Line of `key` (dotted, relative to `block`), of its first sub-key, or of its sub-table."""
        exact: int | None = None
        nested: int | None = None
        for candidate in self.span(block):
            rel = candidate.name[len(block.name) + 1 :] if candidate is not block else ""
            if rel == key or rel.startswith(key + "."):
                nested = candidate.line if nested is None else min(nested, candidate.line)
            for dotted, number in candidate.keys.items():
                full = f"{rel}.{dotted}" if rel else dotted
                if full == key:
                    exact = number if exact is None else min(exact, number)
                elif full.startswith(key + "."):
                    nested = number if nested is None else min(nested, number)
        return exact if exact is not None else nested

    def find_key_value(self, key: str, raw_value: str) -> list[int]:
        """Lines where `key = raw_value` is written, also inside inline tables (`{id = "x", ...}`)."""
        pattern = re.compile(rf"(?:^|[{{,\s]){re.escape(key)}\s*=\s*{re.escape(raw_value)}")
        return [number for number, line in enumerate(self.lines, start=1) if pattern.search(line)]
