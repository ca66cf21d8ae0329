"""Compile the gettext catalogues under resources/i18n (.po → .mo). Run by ./dev and the installer."""

from __future__ import annotations

import argparse
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent / "resources" / "i18n"


def compile_all(root: Path = ROOT, quiet: bool = False) -> list[Path]:
    written = []
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as f:
            catalog = read_po(f, locale=po_path.parent.parent.name)
        with mo_path.open("wb") as f:
            write_mo(f, catalog)
        written.append(mo_path)
        if not quiet:
            print(f"compiled {mo_path.relative_to(root)}")
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    compile_all(quiet=args.quiet)


if __name__ == "__main__":
    main()
