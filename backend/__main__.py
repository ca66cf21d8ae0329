"""Command line: `python -m backend serve|seed|migrate|verify-audit`."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
from pathlib import Path

from backend.config import Settings


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from exc


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m backend", description="Videoatenció backend")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--database-url", help="default: $VIDEOATENCIO_DATABASE_URL or sqlite in the data dir"
        )
        sp.add_argument("--data-dir", type=Path, help="default: $VIDEOATENCIO_DATA_DIR or ./var")
        sp.add_argument("--catalogue", type=Path, help="tràmit catalogue TOML (default: backend/catalogue)")

    serve = sub.add_parser("serve", help="migrate, optionally seed, and serve the API")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0 picks a free port (printed when ready)")
    serve.add_argument("--seed-demo", action="store_true", help="seed demo data if the database is empty")
    serve.add_argument("--day", type=_day, help="demo day (default: today in Europe/Madrid)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (>1: SSE only sees its own worker's changes)"
    )

    seed = sub.add_parser("seed", help="load the catalogue; with --demo, demo offices, staff and a day")
    common(seed)
    seed.add_argument("--demo", action="store_true")
    seed.add_argument("--day", type=_day)
    seed.add_argument("--reset", action="store_true", help="replace that day's demo appointments")

    mig = sub.add_parser("migrate", help="alembic upgrade head")
    common(mig)
    ver = sub.add_parser("verify-audit", help="check the audit log's hash chain")
    common(ver)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from backend.catalogue_loader import catalogue_path, load_catalogue, upsert_catalogue
    from backend.db import Database
    from backend.migrate import upgrade_head

    settings = Settings.from_env(database_url=args.database_url, data_dir=args.data_dir)
    if args.catalogue:
        settings = settings.with_(catalogue_path=args.catalogue)
    db = Database(settings.database_url)
    upgrade_head(db.engine)

    if args.command == "migrate":
        print("database at head")
        return 0
    if args.command == "verify-audit":
        from backend.audit import verify_chain

        with db.read() as s:
            report = verify_chain(s)
        print(
            f"audit chain {'ok' if report.ok else 'BROKEN'}: {report.checked} events checked"
            + ("" if report.ok else f"; first bad id {report.first_bad_id}: {report.reason}")
        )
        return 0 if report.ok else 1
    if args.command == "seed":
        from backend.seed import seed_demo

        if args.demo:
            result = seed_demo(db, args.day, settings.catalogue_path, reset=args.reset)
            state = (
                f"{result.appointments} appointments for {result.day}" if result.seeded else "already seeded"
            )
            print(f"demo data: {state}")
        else:
            with db.write() as s:
                n = upsert_catalogue(s, load_catalogue(catalogue_path(settings.catalogue_path)))
            print(f"catalogue: {n} tràmits")
        return 0

    # serve
    from backend.app import create_app
    from backend.server import make_server

    if args.seed_demo:
        from backend.seed import seed_demo

        seed_demo(db, args.day, settings.catalogue_path)
    app = create_app(settings, db=db)

    def on_ready(port: int) -> None:
        print(f"videoatencio backend listening on http://{args.host}:{port}", flush=True)

    if args.workers > 1:
        from backend.server import run_workers

        db.dispose()
        # Workers build their own app from the environment (uvicorn spawns fresh interpreters).
        os.environ["VIDEOATENCIO_DATABASE_URL"] = settings.database_url
        run_workers(args.host, args.port, args.workers, on_ready)
        return 0
    server = make_server(app, args.host, args.port, on_ready)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
