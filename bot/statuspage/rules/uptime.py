"""Uptime bars: per UTC day, the worst state a component was in and the share of the time it
was up, worked out from its state history."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from bot.statuspage.definitions import ComponentStatus
from bot.statuspage.rules.states import RANK, UP

Change = tuple[datetime, ComponentStatus]


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class _Span:
    start: datetime
    end: datetime
    state: ComponentStatus | None


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
    spans = _spans(changes, before, start, now)
    bars, index = [], 0
    for offset in range(days):
        day_start = start + timedelta(days=offset)
        day_end = min(day_start + timedelta(days=1), now)
        while index < len(spans) and spans[index].end <= day_start:
            index += 1
        bars.append(_bar(spans, index, day_start, day_end))
    return Uptime(tuple(bars))


def _spans(
    changes: Sequence[Change], before: ComponentStatus | None, start: datetime, now: datetime
) -> list[_Span]:
    spans: list[_Span] = []
    cursor, state = start, before
    for at, entered in changes:
        if at <= cursor:
            state = entered  # an earlier change, or two at one instant: the later one holds
            continue
        if at >= now:
            break
        spans.append(_Span(cursor, at, state))
        cursor, state = at, entered
    if cursor < now:
        spans.append(_Span(cursor, now, state))
    return spans


def _bar(spans: list[_Span], index: int, day_start: datetime, day_end: datetime) -> DayBar:
    up = known = 0.0
    seen: list[ComponentStatus] = []
    for span in spans[index:]:
        if span.start >= day_end:
            break
        seconds = (min(span.end, day_end) - max(span.start, day_start)).total_seconds()
        if seconds <= 0 or span.state is None:
            continue
        known += seconds
        up += seconds if span.state in UP else 0.0
        seen.append(span.state)
    worst = max(seen, key=RANK.__getitem__) if seen else None
    return DayBar(day_start.date(), worst, up, known)
