"""Where incidents are shown moves off the incident; the inbox, the outbox and plain text.

- `incidentsurface` takes the Slack channel, status message, topic, digest post, shared
  postmortem and all-resolved notice that were columns of `incident` and `alertgroup`.
- `inboxitem` (acknowledged requests) replaces `processedevent`; `effect` is the outbox: the
  retry bookkeeping of reminders, pages and offers moves there, and what was still unsent
  becomes a pending effect.
- Timeline events and status updates hold plain text: Slack mentions become `@<id>` with the id
  in `mentions`; alert titles lose the mrkdwn escaping they were stored with.

Revision ID: 4833644baa7c
Revises: 48201f89be6c
Create Date: 2026-12-04 14:31:32.636562
"""

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "4833644baa7c"
down_revision: str | Sequence[str] | None = "48201f89be6c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP = re.compile(r"<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>")
_ALERT_EVENTS = ("alert_fired", "alert_resolved")
MAX_ATTEMPTS = 5


def upgrade() -> None:
    """Apply this revision."""
    _create_tables()
    for table in ("timelineevent", "statusupdate"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("mentions", sa.JSON(), nullable=False, server_default="[]")
            )
    bind = op.get_bind()
    now = datetime.now(UTC)
    _move_surfaces(bind, now)
    _move_pending_work(bind, now)
    _plain_text(bind)
    _drop_old_columns()


def _create_tables() -> None:
    op.create_table(
        "effect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("stream", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("next_try_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_effect")),
        sa.UniqueConstraint("key", name=op.f("uq_effect_key")),
    )
    with op.batch_alter_table("effect", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_effect_done_at"), ["done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_effect_next_try_at"), ["next_try_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_effect_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_effect_stream"), ["stream"], unique=False)

    op.create_table(
        "inboxitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inboxitem")),
        sa.UniqueConstraint("key", name=op.f("uq_inboxitem_key")),
    )
    with op.batch_alter_table("inboxitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inboxitem_done_at"), ["done_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_inboxitem_received_at"), ["received_at"], unique=False)

    op.create_table(
        "incidentsurface",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("surface", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel_id", sa.String(length=80), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incidentsurface_incident_id_incident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidentsurface")),
        sa.UniqueConstraint(
            "incident_id",
            "surface",
            "kind",
            name=op.f("uq_incidentsurface_incident_id_surface_kind"),
        ),
        sa.UniqueConstraint(
            "surface",
            "kind",
            "channel_id",
            "ts",
            name=op.f("uq_incidentsurface_surface_kind_channel_id_ts"),
        ),
    )
    with op.batch_alter_table("incidentsurface", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidentsurface_incident_id"), ["incident_id"], unique=False
        )


