"""The migration that moved pages into escalations, with data in the tables: each incident's
pages become one escalation with a Slack notification per page (where its DMs went kept, so an
acknowledgement can still edit them) and the first acknowledgement, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

from migration_rows import insert_row as _insert
from migration_rows import table_rows as _rows
from sqlalchemy import MetaData, create_engine, pool

from storage import migrate

BEFORE = "0a8e2f4cff9b"  # escalation tables made, the page table still there
AFTER = "3d22acd02d6e"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_pages_become_escalations_notifications_and_acknowledgements(
    blank_database_url: str,
) -> None:
    url = blank_database_url
    migrate.upgrade(url, BEFORE)
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as c:
        common = {"severity": "sev2", "declared_by": "U1", "declared_at": NOW, "status": "triage"}
        _insert(c, "incident", id=1, number=1, title="Acked", **common)
        _insert(c, "incident", id=2, number=2, title="Never acked", **common)
        acked_at = NOW + timedelta(minutes=3)
        _insert(
            c,
            "page",
            incident_id=1,
            target="U0BOB",
            created_at=NOW,
            sent_at=NOW,
            messages=[["D1", "1.1"]],
            acknowledged_at=acked_at,
            acknowledged_by="U0BOB",
        )
        _insert(
            c,
            "page",
            incident_id=1,
            target="S0SRE",
            created_at=NOW,
            sent_at=NOW,
            messages=[["D2", "2.2"], ["D3", "3.3"]],
            acknowledged_at=acked_at,
            acknowledged_by="U0BOB",
        )
        _insert(c, "page", incident_id=2, target="U0CAROL", created_at=NOW, messages=[])
    migrate.upgrade(url, AFTER)
    with engine.begin() as c:
        escalations = _rows(c, "escalation")
        notifications = _rows(c, "notification")
        acks = _rows(c, "pageacknowledgement")
        meta = MetaData()
        meta.reflect(c)
        tables = set(meta.tables)
    engine.dispose()
    assert "page" not in tables
    assert [(e["incident_id"], e["state"], e["acknowledged_by"]) for e in escalations] == [
        (1, "acknowledged", "U0BOB"),
        (2, "ended", None),
    ]
    assert escalations[0]["levels"] == [{"targets": ["U0BOB", "S0SRE"], "timeout": None}]
    assert [(n["target"], n["method"], n["state"], n["messages"]) for n in notifications] == [
        ("U0BOB", "slack", "sent", [["D1", "1.1"]]),
        ("S0SRE", "slack", "sent", [["D2", "2.2"], ["D3", "3.3"]]),
        ("U0CAROL", "slack", "cancelled", []),
    ]
    assert [(a["escalation_id"], a["user"], a["via"]) for a in acks] == [
        (escalations[0]["id"], "U0BOB", "slack")
    ]
    assert acks[0]["at"].astimezone(UTC) == acked_at
    migrate.upgrade(url)
    assert migrate.is_up_to_date(url)
