"""Command-line options of the console."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import date
from pathlib import Path


@dataclass
class Options:
    server_url: str = ""
    day: date | None = None
    demo: bool = False
    screenshot: Path | None = None
    quit_after: float | None = None
    lang: str | None = None
    data_dir: Path | None = None
    # Demo/test knobs: the demo user, and timers shortened by tests (never sleeps in tests).
    demo_user: str = "marta"
    demo_password: str = "demo"
    probe_interval: float = 5.0
    sse_backoff: tuple[float, float] = (0.5, 10.0)
    memory_credentials: bool = False


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m console", description="Videoatenció agent console")
    parser.add_argument("--demo", action="store_true", help="start an embedded backend with demo data")
    parser.add_argument("--server", metavar="URL", default="", help="backend address")
    parser.add_argument("--day", type=date.fromisoformat, help="show this day (YYYY-MM-DD)")
    parser.add_argument(
        "--screenshot", type=Path, metavar="FILE", help="save a PNG once the agenda is shown, quit"
    )
    parser.add_argument("--quit-after", type=float, metavar="SECONDS", help="quit after this many seconds")
    parser.add_argument("--lang", choices=("ca", "es", "eu", "en"), help="interface language (default: ca)")
    parser.add_argument("--data-dir", type=Path, help="keep settings, cache and outbox here")
    args = parser.parse_args(argv)
    return Options(
        server_url=args.server,
        day=args.day,
        demo=args.demo,
        screenshot=args.screenshot,
        quit_after=args.quit_after,
        lang=args.lang,
        data_dir=args.data_dir,
    )
