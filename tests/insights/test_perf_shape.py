"""The shape of insights' reads, which keeps them fast at 10,000 incidents (bench/insights_report.py
times them): a fixed number of statements per call whatever the number of incidents, one
read for a trend's two periods, and figures worked out on integer microseconds that agree
with the datetime definitions they replace.

No timing here: statements are counted with SQLAlchemy's events, and the fast paths are
compared value for value with the slow ones.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from golden_data import NOW, ZONE, store_golden
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.insights.rules.pager import is_off_hours, off_hours_at
from bot.insights.rules.periods import LocalClock, month_of, week_of
from bot.insights.service import InsightsService

# Zones with whole-hour, half-hour (Lord Howe: a 30-minute shift) and no clock changes.
ZONES = ("America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata")


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run on `engine` inside the block (transaction control aside)."""
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def selects(statements: list[str]) -> list[str]:
    """The statements that read insights' tables (not the session's own set-up)."""
    return [s for s in statements if s.lstrip().upper().startswith("SELECT") and "FROM" in s]


@pytest.fixture
def service(engine: Engine) -> InsightsService:
    store_golden(engine)
    return InsightsService(engine, clock=lambda: NOW, zone=ZONE)


async def test_a_trend_reads_both_periods_in_three_statements(
    service: InsightsService, engine: Engine
) -> None:
    period = service.month(2026, 11)
    with counted(engine) as statements:
        trend = await service.trend(period)
    # The incidents of both periods (their update marks on their rows), then the current
    # period's action items and pages (the period before is compared by its headlines).
    assert len(selects(statements)) == 3, statements
    assert (trend.current.incidents, trend.previous.incidents) == (52, 3)


async def test_statements_do_not_grow_with_the_incidents(
    service: InsightsService, engine: Engine
) -> None:
    # November holds 58 incidents (drills included), the year to date 64: the same count.
    with counted(engine) as month:
        await service.insights(service.month(2026, 11))
    with counted(engine) as year:
        await service.insights(service.period("year"))
    assert len(selects(month)) == len(selects(year)) == 3


async def test_the_monthly_report_reads_six_months_in_three_statements(
    service: InsightsService, engine: Engine
) -> None:
    with counted(engine) as statements:
        report = await service.monthly_report(2026, 11)
    assert len(selects(statements)) == 3, statements
    assert report.history is not None and report.history.incidents == 56


async def test_report_rows_agree_with_the_incident_list(service: InsightsService) -> None:
    """The report's rows (the month's incidents, in order) are the incident list's (searched,
    newest first), drills left out of both."""
    month = service.month(2026, 11)
    report = await service.monthly_report(2026, 11)
    listed = await service.incidents(month, limit=1000, drills=False)
    by_number = sorted(listed, key=lambda row: row.number)
    assert sorted(report.rows, key=lambda row: row.number) == by_number
    # The report lists them by impact start, as the CSV always did.
    starts = [row.detected_at for row in report.rows]
    assert starts == sorted(starts)  # type: ignore[type-var]


def instants_around_clock_changes(zone: ZoneInfo) -> list[datetime]:
    """Every 7.5 minutes over two days around each of 2026's clock changes in `zone` (or
    two plain days), plus instants a microsecond either side of local 09:00 and 18:00."""
    found: list[datetime] = []
    hour = timedelta(hours=1)
    at = datetime(2026, 1, 1, tzinfo=UTC)
    changes = []
    while at < datetime(2027, 1, 1, tzinfo=UTC):
        if (at + hour).astimezone(zone).utcoffset() != at.astimezone(zone).utcoffset():
            changes.append(at)
        at += hour
    for change in changes or [datetime(2026, 3, 1, tzinfo=UTC)]:
        start = change - timedelta(days=1)
        found += [start + timedelta(minutes=7.5 * i) for i in range(2 * 24 * 8)]
        for day in (change - timedelta(days=1), change, change + timedelta(days=1)):
            local = day.astimezone(zone)
            for hours in (9, 18):
                edge = local.replace(hour=hours, minute=0, second=0, microsecond=0)
                found += [edge + timedelta(microseconds=d) for d in (-1, 0, 1)]
    return found


@pytest.mark.parametrize("name", ZONES)
def test_the_local_clock_reads_as_astimezone_does(name: str) -> None:
    zone = ZoneInfo(name)
    clock = LocalClock(zone)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    for instant in instants_around_clock_changes(zone):
        micros = (instant.astimezone(UTC) - epoch) // timedelta(microseconds=1)
        expected = (week_of(instant, zone).isoformat(), month_of(instant, zone))
        assert clock.week_and_month(micros) == expected, instant
        assert off_hours_at(clock.wall(micros)) == is_off_hours(instant, zone), instant
