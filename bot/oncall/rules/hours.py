"""Hours on call per person, split into business hours, evenings, nights, weekends, holidays.

Each local date is one kind of day: a holiday, else a weekend day (Saturday, Sunday), else a
weekday split at 09:00 (night before, business after), 18:00 (evening) and 22:00 (night).
Lengths are real elapsed time, so a night across a daylight-saving change is an hour shorter
or longer.
"""

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.rules.shifts import Shift, utc
from bot.oncall.rules.wallclock import local_date, resolve_at

ZERO = timedelta(0)
# A weekday's parts: (minutes after local midnight where it starts, kind); each runs to the next.
WEEKDAY_PARTS = ((0, "night"), (9 * 60, "business"), (18 * 60, "evening"), (22 * 60, "night"))


@dataclass(frozen=True)
class Hours:
    """Time on call by kind of hour (local wall clock): the ledger on-call pay is made from."""

    business: timedelta = ZERO  # Mon-Fri 09:00-18:00
    evening: timedelta = ZERO  # Mon-Fri 18:00-22:00
    night: timedelta = ZERO  # Mon-Fri 00:00-09:00 and 22:00-24:00
    weekend: timedelta = ZERO  # Saturday and Sunday
    holiday: timedelta = ZERO  # a holiday date, whatever its weekday

    @property
    def total(self) -> timedelta:
        """All the time on call."""
        return self.business + self.evening + self.night + self.weekend + self.holiday


def split_hours(
    shifts: Iterable[Shift], zone: ZoneInfo, holidays: frozenset[date]
) -> dict[str, Hours]:
    """Each user's time on call in `shifts`, split by kind of local hour (overlapping shifts of
    one user count twice: pass final shifts)."""
    sums: dict[str, dict[str, timedelta]] = {}
    for shift in shifts:
        tally = sums.setdefault(shift.user, {field.name: ZERO for field in fields(Hours)})
        for lo, hi, kind in _parts(utc(shift.start), utc(shift.end), zone, holidays):
            tally[kind] += hi - lo
    return {user: Hours(**tally) for user, tally in sums.items()}


def _parts(
    start: datetime, end: datetime, zone: ZoneInfo, holidays: frozenset[date]
) -> Iterable[tuple[datetime, datetime, str]]:
    """`[start, end)` cut at local day and part boundaries, each piece with its kind."""
    day = local_date(start, zone)
    while start < end:
        if day in holidays:
            parts: tuple[tuple[int, str], ...] = ((0, "holiday"),)
        elif day.weekday() >= 5:
            parts = ((0, "weekend"),)
        else:
            parts = WEEKDAY_PARTS
        bounds = [resolve_at(day, minutes, zone) for minutes, _ in parts]
        bounds.append(resolve_at(day, 1440, zone))
        for (_, kind), lo, hi in zip(parts, bounds, bounds[1:], strict=False):
            lo, hi = max(lo, start), min(hi, end)
            if lo < hi:
                yield lo, hi, kind
        start = max(start, bounds[-1])
        day += timedelta(days=1)
