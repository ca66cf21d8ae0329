"""`python -m console.scripts [DIR]`: validate every script file, for whoever edits them.

Prints `path:line: message` for the first problem (editors jump to it) and exits 1, else a summary.
"""

from __future__ import annotations

import sys
from pathlib import Path

from console.scripts.loader import ScriptError, check_all


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else None
    try:
        scripts = check_all(root)
    except ScriptError as error:
        print(error, file=sys.stderr)
        return 1
    for script in scripts:
        print(f"ok  {script.id} (version {script.version}, {sum(1 for _ in script.items())} items)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
