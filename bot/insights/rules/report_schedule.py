"""When the monthly report is due: the first day of each month at a wall-clock time in the team's
zone. Pure: the caller passes `now`, the zone and the time of day.

The due instant is the local wall-clock time resolved with `zoneinfo` (fold 0): a time that
falls in a daylight-saving gap comes out as the same instant as the time before the gap plus
the gap (09:30 that does not exist is read on the old offset, i.e. 10:30 on the new one), and a
time that happens twice is its first occurrence. So it moves with the zone's offset: 09:00 in
Paris is 08:00 UTC on the 1st of March and 07:00 UTC on the 1st of April.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.kernel.errors import InvalidInput

_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)")


def parse_report_time(text: str) -> time:
    """`09:00` as a time of day; InvalidInput otherwise."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise InvalidInput(f"{text!r} is not a time of day like 09:00")
    return time(int(match.group(1)), int(match.group(2)))


def due_at(year: int, month: int, at: time, zone: ZoneInfo) -> datetime:
    """The UTC instant the report for the month before `year`-`month` is due: that month's 1st
    at `at` on the local clock."""
    return datetime.combine(date(year, month, 1), at, tzinfo=zone).astimezone(UTC)


def last_due(now: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The latest due instant at or before `now`."""
    local = now.astimezone(zone)
    due = due_at(local.year, local.month, at, zone)
    if due <= now:
        return due
    year, month = _month_before(local.year, local.month)
    return due_at(year, month, at, zone)


def reported_month(due: datetime, zone: ZoneInfo) -> tuple[int, int]:
    """(year, month) the report due at `due` is about: the month that just ended."""
    local = due.astimezone(zone)
    return _month_before(local.year, local.month)


def is_recent(due: datetime, now: datetime, window: timedelta) -> bool:
    """Whether a due instant is recent enough to post for: a fresh install or a process that
    was down for long does not post old reports."""
    return timedelta(0) <= now - due <= window


def month_key(year: int, month: int) -> str:
    """`YYYY-MM`."""
    return f"{year:04d}-{month:02d}"


def _month_before(year: int, month: int) -> tuple[int, int]:
    return (year - 1, 12) if month == 1 else (year, month - 1)
