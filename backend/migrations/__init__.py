"""Alembic migrations, shipped inside the package so `upgrade head` works from any cwd."""
