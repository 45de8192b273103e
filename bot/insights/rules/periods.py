"""Periods cut in the team's zone: the last N days, the quarter or year to date, a calendar
month; the period before one; the week (Monday) and month an instant falls in.

Bounds are computed on the local wall clock and turned into UTC with `zoneinfo`, so a month
holding a daylight-saving change is an hour shorter or longer in UTC, as it really was.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.insights.definitions import Period, PeriodKind
from bot.kernel.errors import InvalidInput

DAYS = {PeriodKind.DAYS_7: 7, PeriodKind.DAYS_30: 30, PeriodKind.DAYS_90: 90}
MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name`; InvalidInput when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name!r} is not an IANA time zone like Europe/Berlin") from None


def parse_kind(kind: PeriodKind | str) -> PeriodKind:
    """The period kind `kind` names; InvalidInput with the choices when it names none."""
    try:
        return PeriodKind(str(kind).strip().lower())
    except ValueError:
        choices = "|".join(k.value for k in PeriodKind if k != PeriodKind.MONTH)
        raise InvalidInput(f"unknown period {str(kind)!r}: use one of {choices}") from None


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The UTC instant local `day` begins (00:00 exists in every zone Warroom meets)."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def month_period(year: int, month: int, zone: str) -> Period:
    """Calendar month `year`-`month` in `zone`, as UTC bounds."""
    if not 1 <= month <= 12 or not 1970 <= year <= 9998:
        raise InvalidInput(f"{year:04d}-{month:02d} is not a month (YYYY-MM, e.g. 2026-11)")
    tz = zone_named(zone)
    first = date(year, month, 1)
    start, end = local_midnight(first, tz), local_midnight(_next_month(first), tz)
    return Period(PeriodKind.MONTH, start, end, f"{MONTH_NAMES[month - 1]} {year}", zone)


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) from `YYYY-MM`; InvalidInput otherwise."""
    parts = text.strip().split("-")
    if len(parts) != 2 or not (len(parts[0]) == 4 and len(parts[1]) == 2):
        raise InvalidInput(f"{text!r} is not a month: give YYYY-MM, e.g. 2026-11")
    if not (parts[0].isdigit() and parts[1].isdigit()) or not 1 <= int(parts[1]) <= 12:
        raise InvalidInput(f"{text!r} is not a month: give YYYY-MM, e.g. 2026-11")
    return int(parts[0]), int(parts[1])


def period_for(kind: PeriodKind | str, now: datetime, zone: str) -> Period:
    """The period `kind` ending at `now`: the last N days, or the quarter or year to date."""
    chosen = parse_kind(kind)
    tz = zone_named(zone)
    now = now.astimezone(UTC)
    if chosen in DAYS:
        days = DAYS[chosen]
        return Period(chosen, now - timedelta(days=days), now, f"last {days} days", zone)
    today = now.astimezone(tz).date()
    if chosen == PeriodKind.QUARTER:
        first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        label = f"Q{(today.month - 1) // 3 + 1} {today.year} to date"
    elif chosen == PeriodKind.YEAR:
        first, label = date(today.year, 1, 1), f"{today.year} to date"
    else:
        return month_period(today.year, today.month, zone)
    return Period(chosen, local_midnight(first, tz), now, label, zone)


