"""incidents: customers affected, the stakeholder update clock, the status page's last word

Columns on the incident, all empty on existing rows: since when customers are affected, the
last stakeholder update and when the next is due, the public status this incident last
published and when, and the one reminder when customers are affected and nothing is public.

Revision ID: 7339fdb57d33
Revises: 231af8234374
Create Date: 2026-12-04 20:54:13.159637
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7339fdb57d33"
down_revision: str | Sequence[str] | None = "231af8234374"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("customers_affected_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("last_stakeholder_update_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("stakeholder_update_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("public_status", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("public_updated_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("public_reminder_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("public_reminded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_incident_public_reminder_at"), ["public_reminder_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_public_reminder_at"))
        batch_op.drop_column("public_reminded_at")
        batch_op.drop_column("public_reminder_at")
        batch_op.drop_column("public_updated_at")
        batch_op.drop_column("public_status")
        batch_op.drop_column("stakeholder_update_due_at")
        batch_op.drop_column("last_stakeholder_update_at")
        batch_op.drop_column("customers_affected_at")
