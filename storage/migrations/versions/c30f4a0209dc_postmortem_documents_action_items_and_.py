"""Postmortem documents, action items and reviews.

Revision ID: c30f4a0209dc
Revises: d596ceb575cb
Create Date: 2026-11-25 03:48:50.567622
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c30f4a0209dc"
down_revision: str | Sequence[str] | None = "d596ceb575cb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "actionitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=32), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_actionitem_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_actionitem")),
    )
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_actionitem_done_at"), ["done_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_actionitem_incident_id"), ["incident_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_actionitem_owner"), ["owner"], unique=False)

    op.create_table(
        "postmortem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("markdown", sa.Text(), nullable=False),
        sa.Column("rendered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_postmortem_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_postmortem")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_postmortem_incident_id")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("impact", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("root_cause", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("users_affected", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("estimated_cost", sa.String(length=100), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("postmortem_file_id", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("postmortem_permalink", sa.String(length=1000), nullable=True)
        )
        batch_op.add_column(sa.Column("review_due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_incident_review_due_at"), ["review_due_at"], unique=False
        )

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("subject_id", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.drop_constraint(batch_op.f("uq_reminder_incident_id_kind_due_at"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_reminder_incident_id_kind_subject_id_due_at"),
            ["incident_id", "kind", "subject_id", "due_at"],
        )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_reminder_incident_id_kind_subject_id_due_at"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_reminder_incident_id_kind_due_at"), ["incident_id", "kind", "due_at"]
        )
        batch_op.drop_column("subject_id")

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_review_due_at"))
        batch_op.drop_column("reviewed_by")
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("review_due_at")
        batch_op.drop_column("postmortem_permalink")
        batch_op.drop_column("postmortem_file_id")
        batch_op.drop_column("estimated_cost")
        batch_op.drop_column("users_affected")
        batch_op.drop_column("root_cause")
        batch_op.drop_column("impact")

    op.drop_table("postmortem")
    with op.batch_alter_table("actionitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_actionitem_owner"))
        batch_op.drop_index(batch_op.f("ix_actionitem_incident_id"))
        batch_op.drop_index(batch_op.f("ix_actionitem_done_at"))

    op.drop_table("actionitem")
