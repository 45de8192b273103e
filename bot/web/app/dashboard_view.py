"""The dashboard's figures as a person reads them: the headline numbers beside the previous
period's, and every table behind a chart. Pure: a `Trend` in, words and numbers out (the
template escapes them; nothing here is HTML)."""

from collections.abc import Mapping
from dataclasses import dataclass

from bot.insights.charts import TREND_METRICS
from bot.insights.definitions import (
    DEFINITIONS,
    Count,
    Insights,
    MetricDefinition,
    MetricName,
    Spread,
    Trend,
)
from bot.kernel.timing import figure_duration as duration

NONE = "\N{EM DASH}"  # a figure with nothing to measure (as the shell writes it)
HEADLINE_METRICS = (MetricName.MTTA, MetricName.MTTI, MetricName.MTTM, MetricName.MTTR)
SHORT = {
    MetricName.MTTA: "MTTA",
    MetricName.MTTI: "MTTI",
    MetricName.MTTM: "MTTM",
    MetricName.MTTR: "MTTR",
    MetricName.DECLARED_TO_RESOLVED: "Declared → resolved",
}


@dataclass(frozen=True)
class Headline:
    """One headline number and how it moved: `better`, `worse`, `same` or `none`."""

    key: str
    title: str
    value: str
    previous: str
    change: str
    direction: str
    detail: str = ""


@dataclass(frozen=True)
class MetricRow:
    """One duration's spread in the period, as the metrics table shows it."""

    name: str
    short: str
    title: str
    start: str
    end: str
    note: str
    n: int
    mean: str
    median: str
    p90: str
    previous_median: str
    seconds: tuple[float | None, float | None, float | None]  # mean, median, p90


def percent(part: int, whole: int) -> str:
    """`83%` of `whole`, or NONE when nothing was due."""
    return f"{round(100 * part / whole)}%" if whole else NONE


def headlines(trend: Trend) -> list[Headline]:
    """The incidents counted, each MTTx's median, updates on time and breached targets, each
    beside the previous period's."""
    now, before = trend.current, trend.previous
    rows = [
        _count_headline(
            "incidents",
            "Incidents",
            now.incidents,
            before.incidents,
            detail=f"{now.drills} drill{'s' if now.drills != 1 else ''} left out",
        )
    ]
    for name in HEADLINE_METRICS:
        rows.append(_duration_headline(name, now.metrics.get(name), before.metrics.get(name)))
    on_time, was = now.updates_on_time, before.updates_on_time
    rows.append(
        Headline(
            "updates_on_time",
            "Status updates on time",
            percent(on_time.part, on_time.whole),
            percent(was.part, was.whole),
            *_ratio_change(on_time.ratio, was.ratio),
            detail=f"{on_time.part} of {on_time.whole} due",
        )
    )
    rows.append(
        _count_headline(
            "ack_breached",
            "Acknowledge targets breached",
            now.ack_targets_breached,
            before.ack_targets_breached,
            detail=f"{now.unacknowledged} never acknowledged",
        )
    )
    return rows


def _count_headline(key: str, title: str, now: int, before: int, *, detail: str = "") -> Headline:
    """A count where fewer is better (incidents, breaches)."""
    if now == before:
        change, direction = f"no change from {before}", "same"
    else:
        change = f"{'up' if now > before else 'down'} {abs(now - before)} from {before}"
        direction = "better" if now < before else "worse"
    # The change says the previous count already ("up 3 from 5").
    return Headline(key, title, str(now), "", change, direction, detail)


def _duration_headline(name: MetricName, now: Spread | None, before: Spread | None) -> Headline:
    median = now.median_s if now else None
    was = before.median_s if before else None
    detail = f"median of {now.n if now else 0} incident{'s' if (now.n if now else 0) != 1 else ''}"
    if median is None or was is None:
        change, direction = "no previous figure" if median is not None else "no data", "none"
    elif round(median) == round(was):
        change, direction = "no change", "same"
    else:
        faster = median < was
        change = f"{duration(abs(median - was))} {'faster' if faster else 'slower'}"
        direction = "better" if faster else "worse"
    return Headline(
        name.value, SHORT[name], duration(median), duration(was), change, direction, detail
    )


