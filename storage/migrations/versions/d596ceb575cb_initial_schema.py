"""Initial schema: incidents, roles, timeline, updates, failed steps, seen events, counters.

Revision ID: d596ceb575cb
Revises: nothing, this is the first revision
Create Date: 2026-11-25 02:47:31.275537
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d596ceb575cb"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("declared_by", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("channel_id", sa.String(length=32), nullable=True),
        sa.Column("channel_name", sa.String(length=80), nullable=True),
        sa.Column("status_ts", sa.String(length=32), nullable=True),
        sa.Column("status_pinned", sa.Boolean(), nullable=False),
        sa.Column("channel_topic", sa.String(length=250), nullable=True),
        sa.Column("digest_channel_id", sa.String(length=32), nullable=True),
        sa.Column("digest_ts", sa.String(length=32), nullable=True),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("declared_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mitigated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_update_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("update_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("missed_updates", sa.Integer(), nullable=False),
        sa.Column("ack_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ack_breached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("commander_reminder_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
        sa.UniqueConstraint("channel_id", name=op.f("uq_incident_channel_id")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_incident_idempotency_key")),
    )
    for column in ("update_reminder_at", "ack_due_at", "commander_reminder_at"):
        op.create_index(op.f(f"ix_incident_{column}"), "incident", [column], unique=False)
    op.create_index(op.f("ix_incident_number"), "incident", ["number"], unique=True)
    op.create_index(op.f("ix_incident_status"), "incident", ["status"], unique=False)

    counter = op.create_table(
        "counter",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_counter")),
    )
    op.bulk_insert(counter, [{"name": "incident", "value": 0}])
    op.create_table(
        "processedevent",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processedevent")),
    )
    op.create_table(
        "incidentrole",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("assigned_by", sa.String(length=32), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incidentrole_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidentrole")),
        sa.UniqueConstraint(
            "incident_id", "role", "user_id", name=op.f("uq_incidentrole_incident_id_role_user_id")
        ),
    )
    op.create_index(
        op.f("ix_incidentrole_incident_id"), "incidentrole", ["incident_id"], unique=False
    )

    op.create_table(
        "sideeffectfailure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_sideeffectfailure_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sideeffectfailure")),
    )
    op.create_index(
        op.f("ix_sideeffectfailure_incident_id"), "sideeffectfailure", ["incident_id"], unique=False
    )

    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_reminder_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "incident_id", "kind", "due_at", name=op.f("uq_reminder_incident_id_kind_due_at")
        ),
    )
    op.create_index(op.f("ix_reminder_incident_id"), "reminder", ["incident_id"], unique=False)
    op.create_index(op.f("ix_reminder_sent_at"), "reminder", ["sent_at"], unique=False)

    op.create_table(
        "statusupdate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_statusupdate_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statusupdate")),
    )
    op.create_index(
        op.f("ix_statusupdate_incident_id"), "statusupdate", ["incident_id"], unique=False
    )

    op.create_table(
        "timelineevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_ts", sa.String(length=32), nullable=True),
        sa.Column("permalink", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_timelineevent_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timelineevent")),
        sa.UniqueConstraint(
            "incident_id", "source_ts", name=op.f("uq_timelineevent_incident_id_source_ts")
        ),
    )
    op.create_index(
        op.f("ix_timelineevent_incident_id"), "timelineevent", ["incident_id"], unique=False
    )


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index(op.f("ix_timelineevent_incident_id"), table_name="timelineevent")
    op.drop_table("timelineevent")

    op.drop_index(op.f("ix_reminder_sent_at"), table_name="reminder")
    op.drop_index(op.f("ix_reminder_incident_id"), table_name="reminder")
    op.drop_table("reminder")

    op.drop_index(op.f("ix_statusupdate_incident_id"), table_name="statusupdate")
    op.drop_table("statusupdate")

    op.drop_index(op.f("ix_sideeffectfailure_incident_id"), table_name="sideeffectfailure")
    op.drop_table("sideeffectfailure")

    op.drop_index(op.f("ix_incidentrole_incident_id"), table_name="incidentrole")
    op.drop_table("incidentrole")

    op.drop_table("processedevent")
    op.drop_table("counter")

    op.drop_index(op.f("ix_incident_status"), table_name="incident")
    op.drop_index(op.f("ix_incident_number"), table_name="incident")
    for column in ("update_reminder_at", "ack_due_at", "commander_reminder_at"):
        op.drop_index(op.f(f"ix_incident_{column}"), table_name="incident")
    op.drop_table("incident")
