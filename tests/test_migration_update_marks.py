"""The migration that keeps each incident's status update marks on its row, with data in the
tables: the counts come from the timeline in the order the events happened (not the order they
were written), by the rule the app now follows as it writes them, on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta

from migration_rows import insert_row, table_rows
from sqlalchemy import create_engine, pool

from storage import migrate

BEFORE = "1be59e7ff6c8"
AFTER = "72f43baadeb5"
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_each_incident_gets_its_updates_on_time_and_reminders_from_its_timeline(
    blank_database_url: str,
) -> None:
    url = blank_database_url
    migrate.upgrade(url, BEFORE)
    engine = create_engine(url, poolclass=pool.NullPool)
    minutes = [NOW + timedelta(minutes=m) for m in range(10)]
    with engine.begin() as c:
        common = {"severity": "sev2", "declared_by": "U1", "declared_at": NOW, "status": "fixing"}
        for number in (1, 2, 3):
            insert_row(c, "incident", id=number, number=number, title=f"I{number}", **common)
        # Incident 1, in time order: update (on time), two reminders, update (late), note,
        # update (on time). Written out of order: the times decide.
        for kind, at in (
            ("update", minutes[5]),
            ("update_missed", minutes[2]),
            ("update", minutes[1]),
            ("note", minutes[6]),
            ("update_missed", minutes[3]),
            ("update", minutes[7]),
        ):
            insert_row(c, "timelineevent", incident_id=1, kind=kind, occurred_at=at, text="")
        # Incident 2: a reminder and nothing after it. Incident 3: no marks at all.
        insert_row(c, "timelineevent", incident_id=2, kind="update_missed", occurred_at=NOW)
        insert_row(c, "timelineevent", incident_id=3, kind="note", occurred_at=NOW)
    migrate.upgrade(url, AFTER)
    with engine.begin() as c:
        rows = table_rows(c, "incident")
    engine.dispose()
    marks = [(r["updates_on_time"], r["updates_missed"]) for r in rows]
    assert marks == [(2, 2), (0, 1), (0, 0)]
    reminded = [r["last_update_reminder_at"] for r in rows]
    assert reminded[0] is not None and _utc(reminded[0]) == minutes[3]
    assert reminded[1] is not None and _utc(reminded[1]) == NOW
    assert reminded[2] is None
    migrate.upgrade(url)
    assert migrate.is_up_to_date(url)


def _utc(value: datetime | str) -> datetime:
    # SQLite hands back the stored text; PostgreSQL an aware datetime.
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
