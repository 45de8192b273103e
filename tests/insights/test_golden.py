"""The golden data set (tests/insights/golden_data.py) stored in a real database and read back
by the service: every figure below was worked out by hand from the rules in that module's
docstring, to the second, in America/New_York (November 2026 holds the end of daylight
saving time).

Spreads are nearest-rank: with n = 48 the median is the 24th value and p90 the 44th
(ceil(0.9 x 48) = 44); with n = 39, the 20th and 36th.
"""

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from golden_data import NOW, ZONE, store_golden
from sqlalchemy.engine import Engine

from bot.insights.definitions import (
    ActionItems,
    Filters,
    Insights,
    MetricName,
    PersonLoad,
    Reviews,
    ServiceReliability,
    Share,
    Spread,
)
from bot.insights.service import InsightsService
from storage.enums import Severity

MONTH_SECONDS = 30 * 86400 + 3600  # November in New York: 30 days and the hour given back


def hours_port(start: datetime, end: datetime) -> Mapping[str, float]:
    """On-call hours as the wiring's port gives them (only November is asked for here)."""
    assert (start, end) in {
        (datetime(2026, 11, 1, 4, tzinfo=UTC), datetime(2026, 12, 1, 5, tzinfo=UTC)),
        (datetime(2026, 10, 1, 4, tzinfo=UTC), datetime(2026, 11, 1, 4, tzinfo=UTC)),
    }
    return {"U_A": 100.0, "U_D": 12.5} if start.month == 11 else {}


@pytest.fixture
def service(engine: Engine) -> InsightsService:
    store_golden(engine)
    return InsightsService(engine, clock=lambda: NOW, zone=ZONE, on_call_hours=hours_port)


@pytest.fixture
async def november(service: InsightsService) -> Insights:
    return await service.insights(service.month(2026, 11))


def rounded(spread: Spread) -> tuple[int, int | None, int | None, int | None]:
    """n, and mean, median and p90 to the second."""

    def second(value: float | None) -> int | None:
        return None if value is None else round(value)

    return spread.n, second(spread.mean_s), second(spread.median_s), second(spread.p90_s)


def test_the_month_is_cut_in_new_york_time(service: InsightsService) -> None:
    month = service.month(2026, 11)
    assert (month.start, month.end) == (
        datetime(2026, 11, 1, 4, tzinfo=UTC),  # 00:00 EDT
        datetime(2026, 12, 1, 5, tzinfo=UTC),  # 00:00 EST
    )
    assert (month.end - month.start).total_seconds() == MONTH_SECONDS


async def test_spreads_to_the_second(november: Insights) -> None:
    metrics = november.metrics
    assert rounded(metrics[MetricName.MTTA]) == (48, 1560, 1500, 2820)
    assert rounded(metrics[MetricName.MTTI]) == (39, 3120, 3120, 5640)
    assert rounded(metrics[MetricName.MTTM]) == (48, 5149, 5040, 9000)
    assert metrics[MetricName.MTTM].mean_s == pytest.approx(5148.75)
    assert rounded(metrics[MetricName.MTTR]) == (48, 6840, 6600, 11880)
    assert rounded(metrics[MetricName.DECLARED_TO_RESOLVED]) == (48, 6740, 6600, 11820)


async def test_counts_leave_out_drills_and_other_months(november: Insights) -> None:
    assert (november.incidents, november.drills) == (52, 6)
    assert [(c.key, c.count) for c in november.by_severity] == [
        ("sev1", 6),
        ("sev2", 11),
        ("sev3", 20),
        ("sev4", 15),
    ]
    assert [(c.key, c.count) for c in november.by_source] == [
        ("manual", 18),
        ("alert", 17),
        ("github", 17),
    ]
    assert [(c.key, c.count) for c in november.by_service] == [("api", 26), ("web", 26), ("db", 7)]
    # Weeks start on Monday in New York; 1 November is a Sunday.
    assert [(c.key, c.count) for c in november.per_week] == [
        ("2026-10-26", 2),
        ("2026-11-02", 13),
        ("2026-11-09", 13),
        ("2026-11-16", 13),
        ("2026-11-23", 11),
        ("2026-11-30", 0),
    ]
    assert [(c.key, c.count) for c in november.per_month] == [("2026-11", 52)]
    assert sum(c.count for c in november.per_week_by_severity["sev1"]) == 6


