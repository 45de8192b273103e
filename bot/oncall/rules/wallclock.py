"""Local wall-clock times to instants, with the daylight-saving rules every schedule follows:
a time inside a gap means the first instant after the gap, an ambiguous time its first
occurrence."""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DAY = timedelta(days=1)


# Schedules ask for the same few wall-clock handoffs and window edges again and again.
@lru_cache(maxsize=32768)
def resolve(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of the naive wall-clock time `local` in `zone`."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first  # a valid time; fold=0 is the first occurrence of an ambiguous one
    return _gap_end(local.replace(tzinfo=zone, fold=1).astimezone(UTC), first, zone)


def _gap_end(before: datetime, after: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant in `(before, after]`, where the offset becomes `after`'s.

    Inside a gap, fold=1 reads the time with the new offset (an instant before the change)
    and fold=0 with the old one (an instant after it); the change lies between them.
    """
    new_offset = after.astimezone(zone).utcoffset()
    lo, hi = int(before.timestamp()), int(after.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(zone).utcoffset() == new_offset:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def resolve_at(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The instant `minutes` after local midnight of `day` by the wall clock (1440 is the next
    day's midnight)."""
    extra, rest = divmod(minutes, 1440)
    local = datetime.combine(day + timedelta(days=extra), time(rest // 60, rest % 60))
    return resolve(local, zone)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The wall-clock date in `zone` at `instant`."""
    return instant.astimezone(zone).date()
