"""Restrictions: the local hours of the week a layer covers, like `mon-fri 09:00-18:00`."""

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.rules.rotation import parse_weekday
from bot.oncall.rules.shifts import Shift, utc
from bot.oncall.rules.wallclock import local_date, resolve_at

ALL_WEEK = frozenset(range(7))
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Window:
    """Every day in `days` (0 = Monday) from `start` minutes after local midnight, for `length`
    minutes (up to a whole day; a window may run past midnight into the next day)."""

    days: frozenset[int]
    start: int
    length: int


@dataclass(frozen=True)
class Restriction:
    """The weekly windows a layer covers, as written (`text`) and parsed (`windows`)."""

    text: str
    windows: tuple[Window, ...]


def parse_restriction(text: str) -> Restriction:
    """Parse `mon-fri 09:00-18:00, sat 10:00-14:00`; ValueError("restrict: <why>")."""
    parts = [part.strip() for part in text.split(",")]
    if not any(parts):
        raise ValueError("restrict: expected windows like 'mon-fri 09:00-18:00', got nothing")
    return Restriction(text.strip(), tuple(_parse_window(part) for part in parts))


def _parse_window(text: str) -> Window:
    """One window: `mon-fri 09:00-18:00`, `sat`, `fri-mon`, `18:00-09:00` (every day)."""
    words = text.lower().split()
    if not 1 <= len(words) <= 2:
        raise ValueError(f"restrict: expected a window like 'mon-fri 09:00-18:00', got {text!r}")
    days, hours = ALL_WEEK, "00:00-24:00"
    if len(words) == 2:
        days, hours = _parse_days(words[0], text), words[1]
    elif _HOURS.match(words[0]):
        hours = words[0]
    else:
        days = _parse_days(words[0], text)
    start, length = _parse_hours(hours, text)
    return Window(days, start, length)


def _parse_days(word: str, text: str) -> frozenset[int]:
    first, _, last = word.partition("-")
    lo, hi = parse_weekday(first), parse_weekday(last or first)
    if lo is None or hi is None:
        raise ValueError(
            f"restrict: expected days like 'mon-fri' or 'sat', got {word!r} in {text!r}"
        )
    return frozenset((lo + offset) % 7 for offset in range((hi - lo) % 7 + 1))


def _parse_hours(word: str, text: str) -> tuple[int, int]:
    match = _HOURS.match(word)
    if not match:
        raise ValueError(f"restrict: expected hours like '09:00-18:00', got {word!r} in {text!r}")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    if h1 > 23 or m1 > 59 or m2 > 59 or h2 > 24 or (h2 == 24 and m2):
        raise ValueError(f"restrict: {word!r} is not a time range within a day, in {text!r}")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"restrict: {word!r} is empty; write 00:00-24:00 for a whole day")
    return start, (end - start) % 1440 or 1440


def windows_between(
    restriction: Restriction, zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The restriction's windows meeting `[start, end)` as sorted, disjoint UTC intervals."""
    first, last = local_date(start, zone), local_date(end, zone)
    intervals = []
    day = first - timedelta(days=1)  # a window of the day before may run past midnight
    while day <= last:
        for window in restriction.windows:
            if day.weekday() in window.days:
                lo = resolve_at(day, window.start, zone)
                hi = resolve_at(day, window.start + window.length, zone)
                if lo < hi and lo < end and hi > start:
                    intervals.append((lo, hi))
        day += timedelta(days=1)
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in intervals:
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def restrict(shifts: Sequence[Shift], restriction: Restriction, zone: ZoneInfo) -> list[Shift]:
    """The parts of `shifts` inside the restriction's windows, in local wall-clock time."""
    if not shifts:
        return []
    start = min(shift.start for shift in shifts)
    end = max(shift.end for shift in shifts)
    windows = windows_between(restriction, zone, utc(start), utc(end))
    ends = [hi for _, hi in windows]
    kept = []
    for shift in shifts:
        index = bisect.bisect_right(ends, shift.start)
        while index < len(windows) and windows[index][0] < shift.end:
            lo, hi = max(windows[index][0], shift.start), min(windows[index][1], shift.end)
            if lo < hi:
                kept.append(Shift(lo, hi, shift.user, shift.layer, shift.source))
            index += 1
    return kept
