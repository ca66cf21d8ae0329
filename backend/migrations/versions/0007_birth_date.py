"""The citizen's date of birth on an appointment, so identification compares it (nullable: old
appointments and bookings that did not ask for it have none).

An independent branch off 0002 (the app upgrades to "heads").

Revision ID: 0007_birth_date
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_birth_date"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.add_column(sa.Column("citizen_birth_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("citizen_birth_date")
