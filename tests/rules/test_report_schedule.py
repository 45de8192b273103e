"""When the monthly report is due: the 1st at the report time on the team's wall clock, in UTC
as the zone's offset says that day (daylight saving included); only the month just ended, and
only while it is recent."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.insights.rules.report_schedule import (
    due_at,
    is_recent,
    last_due,
    month_key,
    parse_report_time,
    reported_month,
)
from bot.kernel.errors import InvalidInput

PARIS = ZoneInfo("Europe/Paris")
SYDNEY = ZoneInfo("Australia/Sydney")
NINE = time(9, 0)


def test_the_due_instant_follows_the_zone_offset_of_the_day() -> None:
    assert due_at(2026, 3, NINE, PARIS) == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)  # CET
    assert due_at(2026, 4, NINE, PARIS) == datetime(2026, 4, 1, 7, 0, tzinfo=UTC)  # CEST


def test_before_the_time_on_the_first_the_last_due_is_a_month_earlier() -> None:
    just_before = datetime(2026, 4, 1, 6, 59, 59, tzinfo=UTC)  # 08:59:59 in Paris
    assert last_due(just_before, NINE, PARIS) == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    at_nine = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    assert last_due(at_nine, NINE, PARIS) == at_nine
    mid_month = datetime(2026, 4, 17, 12, 0, tzinfo=UTC)
    assert last_due(mid_month, NINE, PARIS) == at_nine


def test_the_report_is_about_the_month_that_just_ended() -> None:
    assert reported_month(datetime(2026, 4, 1, 7, 0, tzinfo=UTC), PARIS) == (2026, 3)
    # 1 January 09:00 in Paris is still 31 December in UTC: the zone decides.
    new_year = due_at(2027, 1, NINE, PARIS)
    assert new_year == datetime(2027, 1, 1, 8, 0, tzinfo=UTC)
    assert reported_month(new_year, PARIS) == (2026, 12)
    late_evening = due_at(2027, 1, time(0, 30), PARIS)
    assert late_evening.date().isoformat() == "2026-12-31"
    assert reported_month(late_evening, PARIS) == (2026, 12)
    assert month_key(2026, 3) == "2026-03"


def test_a_time_in_a_daylight_saving_gap_comes_after_the_gap() -> None:
    # Sydney springs forward at 02:00 on 1 October 2028: 02:30 does not exist that day.
    due = due_at(2028, 10, time(2, 30), SYDNEY)
    assert due == datetime(2028, 9, 30, 16, 30, tzinfo=UTC)  # 03:30 AEDT
    assert due.astimezone(SYDNEY).strftime("%H:%M %Z") == "03:30 AEDT"


def test_a_time_that_happens_twice_is_its_first_occurrence() -> None:
    # Sydney falls back at 03:00 on 1 April 2029: 02:30 happens twice; the first is AEDT.
    due = due_at(2029, 4, time(2, 30), SYDNEY)
    assert due == datetime(2029, 3, 31, 15, 30, tzinfo=UTC)
    assert due.astimezone(SYDNEY).strftime("%H:%M %Z") == "02:30 AEDT"


def test_only_a_recent_due_instant_is_posted_for() -> None:
    due = datetime(2026, 4, 1, 7, 0, tzinfo=UTC)
    window = timedelta(days=1)
    assert is_recent(due, due, window)
    assert is_recent(due, due + window, window)
    assert not is_recent(due, due + window + timedelta(seconds=1), window)
    assert not is_recent(due, due - timedelta(seconds=1), window)


@pytest.mark.parametrize("text", ["9", "25:00", "09:60", "nine", ""])
def test_a_report_time_that_is_not_a_time_of_day_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a time of day like 09:00"):
        parse_report_time(text)


def test_report_times_are_read_as_given() -> None:
    assert parse_report_time("09:00") == NINE
    assert parse_report_time(" 7:05 ") == time(7, 5)
