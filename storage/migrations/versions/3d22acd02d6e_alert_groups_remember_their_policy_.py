"""alert groups remember their policy; pages move to escalations

Revision ID: 3d22acd02d6e
Revises: 0a8e2f4cff9b
Create Date: 2026-12-04 20:36:01.205656
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "3d22acd02d6e"
down_revision: str | Sequence[str] | None = "0a8e2f4cff9b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _copy_pages() -> None:
    """Each incident's pages become one escalation (its targets as one level, no timeout),
    a Slack notification per page and an acknowledgement per acknowledged page."""
    bind = op.get_bind()
    meta = sa.MetaData()
    page = sa.Table("page", meta, autoload_with=bind)
    escalation = sa.Table("escalation", meta, autoload_with=bind)
    notification = sa.Table("notification", meta, autoload_with=bind)
    acknowledgement = sa.Table("pageacknowledgement", meta, autoload_with=bind)
    rows = bind.execute(sa.select(page).order_by(page.c.incident_id, page.c.id)).mappings().all()
    by_incident: dict[int, list[Any]] = {}
    for row in rows:
        by_incident.setdefault(row["incident_id"], []).append(row)
    for incident_id, pages in by_incident.items():
        acked = [p for p in pages if p["acknowledged_at"] is not None]
        first = min(acked, key=lambda p: p["acknowledged_at"]) if acked else None
        inserted = bind.execute(
            escalation.insert().values(
                incident_id=incident_id,
                policy="",
                levels=[{"targets": [p["target"] for p in pages], "timeout": None}],
                repeat=0,
                level=0,
                loop=0,
                state="acknowledged" if first else "ended",
                reason="an alert",
                message="",
                condition={},
                created_at=pages[0]["created_at"],
                acknowledged_at=first["acknowledged_at"] if first else None,
                acknowledged_by=first["acknowledged_by"] if first else None,
            )
        )
        key = inserted.inserted_primary_key
        assert key is not None
        escalation_id = key[0]
        for p in pages:
            bind.execute(
                notification.insert().values(
                    escalation_id=escalation_id,
                    incident_id=incident_id,
                    target=p["target"],
                    method="slack",
                    purpose="page",
                    level=0,
                    loop=0,
                    address="",
                    state="sent" if p["sent_at"] else "cancelled",
                    due_at=p["created_at"],
                    sent_at=p["sent_at"],
                    provider_id="",
                    detail="",
                    messages=p["messages"] or [],
                    created_at=p["created_at"],
                )
            )
        if first is not None:
            bind.execute(
                acknowledgement.insert().values(
                    escalation_id=escalation_id,
                    incident_id=incident_id,
                    user=first["acknowledged_by"] or "",
                    via="slack",
                    at=first["acknowledged_at"],
                )
            )


def upgrade() -> None:
    """Apply this revision."""
    _copy_pages()
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_page_incident_id"))
        batch_op.drop_index(batch_op.f("ix_page_sent_at"))

    op.drop_table("page")
    with op.batch_alter_table("alertgroup", schema=None) as batch_op:
        batch_op.add_column(sa.Column("escalation", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("alertgroup", schema=None) as batch_op:
        batch_op.drop_column("escalation")

    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("target", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_page_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page")),
        sa.UniqueConstraint("incident_id", "target", name=op.f("uq_page_incident_id_target")),
    )
    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_page_sent_at"), ["sent_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_page_incident_id"), ["incident_id"], unique=False)
