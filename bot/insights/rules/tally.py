"""All the figures of one period from the rows read for it: counts, spreads, shares.

Drills (and incidents marked as tests) are left out of every figure and counted apart. The
filters keep incidents of the chosen severities and naming one of the chosen services. The
rows read may hold other periods' incidents too (a trend reads both of its periods at once):
each period keeps the incidents whose impact start falls in it.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bot.insights.definitions import (
    HEADLINE_FIELDS,
    ActionItems,
    Count,
    Filters,
    Headlines,
    Insights,
    MetricName,
    Period,
    Reviews,
    Share,
    Spread,
)
from bot.insights.rules.durations import (
    METRICS,
    MICROS,
    IncidentMarks,
    mark_durations,
    micros_of,
)
from bot.insights.rules.pager import Page, people_loads
from bot.insights.rules.periods import LocalClock, months_in, weeks_in, zone_named
from bot.insights.rules.reliability import reliability
from bot.insights.rules.spreads import spread_of
from storage.enums import IncidentSource, Severity

REVIEW_WITHIN_DAYS = 7
Durations = tuple[float | None, ...]


class Actions(NamedTuple):
    """Per incident: action items open, overdue (among the open ones) and done."""

    open: int = 0
    overdue: int = 0
    done: int = 0


NO_ACTIONS = Actions()


@dataclass(frozen=True)
class PeriodRows:
    """What was read for one or more periods: the incidents, and per incident id the rest
    (`pages`: the people paged). A period compared by its headlines needs its incidents only."""

    incidents: Sequence[IncidentMarks]
    actions: Mapping[int, Actions] = field(default_factory=dict)
    pages: Mapping[int, Sequence[Page]] = field(default_factory=dict)
    hours_on_call: Mapping[str, float] = field(default_factory=dict)


def keep(row: IncidentMarks, filters: Filters) -> bool:
    """Whether the filters keep this incident (drills aside)."""
    if filters.severities and row.severity not in filters.severities:
        return False
    return not filters.services or any(s in filters.services for s in row.services)


def _counts(counter: Mapping[str, int], keys: Sequence[str] = ()) -> tuple[Count, ...]:
    """Counts in `keys` order (zeros kept), else most first then by name."""
    if keys:
        return tuple(Count(key, counter.get(key, 0)) for key in keys)
    return tuple(Count(k, n) for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def in_period(rows: Sequence[IncidentMarks], period: Period) -> list[IncidentMarks]:
    """The rows whose impact start falls in `period`."""
    first, last = micros_of(period.start), micros_of(period.end)
    return [row for row in rows if first <= row.start < last]


@dataclass(frozen=True)
class _Chosen:
    """The incidents of one period kept by the filters, and what every figure reads of them."""

    drills: int
    real: list[IncidentMarks]  # drills left out
    durations: list[Durations]


def _choose(period: Period, filters: Filters, read: PeriodRows) -> _Chosen:
    chosen = [row for row in in_period(read.incidents, period) if keep(row, filters)]
    real = [row for row in chosen if not row.drill]
    return _Chosen(
        drills=len(chosen) - len(real),
        real=real,
        durations=[mark_durations(row) for row in real],
    )


def _headlines(period: Period, filters: Filters, chosen: _Chosen) -> Headlines:
    real = chosen.real
    return Headlines(
        period=period,
        filters=filters,
        incidents=len(real),
        drills=chosen.drills,
        metrics=_spreads(chosen.durations),
        unacknowledged=sum(1 for r in real if r.acknowledged is None),
        updates_on_time=Share(
            sum(r.updates_on_time for r in real),
            sum(r.updates_on_time + r.updates_missed for r in real),
        ),
        ack_targets_breached=sum(1 for r in real if r.ack_breached),
    )


def headlines(period: Period, filters: Filters, read: PeriodRows) -> Headlines:
    """The headline figures of `period` under `filters` (what a trend compares with)."""
    return _headlines(period, filters, _choose(period, filters, read))


def tally(period: Period, filters: Filters, read: PeriodRows) -> Insights:
    """Every figure of `period` under `filters` from the rows read for it."""
    zone = zone_named(period.zone)
    chosen = _choose(period, filters, read)
    real, durations = chosen.real, chosen.durations
    actions = [read.actions.get(row.id, NO_ACTIONS) for row in real]
    head = _headlines(period, filters, chosen)
    weeks = [week.isoformat() for week in weeks_in(period)]
    months = months_in(period)
    clock = LocalClock(zone)
    keys = [clock.week_and_month(row.start) for row in real]
    week_keys = [week for week, _ in keys]
    month_keys = [month for _, month in keys]
    return Insights(
        **{name: getattr(head, name) for name in HEADLINE_FIELDS},
        by_severity=_counts(Counter(r.severity for r in real), [s.value for s in Severity]),
        by_service=_counts(Counter(s for r in real for s in r.distinct)),
        by_source=_counts(Counter(r.source for r in real), [s.value for s in IncidentSource]),
        per_week=_counts(Counter(week_keys), weeks),
        per_month=_counts(Counter(month_keys), months),
        people=people_loads(
            [page for r in real for page in read.pages.get(r.id, ())], read.hours_on_call, zone
        ),
        actions=ActionItems(
            open=sum(a.open for a in actions),
            overdue=sum(a.overdue for a in actions),
            done=sum(a.done for a in actions),
        ),
        reviews=reviews_of(real),
        services=reliability(real, period),
        per_week_by_severity=_weekly_severity(real, weeks, week_keys),
        per_month_metrics=_monthly_metrics(durations, months, month_keys),
    )


def _spreads(durations: Sequence[Durations]) -> dict[MetricName, Spread]:
    return {name: spread_of([d[i] for d in durations]) for i, name in enumerate(METRICS)}


def reviews_of(rows: Sequence[IncidentMarks]) -> Reviews:
    """Postmortem reviews of the closed incidents: within 7 days of closing, later, or not."""
    closed = [r for r in rows if r.closed is not None]
    on_time = late = 0
    for row in closed:
        assert row.closed is not None
        if row.reviewed is None:
            continue
        days = (row.reviewed - row.closed) / MICROS / 86400
        if days <= REVIEW_WITHIN_DAYS:
            on_time += 1
        else:
            late += 1
    return Reviews(len(closed), on_time, late, len(closed) - on_time - late)


def _weekly_severity(
    rows: Sequence[IncidentMarks], weeks: Sequence[str], keys: Sequence[str]
) -> dict[str, tuple[Count, ...]]:
    by: dict[str, Counter[str]] = {s.value: Counter() for s in Severity}
    for row, week in zip(rows, keys, strict=True):
        by[row.severity][week] += 1
    return {severity: _counts(counter, weeks) for severity, counter in by.items()}


def _monthly_metrics(
    durations: Sequence[Durations], months: Sequence[str], keys: Sequence[str]
) -> dict[str, dict[MetricName, Spread]]:
    grouped: dict[str, list[Durations]] = {month: [] for month in months}
    for spans, month in zip(durations, keys, strict=True):
        grouped.setdefault(month, []).append(spans)
    return {month: _spreads(members) for month, members in grouped.items()}
