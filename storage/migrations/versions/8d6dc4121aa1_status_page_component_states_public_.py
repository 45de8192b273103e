"""status page: component states, public incidents and updates, maintenance

The status page's own tables: every change of a component's state (the uptime history),
public incidents linked to at most one internal incident, their updates, and scheduled
maintenance.

Revision ID: 8d6dc4121aa1
Revises: 3d22acd02d6e
Create Date: 2026-12-04 20:51:11.853343
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8d6dc4121aa1"
down_revision: str | Sequence[str] | None = "3d22acd02d6e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "maintenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_maintenance")),
    )
    with op.batch_alter_table("maintenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_maintenance_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_maintenance_status"), ["status"], unique=False)

    op.create_table(
        "publicincident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("impact", sa.String(length=32), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("monitoring_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_publicincident_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicincident")),
        sa.UniqueConstraint("incident_id", name=op.f("uq_publicincident_incident_id")),
    )
    with op.batch_alter_table("publicincident", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publicincident_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_publicincident_status"), ["status"], unique=False)

    op.create_table(
        "publicupdate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_incident_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["public_incident_id"],
            ["publicincident.id"],
            name=op.f("fk_publicupdate_public_incident_id_publicincident"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publicupdate")),
    )
    with op.batch_alter_table("publicupdate", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_publicupdate_public_incident_id"), ["public_incident_id"], unique=False
        )

    op.create_table(
        "componentstate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("component", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_id", sa.Integer(), nullable=True),
        sa.Column("maintenance_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["maintenance_id"],
            ["maintenance.id"],
            name=op.f("fk_componentstate_maintenance_id_maintenance"),
        ),
        sa.ForeignKeyConstraint(
            ["update_id"],
            ["publicupdate.id"],
            name=op.f("fk_componentstate_update_id_publicupdate"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_componentstate")),
    )
    with op.batch_alter_table("componentstate", schema=None) as batch_op:
        batch_op.create_index("ix_componentstate_component_at", ["component", "at"], unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("componentstate", schema=None) as batch_op:
        batch_op.drop_index("ix_componentstate_component_at")

    op.drop_table("componentstate")
    with op.batch_alter_table("publicupdate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicupdate_public_incident_id"))

    op.drop_table("publicupdate")
    with op.batch_alter_table("publicincident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publicincident_status"))
        batch_op.drop_index(batch_op.f("ix_publicincident_created_at"))

    op.drop_table("publicincident")
    with op.batch_alter_table("maintenance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_maintenance_status"))
        batch_op.drop_index(batch_op.f("ix_maintenance_starts_at"))

    op.drop_table("maintenance")
