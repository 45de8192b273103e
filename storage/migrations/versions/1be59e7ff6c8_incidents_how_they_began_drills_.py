"""incidents: how they began, drills, declared_at indexed

Existing incidents began as declared by a person unless an alert group opened them (then
`alert`); none was a drill. `declared_at` is indexed for the periods insights read.

Revision ID: 1be59e7ff6c8
Revises: 7339fdb57d33
Create Date: 2026-12-04 23:57:44.868815
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1be59e7ff6c8"
down_revision: str | Sequence[str] | None = "7339fdb57d33"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("source", sa.String(length=32), nullable=False, server_default="manual")
        )
        batch_op.add_column(
            sa.Column("drill", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index(batch_op.f("ix_incident_declared_at"), ["declared_at"], unique=False)
    op.execute(
        "UPDATE incident SET source = 'alert' WHERE id IN "
        "(SELECT incident_id FROM alertgroup WHERE incident_id IS NOT NULL)"
    )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_declared_at"))
        batch_op.drop_column("drill")
        batch_op.drop_column("source")
