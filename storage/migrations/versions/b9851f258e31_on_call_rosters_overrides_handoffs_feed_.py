"""On-call: rosters over time, overrides, handoffs, iCal feed copies and calendar feed tokens.

Revision ID: b9851f258e31
Revises: 594cf2d6ba68
Create Date: 2026-12-04 17:46:24.373233
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b9851f258e31"
down_revision: str | Sequence[str] | None = "594cf2d6ba68"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "oncallfeedcopy",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=500), nullable=True),
        sa.Column("last_modified", sa.String(length=100), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("error_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncallfeedcopy")),
        sa.UniqueConstraint("schedule", "layer", name=op.f("uq_oncallfeedcopy_schedule_layer")),
    )
    with op.batch_alter_table("oncallfeedcopy", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_oncallfeedcopy_checked_at"), ["checked_at"], unique=False
        )

    op.create_table(
        "oncallfeedtoken",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("feed", sa.String(length=100), nullable=False),
        sa.Column("token", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncallfeedtoken")),
        sa.UniqueConstraint("feed", name=op.f("uq_oncallfeedtoken_feed")),
        sa.UniqueConstraint("token", name=op.f("uq_oncallfeedtoken_token")),
    )
    op.create_table(
        "oncallhandoff",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outgoing", sa.JSON(), nullable=False),
        sa.Column("incoming", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncallhandoff")),
        sa.UniqueConstraint("schedule", "at", name=op.f("uq_oncallhandoff_schedule_at")),
    )
    with op.batch_alter_table("oncallhandoff", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncallhandoff_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncallhandoff_schedule"), ["schedule"], unique=False)

    op.create_table(
        "oncalloverride",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=False),
        sa.Column("user", sa.String(length=32), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=32), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncalloverride")),
    )
    with op.batch_alter_table("oncalloverride", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncalloverride_end_at"), ["end_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncalloverride_schedule"), ["schedule"], unique=False)
        batch_op.create_index(batch_op.f("ix_oncalloverride_start_at"), ["start_at"], unique=False)

    op.create_table(
        "oncallroster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sa.String(length=64), nullable=False),
        sa.Column("layer", sa.String(length=64), nullable=False),
        sa.Column("users", sa.JSON(), nullable=False),
        sa.Column("rotation", sa.JSON(), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oncallroster")),
        sa.UniqueConstraint(
            "schedule",
            "layer",
            "effective_from",
            name=op.f("uq_oncallroster_schedule_layer_effective_from"),
        ),
    )
    with op.batch_alter_table("oncallroster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oncallroster_schedule"), ["schedule"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("oncallroster", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncallroster_schedule"))

    op.drop_table("oncallroster")
    with op.batch_alter_table("oncalloverride", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncalloverride_start_at"))
        batch_op.drop_index(batch_op.f("ix_oncalloverride_schedule"))
        batch_op.drop_index(batch_op.f("ix_oncalloverride_end_at"))

    op.drop_table("oncalloverride")
    with op.batch_alter_table("oncallhandoff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncallhandoff_schedule"))
        batch_op.drop_index(batch_op.f("ix_oncallhandoff_at"))

    op.drop_table("oncallhandoff")
    op.drop_table("oncallfeedtoken")
    with op.batch_alter_table("oncallfeedcopy", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oncallfeedcopy_checked_at"))

    op.drop_table("oncallfeedcopy")
