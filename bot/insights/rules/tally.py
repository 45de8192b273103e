"""All the figures of one period from the rows read for it: counts, spreads, shares.

Drills (and incidents marked as tests) are left out of every figure and counted apart. The
filters keep incidents of the chosen severities and naming one of the chosen services.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.insights.definitions import (
    ActionItems,
    Count,
    Filters,
    Insights,
    MetricName,
    Period,
    Reviews,
    Share,
    Spread,
)
from bot.insights.rules.durations import IncidentTimes, durations_of
from bot.insights.rules.pager import Page, people_loads
from bot.insights.rules.periods import month_of, months_in, week_of, weeks_in, zone_named
from bot.insights.rules.reliability import reliability
from bot.insights.rules.spreads import spread_of
from storage.enums import IncidentSource, Severity

REVIEW_WITHIN_DAYS = 7


@dataclass(frozen=True)
class Followups:
    """Per incident: status updates on time and missed, action items open/overdue/done."""

    updates_on_time: int = 0
    updates_missed: int = 0
    actions_open: int = 0
    actions_overdue: int = 0
    actions_done: int = 0


@dataclass(frozen=True)
class PeriodRows:
    """What was read for one period: its incidents, and per incident id the rest."""

    incidents: Sequence[IncidentTimes]
    followups: Mapping[int, Followups] = field(default_factory=dict)
    pages: Mapping[int, Sequence[Page]] = field(default_factory=dict)
    hours_on_call: Mapping[str, float] = field(default_factory=dict)


def keep(row: IncidentTimes, filters: Filters) -> bool:
    """Whether the filters keep this incident (drills aside)."""
    if filters.severities and row.severity not in filters.severities:
        return False
    return not filters.services or any(s in filters.services for s in row.services)


def _counts(counter: Counter[str], keys: Sequence[str] = ()) -> tuple[Count, ...]:
    """Counts in `keys` order (zeros kept), else most first then by name."""
    if keys:
        return tuple(Count(key, counter.get(key, 0)) for key in keys)
    return tuple(Count(k, n) for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def tally(period: Period, filters: Filters, read: PeriodRows) -> Insights:
    """Every figure of `period` under `filters` from the rows read for it."""
    zone = zone_named(period.zone)
    chosen = [row for row in read.incidents if keep(row, filters)]
    real = [row for row in chosen if not row.drill]
    weeks = [week.isoformat() for week in weeks_in(period)]
    months = months_in(period)
    durations = [durations_of(row) for row in real]
    week_keys = [week_of(row.impact_start, zone).isoformat() for row in real if row.impact_start]
    month_keys = [month_of(row.impact_start, zone) for row in real if row.impact_start]
    ids = [row.id for row in real]
    followups = [read.followups.get(i, Followups()) for i in ids]
    return Insights(
        period=period,
        filters=filters,
        incidents=len(real),
        drills=len(chosen) - len(real),
        by_severity=_counts(Counter(r.severity.value for r in real), [s.value for s in Severity]),
        by_service=_counts(Counter(s for r in real for s in dict.fromkeys(r.services))),
        by_source=_counts(Counter(r.source.value for r in real), [s.value for s in IncidentSource]),
        per_week=_counts(Counter(week_keys), weeks),
        per_month=_counts(Counter(month_keys), months),
        metrics={name: spread_of(d[name] for d in durations) for name in MetricName},
        unacknowledged=sum(1 for r in real if r.acknowledged_at is None),
        updates_on_time=Share(
            sum(f.updates_on_time for f in followups),
            sum(f.updates_on_time + f.updates_missed for f in followups),
        ),
        ack_targets_breached=sum(1 for r in real if r.ack_breached_at is not None),
        people=people_loads(
            [page for i in ids for page in read.pages.get(i, ())], read.hours_on_call, zone
        ),
        actions=ActionItems(
            open=sum(f.actions_open for f in followups),
            overdue=sum(f.actions_overdue for f in followups),
            done=sum(f.actions_done for f in followups),
        ),
        reviews=reviews_of(real),
        services=reliability(real, period),
        per_week_by_severity=_weekly_severity(real, weeks, zone_keyed=week_keys),
        per_month_metrics=_monthly_metrics(real, months, month_keys),
    )


def reviews_of(rows: Sequence[IncidentTimes]) -> Reviews:
    """Postmortem reviews of the closed incidents: within 7 days of closing, later, or not."""
    closed = [r for r in rows if r.closed_at is not None]
    on_time = late = 0
    for row in closed:
        assert row.closed_at is not None
        if row.reviewed_at is None:
            continue
        days = (row.reviewed_at - row.closed_at).total_seconds() / 86400
        if days <= REVIEW_WITHIN_DAYS:
            on_time += 1
        else:
            late += 1
    return Reviews(len(closed), on_time, late, len(closed) - on_time - late)


def _weekly_severity(
    rows: Sequence[IncidentTimes], weeks: Sequence[str], *, zone_keyed: Sequence[str]
) -> dict[str, tuple[Count, ...]]:
    with_start = [row for row in rows if row.impact_start]
    by: dict[str, Counter[str]] = {s.value: Counter() for s in Severity}
    for row, week in zip(with_start, zone_keyed, strict=True):
        by[row.severity.value][week] += 1
    return {severity: _counts(counter, weeks) for severity, counter in by.items()}


def _monthly_metrics(
    rows: Sequence[IncidentTimes], months: Sequence[str], keys: Sequence[str]
) -> dict[str, dict[MetricName, Spread]]:
    grouped: dict[str, list[IncidentTimes]] = {month: [] for month in months}
    with_start = [row for row in rows if row.impact_start]
    for row, month in zip(with_start, keys, strict=True):
        grouped.setdefault(month, []).append(row)
    found = {}
    for month, members in grouped.items():
        spans = [durations_of(row) for row in members]
        found[month] = {name: spread_of(d[name] for d in spans) for name in MetricName}
    return found
