"""Interpreter invites (a third party in a call): single-use invite and session tokens, hashed.

An independent branch off 0002 (the app upgrades to "heads").

Revision ID: 0006_interpreter
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_interpreter"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "interpreter_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("invite_hash", sa.String(length=64), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.ForeignKeyConstraint(["created_by"], ["staff.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invite_hash"),
        sa.UniqueConstraint("session_hash"),
    )
    op.create_index(
        op.f("ix_interpreter_invite_appointment_id"), "interpreter_invite", ["appointment_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_interpreter_invite_appointment_id"), table_name="interpreter_invite")
    op.drop_table("interpreter_invite")
