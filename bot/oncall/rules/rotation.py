"""Rotations: when the pager changes hands in a layer, and to whom.

Hourly and "<N>h" rotations count elapsed time from the first handoff; daily, "<N>d" and
weekly ones follow the wall clock of the schedule's zone, so a weekly shift across a
daylight-saving change lasts 167 or 169 hours and never leaves a gap or an overlap.
"""

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.oncall.rules.shifts import Shift, Source, utc
from bot.oncall.rules.wallclock import local_date, resolve

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MAX_HOURS = 24 * 366  # longer shifts are a typo, and would overflow date arithmetic
MAX_DAYS = 366

_CUSTOM = re.compile(r"^([+-]?\d+)\s*([hd])$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


class Period(StrEnum):
    """How a rotation counts its shifts."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    HOURS = "hours"  # "<N>h"
    DAYS = "days"  # "<N>d"


@dataclass(frozen=True)
class Rotation:
    """A parsed rotation: its period, the handoff's wall-clock time and the anchor date."""

    period: Period
    count: int  # N of "<N>h" / "<N>d"; 1 for hourly, daily and weekly
    at: time  # the handoff's wall-clock time in `zone`
    weekday: int | None  # 0 = Monday; weekly only
    anchor: date  # the first user's first shift starts at the first handoff on or after it
    zone: ZoneInfo


def parse_rotation(rotation: str, handoff: str | None, start: date, zone: ZoneInfo) -> Rotation:
    """Parse a layer's `rotation` and `handoff`; ValueError("<field>: <why>") when invalid."""
    period, count = _parse_period(rotation)
    weekday, at = _parse_handoff(handoff, weekly=period is Period.WEEKLY)
    return Rotation(period, count, at, weekday, start, zone)


def _parse_period(text: str) -> tuple[Period, int]:
    word = text.strip().lower()
    if word in (Period.HOURLY, Period.DAILY, Period.WEEKLY):
        return Period(word), 1
    match = _CUSTOM.match(word)
    if not match:
        raise ValueError(
            f"rotation: expected hourly, daily, weekly, <N>h or <N>d, got {text.strip()!r}"
        )
    count, unit = int(match.group(1)), match.group(2)
    limit = MAX_HOURS if unit == "h" else MAX_DAYS
    if not 1 <= count <= limit:
        raise ValueError(f"rotation: {text.strip()!r} must be between 1{unit} and {limit}{unit}")
    return (Period.HOURS if unit == "h" else Period.DAYS), count


def _parse_handoff(text: str | None, *, weekly: bool) -> tuple[int | None, time]:
    if text is None or not text.strip():
        if weekly:
            raise ValueError(
                "handoff: a weekly rotation needs a weekday and time, like 'monday 09:00'"
            )
        return None, time(0, 0)
    words = text.strip().lower().split()
    weekday = None
    if len(words) == 2:
        weekday = parse_weekday(words[0])
        if weekday is None:
            raise ValueError(f"handoff: {words[0]!r} is not a weekday, in {text.strip()!r}")
        if not weekly:
            raise ValueError(
                f"handoff: only a weekly rotation takes a weekday, got {text.strip()!r}"
            )
    elif len(words) != 1:
        raise ValueError(f"handoff: expected 'HH:MM' or 'monday 09:00', got {text.strip()!r}")
    elif parse_weekday(words[0]) is not None:
        if not weekly:
            raise ValueError(f"handoff: only a weekly rotation takes a weekday, got {words[0]!r}")
        raise ValueError(f"handoff: {text.strip()!r} needs a time too, like '{words[0]} 09:00'")
    if weekly and weekday is None:
        raise ValueError(f"handoff: a weekly rotation needs a weekday, like 'monday {words[-1]}'")
    return weekday, parse_clock(words[-1], field="handoff")


def parse_weekday(word: str) -> int | None:
    """0 for `monday`/`mon` (any case) through 6 for Sunday; None when not a weekday."""
    word = word.lower()
    for number, name in enumerate(WEEKDAYS):
        if word in (name, name[:3]):
            return number
    return None


def parse_clock(text: str, *, field: str) -> time:
    """`HH:MM` as a time of day; ValueError("<field>: <why>") otherwise."""
    match = _TIME.match(text.strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValueError(f"{field}: expected a time of day HH:MM (00:00-23:59), got {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def length(rotation: Rotation) -> timedelta:
    """The nominal length of one shift (a wall-clock day counts as 24 hours)."""
    if rotation.period in (Period.HOURLY, Period.HOURS):
        return timedelta(hours=rotation.count)
    return timedelta(days=_step_days(rotation))


def _step_days(rotation: Rotation) -> int:
    return 7 if rotation.period is Period.WEEKLY else rotation.count


def _elapsed(rotation: Rotation) -> bool:
    return rotation.period in (Period.HOURLY, Period.HOURS)


def _first_day(rotation: Rotation) -> date:
    if rotation.weekday is None:
        return rotation.anchor
    return rotation.anchor + timedelta(days=(rotation.weekday - rotation.anchor.weekday()) % 7)


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """The instant (UTC) of handoff `index`, 0 being the first user's first shift."""
    if _elapsed(rotation):
        first = resolve(datetime.combine(_first_day(rotation), rotation.at), rotation.zone)
        return first + index * timedelta(hours=rotation.count)
    day = _first_day(rotation) + timedelta(days=index * _step_days(rotation))
    return resolve(datetime.combine(day, rotation.at), rotation.zone)


def index_at(rotation: Rotation, instant: datetime) -> int:
    """The index of the last handoff at or before `instant` (-1 before the first one)."""
    instant = utc(instant)
    if _elapsed(rotation):
        index = (instant - handoff_at(rotation, 0)) // timedelta(hours=rotation.count)
    else:
        days = (local_date(instant, rotation.zone) - _first_day(rotation)).days
        index = days // _step_days(rotation)
    # The estimate is off by one at most around a handoff; settle it against the real instants.
    while index >= 0 and handoff_at(rotation, index) > instant:
        index -= 1
    while handoff_at(rotation, index + 1) <= instant:
        index += 1
    return max(index, -1)


def _from(rotation: Rotation, index: int) -> Iterator[tuple[int, datetime]]:
    """Handoff `index` and every one after it, with their indexes."""
    if _elapsed(rotation):
        instant, step = handoff_at(rotation, index), timedelta(hours=rotation.count)
        while True:
            yield index, instant
            index, instant = index + 1, instant + step
    days = timedelta(days=_step_days(rotation))
    day = _first_day(rotation) + index * days
    while True:
        yield index, resolve(datetime.combine(day, rotation.at), rotation.zone)
        index, day = index + 1, day + days


def handoffs(rotation: Rotation, start: datetime, end: datetime) -> list[datetime]:
    """The handoff instants (UTC) in `[start, end)`."""
    start, end = utc(start), utc(end)
    found = []
    for _, instant in _from(rotation, max(index_at(rotation, start), 0)):
        if instant >= end:
            break
        if instant >= start:
            found.append(instant)
    return found


def rotation_shifts(
    rotation: Rotation, users: Sequence[str], start: datetime, end: datetime, *, layer: str
) -> list[Shift]:
    """The rotation's shifts over `[start, end)`, clipped to it; shift n goes to users[n % len].

    Consecutive shifts of one person are one shift: nobody hands the pager to themselves.
    """
    start, end = utc(start), utc(end)
    if not users or start >= end:
        return []
    instants = _from(rotation, max(index_at(rotation, start), 0))
    index, begin = next(instants)
    if len(set(users)) == 1:
        lo = max(begin, start)
        return [Shift(lo, end, users[0], layer, Source.ROTATION)] if lo < end else []
    shifts: list[Shift] = []
    user = users[index % len(users)]
    for index, finish in instants:
        if finish < end and users[index % len(users)] == user:
            continue  # the same person again: the pager stays where it is
        lo, hi = max(begin, start), min(finish, end)
        if lo < hi:
            shifts.append(Shift(lo, hi, user, layer, Source.ROTATION))
        if finish >= end:
            return shifts
        begin, user = finish, users[index % len(users)]
    raise AssertionError("handoffs never end")  # pragma: no cover
