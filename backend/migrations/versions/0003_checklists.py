"""Checklist events: the identification evidence and call-script progress of each appointment.

A branch off 0002 (the app upgrades to "heads"), so it does not depend on other features' revisions.

Revision ID: 0003_checklists
Revises: 0002
Create Date: 2026-11-25

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003_checklists"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checklist_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.String(length=36), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.String(length=120), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["appointment_id"], ["appointment.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appointment_id", "seq", name="uq_checklist_event_seq"),
    )
    with op.batch_alter_table("checklist_event", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checklist_event_appointment_id"), ["appointment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("checklist_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklist_event_appointment_id"))
    op.drop_table("checklist_event")