def previous_period(period: Period) -> Period:
    """The period just before: the same length for N days; the previous calendar month; the
    previous quarter or year cut at the same time elapsed since its start."""
    tz = zone_named(period.zone)
    if period.kind == PeriodKind.MONTH:
        first = period.start.astimezone(tz).date()
        before = (first - timedelta(days=1)).replace(day=1)
        return month_period(before.year, before.month, period.zone)
    length = period.end - period.start
    if period.kind in DAYS:
        start = period.start - length
        return Period(
            period.kind, start, period.start, f"the {DAYS[period.kind]} days before", period.zone
        )
    first = period.start.astimezone(tz).date()
    if period.kind == PeriodKind.QUARTER:
        back = first - timedelta(days=1)
        begin = date(back.year, 3 * ((back.month - 1) // 3) + 1, 1)
        label = f"Q{(begin.month - 1) // 3 + 1} {begin.year}, same span"
    else:
        begin, label = date(first.year - 1, 1, 1), f"{first.year - 1}, same span"
    start = local_midnight(begin, tz)
    return Period(period.kind, start, min(start + length, period.start), label, period.zone)


def week_of(instant: datetime, zone: ZoneInfo) -> date:
    """The local Monday of the week `instant` falls in."""
    day = instant.astimezone(zone).date()
    return day - timedelta(days=day.weekday())


def month_of(instant: datetime, zone: ZoneInfo) -> str:
    """`YYYY-MM` of `instant` on the local calendar."""
    return f"{instant.astimezone(zone):%Y-%m}"


def weeks_in(period: Period) -> list[date]:
    """Every local Monday whose week overlaps the period, in order."""
    tz = zone_named(period.zone)
    monday, last = week_of(period.start, tz), _last_instant(period)
    weeks = []
    while local_midnight(monday, tz) < period.end and monday <= week_of(last, tz):
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def months_in(period: Period) -> list[str]:
    """Every local `YYYY-MM` the period overlaps, in order."""
    tz = zone_named(period.zone)
    first = period.start.astimezone(tz).date().replace(day=1)
    last = _last_instant(period).astimezone(tz).date()
    months = []
    while first <= last:
        months.append(f"{first:%Y-%m}")
        first = _next_month(first)
    return months


def _last_instant(period: Period) -> datetime:
    return max(period.start, period.end - timedelta(microseconds=1))


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


DAY_MICROS = 86_400_000_000
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_WALL = datetime(1970, 1, 1)
_UNKNOWN = object()


class LocalClock:
    """Instants in microseconds since 1970 UTC read on `zone`'s wall clock, for thousands of
    rows at a time: each UTC day's offset is looked up once, and an instant on a day whose
    offset changes (a daylight-saving day) is converted on its own, as `astimezone` does."""

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._offsets: dict[int, object] = {}
        self._days: dict[int, tuple[str, str]] = {}

    def wall(self, micros: int) -> int:
        """The local wall-clock reading of `micros`, as microseconds since 1970-01-01 00:00."""
        day = micros // DAY_MICROS
        offset = self._offsets.get(day, _UNKNOWN)
        if offset is _UNKNOWN:
            offset = self._offsets[day] = self._offset_of(day)
        if isinstance(offset, int):
            return micros + offset
        local = (EPOCH_UTC + timedelta(microseconds=micros)).astimezone(self.zone)
        return (local.replace(tzinfo=None) - EPOCH_WALL) // timedelta(microseconds=1)

    def walls(self, instants: Iterable[int]) -> list[int]:
        """`wall` of each instant, in order (the same readings, in one pass)."""
        offsets, found = self._offsets, []
        for micros in instants:
            offset = offsets.get(micros // DAY_MICROS)
            found.append(micros + offset if type(offset) is int else self.wall(micros))
        return found

    def _offset_of(self, day: int) -> int | None:
        """The UTC day's offset in microseconds, or None when it changes that day."""
        first = EPOCH_UTC + timedelta(days=day)
        last = first + timedelta(days=1, microseconds=-1)
        before = first.astimezone(self.zone).utcoffset()
        after = last.astimezone(self.zone).utcoffset()
        if before is None or before != after:
            return None
        return before // timedelta(microseconds=1)

    def week_and_month(self, micros: int) -> tuple[str, str]:
        """`week_of(...).isoformat()` and `month_of(...)` of the instant `micros`."""
        day = self.wall(micros) // DAY_MICROS
        keys = self._days.get(day)
        if keys is None:
            local = date.fromordinal(day + EPOCH_ORDINAL)
            monday = local - timedelta(days=local.weekday())
            keys = self._days[day] = (monday.isoformat(), f"{local:%Y-%m}")
        return keys
