"""Pure insights rules: nearest-rank spreads and periods cut in a zone (DST months)."""

import math
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.insights.definitions import PeriodKind
from bot.insights.rules.pager import is_off_hours
from bot.insights.rules.periods import (
    month_period,
    parse_month,
    period_for,
    previous_period,
    weeks_in,
    zone_named,
)
from bot.insights.rules.spreads import nearest_rank, spread_of
from bot.kernel.errors import InvalidInput

durations = st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=200)


def test_nearest_rank_by_hand() -> None:
    assert spread_of([]).n == 0 and spread_of([]).median_s is None
    assert spread_of([10, None, 30, 20, 40]).n == 4
    # n = 4: median rank 2 (the lower middle), p90 rank ceil(3.6) = 4.
    assert (spread_of([40, 10, 30, 20]).median_s, spread_of([40, 10, 30, 20]).p90_s) == (20, 40)
    # n = 10: p90 rank 9, n = 11: rank ceil(9.9) = 10.
    assert nearest_rank(list(range(1, 11)), 90) == 9
    assert nearest_rank(list(range(1, 12)), 90) == 10
    assert spread_of([5, 7]).mean_s == 6


@given(durations)
def test_percentiles_are_values_that_happened_and_ordered(values: list[int]) -> None:
    spread = spread_of(values)
    ordered = sorted(values)
    assert spread.median_s in values and spread.p90_s in values
    assert ordered[0] <= (spread.median_s or 0) <= (spread.p90_s or 0) <= ordered[-1]
    # Nearest rank: at least p% of values are <= it, and fewer than p% are below it.
    for percent, found in ((50, spread.median_s), (90, spread.p90_s)):
        assert sum(v <= (found or 0) for v in values) >= percent / 100 * len(values)
        assert sum(v < (found or 0) for v in values) < percent / 100 * len(values)
    assert math.isclose(spread.mean_s or 0, sum(values) / len(values))


@pytest.mark.parametrize(
    ("zone", "year", "month", "hours"),
    [
        ("Europe/Berlin", 2026, 3, 31 * 24 - 1),  # clocks go forward on 29 March
        ("Europe/Berlin", 2026, 10, 31 * 24 + 1),  # and back on 25 October
        ("America/New_York", 2026, 3, 31 * 24 - 1),  # 8 March
        ("America/New_York", 2026, 11, 30 * 24 + 1),  # 1 November
        ("UTC", 2026, 2, 28 * 24),
    ],
)
def test_months_in_dst_zones_have_their_real_length(
    zone: str, year: int, month: int, hours: int
) -> None:
    period = month_period(year, month, zone)
    assert period.end - period.start == timedelta(hours=hours)
    local = period.start.astimezone(zone_named(zone))
    assert (local.day, local.hour, local.minute) == (1, 0, 0)


@given(st.integers(min_value=2000, max_value=2100), st.integers(min_value=1, max_value=12))
def test_months_tile_time(year: int, month: int) -> None:
    period = month_period(year, month, "Europe/Berlin")
    before = previous_period(period)
    assert before.end == period.start and before.kind == PeriodKind.MONTH
    assert all(w.weekday() == 0 for w in weeks_in(period))


def test_rolling_and_calendar_periods() -> None:
    now = datetime(2026, 11, 15, 12, 0, tzinfo=UTC)
    days = period_for("30d", now, "Europe/Berlin")
    assert (days.start, days.end) == (now - timedelta(days=30), now)
    assert previous_period(days).end == days.start
    quarter = period_for(PeriodKind.QUARTER, now, "Europe/Berlin")
    assert quarter.start == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # 1 Oct 00:00 CEST
    assert quarter.label == "Q4 2026 to date"
    before = previous_period(quarter)
    assert before.start == datetime(2026, 6, 30, 22, 0, tzinfo=UTC)
    assert before.end - before.start == quarter.end - quarter.start
    year = period_for("year", now, "America/New_York")
    assert year.start == datetime(2026, 1, 1, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["2w", "", "month-ish"])
def test_unknown_periods_are_refused_in_one_line(bad: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        period_for(bad, datetime(2026, 1, 1, tzinfo=UTC), "UTC")
    assert "\n" not in refused.value.message and "7d|30d|90d|quarter|year" in refused.value.message


@pytest.mark.parametrize("bad", ["2026-13", "2026-1", "26-11", "2026/11", "abcd-ef"])
def test_bad_months_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_month(bad)


def test_off_hours_are_outside_weekday_business_hours() -> None:
    berlin = zone_named("Europe/Berlin")
    monday_9 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert not is_off_hours(monday_9, berlin)
    assert is_off_hours(monday_9 - timedelta(seconds=1), berlin)
    assert is_off_hours(datetime(2026, 11, 2, 17, 0, tzinfo=UTC), berlin)  # 18:00 CET
    assert is_off_hours(datetime(2026, 11, 7, 11, 0, tzinfo=UTC), berlin)  # Saturday noon
