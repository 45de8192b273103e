"""incidents keep their status update marks

Each incident now counts, as its `update` and `update_missed` timeline events are written, the
status updates posted on time (no reminder since the update before, or the declaration), the
update reminders sent, and when the last reminder was sent: insights read those instead of
walking the timeline. Existing incidents get them from their timeline here, by the same rule.

Revision ID: 72f43baadeb5
Revises: 1be59e7ff6c8
Create Date: 2026-12-05 04:10:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "72f43baadeb5"
down_revision: str | Sequence[str] | None = "1be59e7ff6c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 1000


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("updates_on_time", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("updates_missed", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("last_update_reminder_at", sa.DateTime(timezone=True), nullable=True)
        )
    _count_marks(op.get_bind())


def _count_marks(connection: sa.Connection) -> None:
    """Each incident's marks from its timeline, in the order the events happened."""
    marks = connection.execute(
        sa.text(
            "SELECT incident_id, kind, occurred_at FROM timelineevent"
            " WHERE kind IN ('update', 'update_missed')"
            " ORDER BY incident_id, occurred_at, id"
        )
    )
    counted: dict[int, dict[str, Any]] = {}
    reminded: dict[int, bool] = {}
    for incident_id, kind, occurred_at in marks:
        row = counted.setdefault(
            incident_id, {"id": incident_id, "on_time": 0, "missed": 0, "reminded_at": None}
        )
        if kind == "update":
            row["on_time"] += 0 if reminded.get(incident_id) else 1
            reminded[incident_id] = False
        else:
            row["missed"] += 1
            row["reminded_at"] = occurred_at
            reminded[incident_id] = True
    update = sa.text(
        "UPDATE incident SET updates_on_time = :on_time, updates_missed = :missed,"
        " last_update_reminder_at = :reminded_at WHERE id = :id"
    )
    rows = list(counted.values())
    for start in range(0, len(rows), BATCH):
        connection.execute(update, rows[start : start + BATCH])


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("last_update_reminder_at")
        batch_op.drop_column("updates_missed")
        batch_op.drop_column("updates_on_time")