async def test_acknowledgement_updates_actions_and_reviews(november: Insights) -> None:
    assert november.unacknowledged == 4
    assert november.ack_targets_breached == 5
    assert november.updates_on_time == Share(26, 42)
    assert november.actions == ActionItems(open=22, overdue=11, done=11)
    assert november.reviews == Reviews(due=24, on_time=12, late=7, not_reviewed=5)


async def test_pages_per_person_and_off_hours(november: Insights) -> None:
    # One page per person and level whatever the methods; a failed group try is no page.
    assert november.people == (
        PersonLoad("U_A", pages=13, off_hours_pages=10, hours_on_call=100.0),
        PersonLoad("U_B", pages=13, off_hours_pages=8, hours_on_call=0.0),
        PersonLoad("U_D", pages=0, off_hours_pages=0, hours_on_call=12.5),
    )


async def test_mtbf_per_service(november: Insights) -> None:
    by_name = {s.service: s for s in november.services}
    assert set(by_name) == {"api", "web", "db"}
    assert by_name["db"] == ServiceReliability("db", 7, 51240.0, 363480.0)
    # api: INC-52 open from 3 Nov 22:10 UTC to the month's end, INC-48 and INC-50 before it.
    assert (by_name["api"].incidents, by_name["api"].impact_s) == (26, 2382120.0)
    assert by_name["api"].mtbf_s == pytest.approx((MONTH_SECONDS - 2382120) / 26)
    assert round(by_name["api"].mtbf_s or 0) == 8211
    assert (by_name["web"].incidents, by_name["web"].impact_s) == (26, 1798320.0)
    assert round(by_name["web"].mtbf_s or 0) == 30665


async def test_filters_keep_severities_and_services(service: InsightsService) -> None:
    month = service.month(2026, 11)
    sev1 = await service.insights(month, Filters(severities=(Severity.SEV1,)))
    # k = 1, 11, 21, 31, 41, 51: MTTA 1, 11, 21, 31, 41, 51 minutes.
    assert (sev1.incidents, rounded(sev1.metrics[MetricName.MTTA])) == (6, (6, 1560, 1260, 3060))
    db = await service.insights(month, Filters(services=("db",)))
    # k = 7, 14, ..., 49: MTTR 4k + 10 minutes.
    assert (db.incidents, rounded(db.metrics[MetricName.MTTR])) == (7, (7, 7320, 7320, 12360))


async def test_monthly_report_compares_with_october(service: InsightsService) -> None:
    report = await service.monthly_report(2026, 11)
    assert len(report.rows) == 52 and not any(row.drill for row in report.rows)
    previous = report.trend.previous
    # October: 31 Oct 23:30 EDT, 15 Oct, and the one detected on 31 October at 23:50 EDT.
    assert previous.incidents == 3
    assert rounded(previous.metrics[MetricName.MTTA]) == (3, 35940, 35940, 35940)
    assert rounded(previous.metrics[MetricName.MTTR]) == (3, 60600, 60000, 61800)
    assert report.history is not None
    assert [c.key for c in report.history.per_month] == [
        "2026-06",
        "2026-07",
        "2026-08",
        "2026-09",
        "2026-10",
        "2026-11",
    ]
    assert [c.count for c in report.history.per_month] == [0, 0, 0, 1, 3, 52]


async def test_a_trend_compares_with_the_previous_periods_own_headlines(
    service: InsightsService,
) -> None:
    # A trend reads the period before by its headlines only (no pages or action items): the
    # same figures as that period's whole tally, filtered or not.
    november, october = service.month(2026, 11), service.month(2026, 10)
    trend = await service.trend(november)
    assert trend.previous == (await service.insights(october)).headlines
    assert trend.previous.incidents == 3 and trend.previous.updates_on_time.whole == 9
    sev2 = Filters(severities=(Severity.SEV2,))
    assert (await service.trend(november, sev2)).previous == (
        await service.insights(october, sev2)
    ).headlines
    report = await service.monthly_report(2026, 11)
    assert report.trend.previous == report.previous.headlines


async def test_the_incident_spanning_the_clock_change(service: InsightsService) -> None:
    rows = await service.incidents(service.month(2026, 11), search="Golden incident 47")
    (row,) = rows
    # 01:10 EDT to 03:28 EST: 2 h 18 min on the wall clock, 3 h 18 min really.
    assert row.detected_at == datetime(2026, 11, 1, 5, 10, tzinfo=UTC)
    assert row.durations[MetricName.MTTR] == 198 * 60