def _drop_old_columns() -> None:
    with op.batch_alter_table("processedevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processedevent_received_at"))

    op.drop_table("processedevent")
    with op.batch_alter_table("alertgroup", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alertgroup_offer_dirty"))
        batch_op.drop_column("offer_claimed_until")
        batch_op.drop_column("resolved_notice_ts")
        batch_op.drop_column("offer_dirty")
        batch_op.drop_column("offer_attempts")

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        batch_op.drop_constraint(batch_op.f("uq_incident_channel_id"), type_="unique")
        batch_op.drop_column("digest_ts")
        batch_op.drop_column("digest_channel_id")
        batch_op.drop_column("postmortem_permalink")
        batch_op.drop_column("postmortem_file_id")
        batch_op.drop_column("status_ts")
        batch_op.drop_column("channel_name")
        batch_op.drop_column("channel_id")
        batch_op.drop_column("channel_topic")
        batch_op.drop_column("status_pinned")

    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.drop_column("attempts")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("last_error")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_sent_at"))
        batch_op.drop_column("sent_at")
        batch_op.drop_column("attempts")
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("last_error")

    with op.batch_alter_table("statusupdate", schema=None) as batch_op:
        batch_op.drop_column("message_ts")


def _surface_rows(incident: Any, notice_ts: str | None, now: datetime) -> list[dict[str, Any]]:
    """The surface rows one incident's old columns describe."""
    rows: list[dict[str, Any]] = []

    def add(kind: str, channel: str | None, ts: str | None, data: dict[str, Any]) -> None:
        rows.append(
            {
                "incident_id": incident.id,
                "surface": "slack",
                "kind": kind,
                "channel_id": channel or "",
                "ts": ts or "",
                "data": data,
                "updated_at": now,
            }
        )

    if incident.channel_id:
        data = {"name": incident.channel_name or "", "topic": incident.channel_topic}
        add("room", incident.channel_id, None, data)
        if incident.status_ts:
            add(
                "status",
                incident.channel_id,
                incident.status_ts,
                {"pinned": incident.status_pinned},
            )
        if incident.postmortem_file_id:
            data = {
                "file_id": incident.postmortem_file_id,
                "permalink": incident.postmortem_permalink,
            }
            add("postmortem", incident.channel_id, None, data)
        if notice_ts:
            add("alerts_notice", incident.channel_id, notice_ts, {})
    if incident.digest_channel_id and incident.digest_ts:
        add("announcement", incident.digest_channel_id, incident.digest_ts, {})
    return rows


def _move_surfaces(bind: sa.Connection, now: datetime) -> None:
    """Copy the Slack columns of `incident` and `alertgroup` into `incidentsurface`."""
    notices = {
        row.incident_id: row.resolved_notice_ts
        for row in bind.execute(
            sa.text(
                "SELECT incident_id, resolved_notice_ts FROM alertgroup "
                "WHERE incident_id IS NOT NULL AND resolved_notice_ts IS NOT NULL"
            )
        )
    }
    incidents = bind.execute(
        sa.text(
            "SELECT id, channel_id, channel_name, channel_topic, status_ts, status_pinned, "
            "digest_channel_id, digest_ts, postmortem_file_id, postmortem_permalink FROM incident"
        )
    ).all()
    rows = [r for i in incidents for r in _surface_rows(i, notices.get(i.id), now)]
    if rows:
        op.bulk_insert(_surface_table(), rows)


def _surface_table() -> sa.TableClause:
    return sa.table(
        "incidentsurface",
        sa.column("incident_id", sa.Integer),
        sa.column("surface", sa.String),
        sa.column("kind", sa.String),
        sa.column("channel_id", sa.String),
        sa.column("ts", sa.String),
        sa.column("data", sa.JSON),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )


def _effect(
    kind: str, key: str, stream: str, payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    return {
        "kind": kind,
        "key": key,
        "stream": stream,
        "payload": payload,
        "state": "pending",
        "attempts": 0,
        "created_at": now,
        "next_try_at": now,
    }


def _move_pending_work(bind: sa.Connection, now: datetime) -> None:
    """What was claimed but not yet delivered becomes a pending outbox effect."""
    effects: list[dict[str, Any]] = []
    for row in bind.execute(
        sa.text("SELECT id, incident_id FROM reminder WHERE sent_at IS NULL AND attempts < :n"),
        {"n": MAX_ATTEMPTS},
    ):
        stream = f"incident:{row.incident_id}"
        effects.append(
            _effect("reminder.deliver", f"reminder:{row.id}", stream, {"reminder_id": row.id}, now)
        )
    for row in bind.execute(
        sa.text("SELECT id, incident_id FROM page WHERE sent_at IS NULL AND attempts < :n"),
        {"n": MAX_ATTEMPTS},
    ):
        stream = f"incident:{row.incident_id}"
        effects.append(_effect("page.send", f"page:{row.id}", stream, {"page_id": row.id}, now))
    for row in bind.execute(sa.text("SELECT id FROM alertgroup WHERE offer_dirty")):
        stream = f"offer:{row.id}"
        effects.append(
            _effect("offer.show", f"offer:{row.id}:migrated", stream, {"group_id": row.id}, now)
        )
    for row in bind.execute(
        sa.text(
            "SELECT id, declared_by FROM incident WHERE channel_id IS NULL "
            "AND status NOT IN ('resolved', 'closed')"
        )
    ):
        payload = {"incident_id": row.id, "invite": [row.declared_by]}
        key = f"incident.publish:{row.id}:migrated"
        effects.append(_effect("incident.publish", key, f"incident:{row.id}", payload, now))
    if effects:
        table = sa.table(
            "effect",
            *(sa.column(name) for name in ("kind", "key", "stream", "state", "attempts")),
            sa.column("payload", sa.JSON),
            sa.column("created_at", sa.DateTime(timezone=True)),
            sa.column("next_try_at", sa.DateTime(timezone=True)),
        )
        op.bulk_insert(table, effects)


def plain_text(text: str) -> tuple[str, list[str]]:
    """Slack mentions in stored text as `@<id>`, and the ids mentioned, in order."""
    mentioned: list[str] = []

    def keep(match: re.Match[str]) -> str:
        mentioned.append(match.group(1))
        return "@" + match.group(1)

    text = _GROUP.sub(keep, _USER.sub(keep, text))
    return text, list(dict.fromkeys(mentioned))


def _plain_text(bind: sa.Connection) -> None:
    """Timeline and update text without Slack markup; alert titles without mrkdwn escapes."""
    for table in ("timelineevent", "statusupdate"):
        kind = "kind" if table == "timelineevent" else "'update' AS kind"
        rows = bind.execute(sa.text(f"SELECT id, {kind}, text FROM {table}")).all()
        for row in rows:
            text, mentions = plain_text(row.text)
            if row.kind in _ALERT_EVENTS:
                text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            if text == row.text and not mentions:
                continue
            statement = sa.text(
                f"UPDATE {table} SET text = :text, mentions = :mentions WHERE id = :id"
            )
            bind.execute(
                statement.bindparams(sa.bindparam("mentions", type_=sa.JSON)),
                {"text": text, "mentions": mentions, "id": row.id},
            )


def _restore_incident_columns(bind: sa.Connection) -> None:
    """Put the Slack channel, status message, digest and postmortem back on `incident`."""
    columns = {
        "room": {"channel_id": "channel_id"},
        "status": {"status_ts": "ts"},
        "announcement": {"digest_channel_id": "channel_id", "digest_ts": "ts"},
    }
    rows = bind.execute(
        sa.text("SELECT incident_id, kind, channel_id, ts, data FROM incidentsurface")
    ).all()
    for row in rows:
        values = {name: getattr(row, field) for name, field in columns.get(row.kind, {}).items()}
        data = json.loads(row.data) if isinstance(row.data, str) else dict(row.data or {})
        if row.kind == "room":
            values.update(channel_name=data.get("name"), channel_topic=data.get("topic"))
        elif row.kind == "status":
            values["status_pinned"] = bool(data.get("pinned"))
        elif row.kind == "postmortem":
            values.update(
                postmortem_file_id=data.get("file_id"),
                postmortem_permalink=data.get("permalink"),
            )
        if values:
            assignments = ", ".join(f"{name} = :{name}" for name in values)
            bind.execute(
                sa.text(f"UPDATE incident SET {assignments} WHERE id = :incident_id"),
                {**values, "incident_id": row.incident_id},
            )


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table("timelineevent", schema=None) as batch_op:
        batch_op.drop_column("mentions")

    with op.batch_alter_table("statusupdate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message_ts", sa.VARCHAR(length=32), nullable=True))
        batch_op.drop_column("mentions")

    with op.batch_alter_table("reminder", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_error", sa.VARCHAR(length=500), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.INTEGER(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f("ix_reminder_sent_at"), ["sent_at"], unique=False)

    with op.batch_alter_table("page", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_error", sa.VARCHAR(length=500), nullable=True))
        batch_op.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.INTEGER(), nullable=False, server_default="0"))

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status_pinned", sa.BOOLEAN(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("channel_topic", sa.VARCHAR(length=250), nullable=True))
        batch_op.add_column(sa.Column("channel_id", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("channel_name", sa.VARCHAR(length=80), nullable=True))
        batch_op.add_column(sa.Column("status_ts", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("postmortem_file_id", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("postmortem_permalink", sa.VARCHAR(length=1000), nullable=True)
        )
        batch_op.add_column(sa.Column("digest_channel_id", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(sa.Column("digest_ts", sa.VARCHAR(length=32), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_incident_channel_id"), ["channel_id"])
        batch_op.drop_column("version")

    with op.batch_alter_table("alertgroup", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offer_attempts", sa.INTEGER(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("offer_dirty", sa.BOOLEAN(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("resolved_notice_ts", sa.VARCHAR(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("offer_claimed_until", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            batch_op.f("ix_alertgroup_offer_dirty"), ["offer_dirty"], unique=False
        )

    op.create_table(
        "processedevent",
        sa.Column("event_id", sa.VARCHAR(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processedevent")),
    )
    with op.batch_alter_table("processedevent", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_processedevent_received_at"), ["received_at"], unique=False
        )

    _restore_incident_columns(op.get_bind())
    with op.batch_alter_table("incidentsurface", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidentsurface_incident_id"))

    op.drop_table("incidentsurface")
    with op.batch_alter_table("inboxitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inboxitem_received_at"))
        batch_op.drop_index(batch_op.f("ix_inboxitem_done_at"))

    op.drop_table("inboxitem")
    with op.batch_alter_table("effect", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_effect_stream"))
        batch_op.drop_index(batch_op.f("ix_effect_state"))
        batch_op.drop_index(batch_op.f("ix_effect_next_try_at"))
        batch_op.drop_index(batch_op.f("ix_effect_done_at"))

    op.drop_table("effect")
