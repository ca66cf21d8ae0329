"""Outbox attachments: the receipt PDF travels with its e-mail (stored in the row, base64 in JSON).

An independent branch off 0002 (the app upgrades to "heads").

Revision ID: 0008_outbox_attachments
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_outbox_attachments"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        # Existing rows had no attachments: an empty JSON list, so the column can be NOT NULL.
        batch.add_column(sa.Column("attachments", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("attachments")
