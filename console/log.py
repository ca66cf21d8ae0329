"""Named loggers per area (init, sync, ui, call), so logs say which part of the console spoke."""

from __future__ import annotations

import logging
import sys

init = logging.getLogger("console.init")
sync = logging.getLogger("console.sync")
ui = logging.getLogger("console.ui")
call = logging.getLogger("console.call")


def setup(level: int = logging.INFO) -> None:
    root = logging.getLogger("console")
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(level)
