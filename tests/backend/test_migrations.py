"""Migrations: a fresh database reaches head from any working directory; upgrade is idempotent."""

from __future__ import annotations

import subprocess
import sys

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from backend.db import Database
from backend.migrate import alembic_config, upgrade_head
from backend.models import Base


def test_fresh_database_migrates_from_another_cwd(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    r = subprocess.run(
        [sys.executable, "-m", "backend", "migrate", "--database-url", url],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0 and "database at head" in r.stdout, r.stderr
    db = Database(url)
    try:
        # Features add independent branches off the same base (backend/migrate.py applies "heads").
        heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
        with db.engine.connect() as conn:
            assert set(MigrationContext.configure(conn).get_current_heads()) == heads
            tables = set(inspect(conn).get_table_names())
        assert set(Base.metadata.tables) <= tables
        upgrade_head(db.engine)  # second run: nothing to do, no error
        with db.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            fks = conn.exec_driver_sql("PRAGMA foreign_keys").scalar()
        assert (mode, fks) == ("wal", 1)
    finally:
        db.dispose()


def test_models_match_migrations(tmp_path):
    """Autogenerate against a migrated database finds nothing: no model change without a revision."""
    from alembic.autogenerate import compare_metadata

    db = Database(f"sqlite:///{tmp_path / 'cmp.db'}")
    try:
        upgrade_head(db.engine)
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata
            )
        assert diff == []
    finally:
        db.dispose()
