"""A claim on each alert group's offer, so that two processes never post the same offer twice.

Revision ID: 48201f89be6c
Revises: 341a5f95917e
Create Date: 2026-11-29 20:12:06.434851
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "48201f89be6c"
down_revision: str | Sequence[str] | None = "341a5f95917e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("alertgroup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offer_claimed_until", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("alertgroup", schema=None) as batch_op:
        batch_op.drop_column("offer_claimed_until")