def _ratio_change(now: float | None, before: float | None) -> tuple[str, str]:
    if now is None or before is None:
        return ("no previous figure" if now is not None else "no data"), "none"
    points = round(100 * now) - round(100 * before)
    if points == 0:
        return "no change", "same"
    return f"{'up' if points > 0 else 'down'} {abs(points)} points", (
        "better" if points > 0 else "worse"
    )


def metric_rows(trend: Trend) -> list[MetricRow]:
    """Each published duration: its definition, count, mean, median, p90, and last period's
    median."""
    rows = []
    for definition in DEFINITIONS:
        spread = trend.current.metrics.get(definition.name) or Spread(0, None, None, None)
        was = trend.previous.metrics.get(definition.name)
        rows.append(_metric_row(definition, spread, was))
    return rows


def _metric_row(definition: MetricDefinition, spread: Spread, was: Spread | None) -> MetricRow:
    return MetricRow(
        definition.name.value,
        SHORT[definition.name],
        definition.title,
        definition.start,
        definition.end,
        definition.note,
        spread.n,
        duration(spread.mean_s),
        duration(spread.median_s),
        duration(spread.p90_s),
        duration(was.median_s if was else None),
        (spread.mean_s, spread.median_s, spread.p90_s),
    )


@dataclass(frozen=True)
class WeekRow:
    """One week: its incidents, and how many of each severity."""

    week: str
    count: int
    by_severity: tuple[int, ...]


def week_rows(insights: Insights, severities: tuple[str, ...]) -> list[WeekRow]:
    """The incidents-per-week table (the chart's numbers), a column per severity."""
    per_severity: Mapping[str, dict[str, int]] = {
        severity: {c.key: c.count for c in insights.per_week_by_severity.get(severity, ())}
        for severity in severities
    }
    return [
        WeekRow(week.key, week.count, tuple(per_severity[s].get(week.key, 0) for s in severities))
        for week in insights.per_week
    ]


@dataclass(frozen=True)
class MonthRow:
    """One month: its incidents and, per charted metric, the median and the mean."""

    month: str
    count: int
    figures: tuple[tuple[str, str], ...]  # (median, mean) per metric of TREND_METRICS


def month_rows(insights: Insights) -> list[MonthRow]:
    """The by-month table: what the response-times chart draws, month by month."""
    counts = {c.key: c.count for c in insights.per_month}
    rows = []
    for month in sorted(set(counts) | set(insights.per_month_metrics)):
        spreads = insights.per_month_metrics.get(month, {})
        figures = tuple(
            (duration(spreads[m].median_s), duration(spreads[m].mean_s))
            if m in spreads
            else (NONE, NONE)
            for m in TREND_METRICS
        )
        rows.append(MonthRow(month, counts.get(month, 0), figures))
    return rows


@dataclass(frozen=True)
class PersonRow:
    """What the pager cost one person, named as the directory knows them."""

    name: str
    user: str
    pages: int
    off_hours_pages: int
    hours: str


def person_rows(insights: Insights, names: Mapping[str, str]) -> list[PersonRow]:
    """Per person: pages, off-hours pages and hours on call, most paged first."""
    people = sorted(insights.people, key=lambda p: (-p.pages, -p.hours_on_call, p.user))
    return [
        PersonRow(
            names.get(p.user, p.user), p.user, p.pages, p.off_hours_pages, f"{p.hours_on_call:.1f}"
        )
        for p in people
    ]


@dataclass(frozen=True)
class ServiceRow:
    """A service's incidents, impact time and mean time between failures, in words."""

    service: str
    incidents: int
    impact: str
    mtbf: str
    mtbf_s: float | None


def service_rows(insights: Insights) -> list[ServiceRow]:
    """MTBF per service, the most incidents first."""
    return [
        ServiceRow(s.service, s.incidents, duration(s.impact_s), duration(s.mtbf_s), s.mtbf_s)
        for s in sorted(insights.services, key=lambda s: (-s.incidents, s.service))
    ]


def shares(counts: tuple[Count, ...], whole: int) -> list[tuple[str, int, str]]:
    """(key, count, share of the period's `whole` incidents) for a mix table (severity,
    service, source)."""
    return [(c.key, c.count, percent(c.count, whole)) for c in counts]
