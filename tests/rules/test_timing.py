"""Durations and spans, including across a DST change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.kernel.timing import between, format_span, parse_duration, slack_ts_to_datetime


@pytest.mark.parametrize(
    ("text", "seconds"), [("45s", 45), ("30m", 1800), ("1h", 3600), ("2d", 172800), (" 5M ", 300)]
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "30", "0m", "-5m", "1w", "abc"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="45s, 30m or 1h"):
        parse_duration(text)


def test_between_is_real_time_across_dst() -> None:
    london = ZoneInfo("Europe/London")
    start = datetime(2026, 3, 29, 0, 30, tzinfo=london)  # GMT
    end = datetime(2026, 3, 29, 2, 30, tzinfo=london)  # BST: one real hour later
    assert between(start, end) == timedelta(hours=1)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(5, "5s"), (720, "12m"), (3 * 3600 + 300, "3h 05m"), (2 * 86400 + 4 * 3600, "2d 4h")],
)
def test_format_span(seconds: int, text: str) -> None:
    assert format_span(timedelta(seconds=seconds)) == text


def test_slack_ts_to_datetime_is_utc() -> None:
    assert slack_ts_to_datetime("1700000000.000100") == datetime(
        2023, 11, 14, 22, 13, 20, 100, tzinfo=UTC
    )
