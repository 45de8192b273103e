"""The migration that moved where incidents are shown off `incident`, with data in the tables:
nothing is lost on SQLite or PostgreSQL, pending work becomes outbox effects, stored text
loses its Slack markup, and downgrading puts the columns back."""

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Integer, MetaData, String, Text, create_engine, pool
from sqlalchemy.engine import Connection

from storage import migrate

BEFORE = "48201f89be6c"
SURFACES = "4833644baa7c"
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _neutral(column: Any) -> Any:
    """A value for a NOT NULL column the test does not care about."""
    if isinstance(column.type, Boolean):
        return False
    if isinstance(column.type, Integer):
        return 0
    if isinstance(column.type, JSON):
        return []
    if isinstance(column.type, String | Text):
        return ""
    return None


def _insert(connection: Connection, table: str, **values: Any) -> None:
    meta = MetaData()
    meta.reflect(connection, only=[table])
    reflected = meta.tables[table]
    row = {c.name: _neutral(c) for c in reflected.columns if not c.nullable and not c.primary_key}
    connection.execute(reflected.insert().values({**row, **values}))


def _fill_old_schema(url: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as c:
        common = {"severity": "sev2", "declared_by": "U1", "declared_at": NOW, "services": []}
        _insert(
            c,
            "incident",
            id=1,
            number=1,
            title="Shown",
            status="investigating",
            channel_id="C1",
            channel_name="inc-1-shown",
            channel_topic="SEV2 | topic",
            status_ts="1.1",
            status_pinned=True,
            digest_channel_id="C0INC",
            digest_ts="2.2",
            postmortem_file_id="F1",
            postmortem_permalink="https://x.example/F1",
            **common,
        )
        _insert(
            c, "incident", id=2, number=2, title="Never got a channel", status="triage", **common
        )
        _insert(
            c,
            "timelineevent",
            incident_id=1,
            kind="role_assigned",
            text="<@U2> is now scribe (set by <@U1|alex>)",
            occurred_at=NOW,
        )
        _insert(
            c,
            "timelineevent",
            incident_id=1,
            kind="paged",
            text="Paged <!subteam^S9|@oncall> by DM (2 sent)",
            occurred_at=NOW,
        )
        _insert(
            c,
            "timelineevent",
            incident_id=1,
            kind="alert_fired",
            text="Alert firing: R&amp;D &lt;db&gt; down",
            occurred_at=NOW,
        )
        _insert(
            c,
            "timelineevent",
            incident_id=1,
            kind="note",
            text="R&amp;D stays as typed",
            occurred_at=NOW,
        )
        _insert(
            c,
            "statusupdate",
            incident_id=1,
            text="ask <@U3>",
            author="U1",
            posted_at=NOW,
            status="investigating",
            severity="sev2",
            message_ts="3.3",
        )
        _insert(
            c,
            "reminder",
            id=7,
            incident_id=1,
            kind="update_due",
            due_at=NOW,
            seq=1,
            attempts=1,
            sent_at=None,
        )
        _insert(
            c,
            "reminder",
            id=8,
            incident_id=1,
            kind="ack_breach",
            due_at=NOW,
            seq=1,
            attempts=1,
            sent_at=NOW,
        )
        _insert(
            c,
            "alertgroup",
            id=5,
            source="alertmanager",
            group_key="g",
            episode=1,
            title="g",
            severity="sev2",
            action="declare",
            on_refire="reopen",
            incident_id=1,
            resolved_notice_ts="4.4",
            offer_dirty=True,
            page=[],
        )
        _insert(c, "page", id=9, incident_id=1, target="U4", created_at=NOW, attempts=0)
        _insert(c, "processedevent", event_id="Ev1", received_at=NOW)
    engine.dispose()


def _rows(url: str, query: str) -> list[Any]:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as c:
        rows = list(c.exec_driver_sql(query))
    engine.dispose()
    return rows


def test_the_surfaces_migration_keeps_every_row(blank_database_url: str) -> None:
    url = blank_database_url
    migrate.upgrade(url, BEFORE)
    _fill_old_schema(url)
    migrate.upgrade(url, SURFACES)

    places = _rows(
        url, "SELECT incident_id, surface, kind, channel_id, ts FROM incidentsurface ORDER BY kind"
    )
    assert [tuple(p) for p in places] == [
        (1, "slack", "alerts_notice", "C1", "4.4"),
        (1, "slack", "announcement", "C0INC", "2.2"),
        (1, "slack", "postmortem", "C1", ""),
        (1, "slack", "room", "C1", ""),
        (1, "slack", "status", "C1", "1.1"),
    ]
    texts = _rows(url, "SELECT text, mentions FROM timelineevent ORDER BY id")
    assert [t.text for t in texts] == [
        "@U2 is now scribe (set by @U1)",
        "Paged @S9 by DM (2 sent)",
        "Alert firing: R&D <db> down",
        "R&amp;D stays as typed",  # only alert titles were stored escaped
    ]
    assert [_list(t.mentions) for t in texts] == [["U2", "U1"], ["S9"], [], []]
    [update] = _rows(url, "SELECT text, mentions FROM statusupdate")
    assert update.text == "ask @U3" and _list(update.mentions) == ["U3"]
    effects = _rows(url, "SELECT kind, key, stream FROM effect ORDER BY id")
    assert [tuple(e) for e in effects] == [
        ("reminder.deliver", "reminder:7", "incident:1"),  # claimed, never sent
        ("page.send", "page:9", "incident:1"),
        ("offer.show", "offer:5:migrated", "offer:5"),
        ("incident.publish", "incident.publish:2:migrated", "incident:2"),  # no channel yet
    ]
    assert _rows(url, "SELECT count(*) FROM incident")[0][0] == 2


def test_downgrading_puts_the_columns_back(blank_database_url: str) -> None:
    url = blank_database_url
    migrate.upgrade(url, BEFORE)
    _fill_old_schema(url)
    migrate.upgrade(url, SURFACES)
    migrate.downgrade(url, BEFORE)
    [row] = _rows(
        url,
        "SELECT channel_id, channel_name, status_ts, status_pinned, digest_ts,"
        " postmortem_permalink FROM incident WHERE id = 1",
    )
    assert tuple(row) == ("C1", "inc-1-shown", "1.1", True, "2.2", "https://x.example/F1")
    migrate.upgrade(url)
    assert migrate.is_up_to_date(url)


def _list(value: Any) -> list[str]:
    return list(json.loads(value) if isinstance(value, str) else value)
