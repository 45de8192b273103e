"""Uptime bars: per UTC day, the worst state a component was in and the share of the time it
was up, worked out from its state history."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from bot.statuspage.definitions import ComponentStatus
from bot.statuspage.rules.states import RANK, UP

Change = tuple[datetime, ComponentStatus]
DAY_SECONDS = 86400
_BY_RANK = {rank: state for state, rank in RANK.items()}


@dataclass(frozen=True, slots=True)
class DayBar:
    """One day's bar: the worst state (None: nothing is known of that day) and the seconds up
    out of the seconds known."""

    day: date
    worst: ComponentStatus | None
    up_seconds: float
    known_seconds: float

    @property
    def uptime(self) -> float | None:
        """The share of the known time the component was up, 0 to 1."""
        return self.up_seconds / self.known_seconds if self.known_seconds else None


@dataclass(frozen=True)
class Uptime:
    """A component's bars, oldest day first."""

    days: tuple[DayBar, ...]

    @property
    def percent(self) -> float | None:
        """The share of the known time up over every day, in percent."""
        known = sum(bar.known_seconds for bar in self.days)
        return 100.0 * sum(bar.up_seconds for bar in self.days) / known if known else None


def window_start(now: datetime, days: int) -> datetime:
    """Midnight UTC of the first day of the `days` ending with today."""
    first = now.astimezone(UTC).date() - timedelta(days=days - 1)
    return datetime.combine(first, time(0), UTC)


def daily_uptime(
    changes: Sequence[Change], *, before: ComponentStatus | None, now: datetime, days: int = 90
) -> Uptime:
    """The bars of the `days` ending with today (up to `now`). `before` is the state the
    component was in when the first day began (None: not known yet); `changes` are when it
    entered each later state, oldest first."""
    start = window_start(now, days)
    origin, end = start.timestamp(), now.timestamp()
    # Seconds from the first midnight, per day: up, known, and the states seen.
    up, known, worst = [0.0] * days, [0.0] * days, [-1] * days
    cursor, state = 0.0, before
    for at, entered in changes:
        offset = at.timestamp() - origin
        if offset <= cursor:
            state = entered  # an earlier change, or two at one instant: the later one holds
            continue
        if offset >= end - origin:
            break
        _spread(cursor, offset, state, up, known, worst)
        cursor, state = offset, entered
    _spread(cursor, end - origin, state, up, known, worst)
    return _uptime(start, up, known, worst)


def extend_uptime(
    uptime: Uptime, *, since: datetime, now: datetime, state: ComponentStatus | None
) -> Uptime:
    """`uptime` as worked out at `since`, carried on to `now` in `state`: the same as working
    it out again at `now` when the component stayed in `state` between, within one window
    (the same day). ValueError otherwise."""
    days = len(uptime.days)
    start = window_start(now, days)
    if window_start(since, days) != start or since > now:
        raise ValueError("an uptime carries on only within its day, forwards")
    up = [bar.up_seconds for bar in uptime.days]
    known = [bar.known_seconds for bar in uptime.days]
    worst = [-1 if bar.worst is None else RANK[bar.worst] for bar in uptime.days]
    origin = start.timestamp()
    _spread(since.timestamp() - origin, now.timestamp() - origin, state, up, known, worst)
    # Only the days since `since` changed: the others keep their bars.
    return Uptime(
        tuple(
            bar
            if (bar.up_seconds, bar.known_seconds) == (up[n], known[n])
            and _BY_RANK.get(worst[n]) is bar.worst
            else DayBar(bar.day, _BY_RANK.get(worst[n]), up[n], known[n])
            for n, bar in enumerate(uptime.days)
        )
    )


def _uptime(start: datetime, up: list[float], known: list[float], worst: list[int]) -> Uptime:
    return Uptime(
        tuple(
            DayBar(day, _BY_RANK.get(rank), up_seconds, known_seconds)
            for day, rank, up_seconds, known_seconds in zip(
                _dates(start.date(), len(up)), worst, up, known, strict=True
            )
        )
    )


@lru_cache(maxsize=8)
def _dates(first: date, days: int) -> tuple[date, ...]:
    """The `days` dates from `first` (the same window for every component of a page)."""
    return tuple(first + timedelta(days=n) for n in range(days))


def _spread(
    start: float,
    end: float,
    state: ComponentStatus | None,
    up: list[float],
    known: list[float],
    worst: list[int],
) -> None:
    """Count the span [start, end) (seconds from the first midnight) on the days it covers."""
    if state is None or end <= start:
        return
    is_up, rank = state in UP, RANK[state]
    day = int(start // DAY_SECONDS)
    while start < end and day < len(up):
        until = min(end, (day + 1) * DAY_SECONDS)
        seconds = until - start
        known[day] += seconds
        if is_up:
            up[day] += seconds
        worst[day] = max(worst[day], rank)
        start, day = until, day + 1
