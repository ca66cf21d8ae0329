"""Alembic environment: runs on the connection handed over by backend.migrate (never a cwd ini)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

# Imported for their side effect: each feature registers its tables on Base.metadata, so
# autogenerate sees them all (checklists, citizen side, pool, tràmit wizard).
import backend.checklists.models
import backend.citizen.models
import backend.pool.models
import backend.tramitacio.models  # noqa: F401
from backend.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds tables so later revisions work on both.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `python -m backend migrate`")
run_migrations_online()
