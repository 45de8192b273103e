"""Index processedevent.received_at, so retention finds old event claims quickly.

Revision ID: 341a5f95917e
Revises: d0bae2f29469
Create Date: 2026-11-29 20:09:27.289386
"""

from collections.abc import Sequence

from alembic import op

revision: str = "341a5f95917e"
down_revision: str | Sequence[str] | None = "d0bae2f29469"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("processedevent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processedevent_received_at"), ["received_at"], unique=False
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("processedevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processedevent_received_at"))
