"""Insights in Slack: the headline numbers of a period beside the previous one (`/incident
stats`), and the monthly report's summary. Pure builders over the figures the service hands.

Every duration is shown as median / mean / p90 (a mean alone misleads); each headline has its
trend against the previous period as an arrow and a percentage. For durations and breaches an
arrow up is worse; the words say which way it went, never whether that is good.
"""

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from bot.insights.definitions import (
    DEFINITIONS,
    Count,
    Insights,
    MetricName,
    MonthlyReport,
    Period,
    Spread,
    Trend,
)
from bot.kernel.timing import figure_duration as duration
from bot.slack.blocks.limits import MAX_HEADER, fit_plain
from bot.slack.blocks.parts import Block, context, field, field_sections, plain, section
from bot.slack.mrkdwn import escape_mrkdwn

HEADLINE_METRICS = (MetricName.MTTA, MetricName.MTTI, MetricName.MTTM, MetricName.MTTR)
SHORT_NAMES = {
    MetricName.MTTA: "MTTA",
    MetricName.MTTI: "MTTI",
    MetricName.MTTM: "MTTM",
    MetricName.MTTR: "MTTR",
}
TITLES = {definition.name: definition.title for definition in DEFINITIONS}


def build_stats_message(trend: Trend) -> tuple[str, list[Block]]:
    """`/incident stats`: the fallback text and the blocks."""
    current = trend.current
    title = f"Incident stats · {current.period.label}"
    blocks = [_header(title), *build_figures(trend), _footer(trend)]
    return f"{title}: {_incidents_text(current)}", blocks


def build_monthly_message(report: MonthlyReport) -> tuple[str, list[Block]]:
    """The monthly report post: the fallback text and the blocks (the charts and the CSV of
    the month's incidents follow in its thread)."""
    current = report.trend.current
    title = f"Monthly incident report · {current.period.label}"
    blocks = [
        _header(title),
        *build_figures(report.trend),
        context("Charts (PNG) and the month's incidents (CSV) are in the thread."),
        _footer(report.trend),
    ]
    return f"{title}: {_incidents_text(current)}", blocks


def build_figures(trend: Trend) -> list[Block]:
    """The headline counts as fields, then one line per duration."""
    current, previous = trend.current, trend.previous
    fields = [
        field("Incidents", f"{current.incidents} {arrow(current.incidents, previous.incidents)}"),
        field("By severity", _severities(current.by_severity)),
        field("Updates on time", _share(current)),
        field(
            "Ack targets breached",
            f"{current.ack_targets_breached} "
            f"{arrow(current.ack_targets_breached, previous.ack_targets_breached)}",
        ),
        field("Unacknowledged", str(current.unacknowledged)),
        field("Drills and tests", f"{current.drills} (left out of every figure)"),
    ]
    lines = [
        _metric_line(name, current.metrics.get(name), previous.metrics.get(name))
        for name in HEADLINE_METRICS
    ]
    head = "*Response times* · median / mean / p90 (trend of the median)"
    return [*field_sections(fields), section(head + "\n" + "\n".join(lines))]


def arrow(now: float | None, before: float | None) -> str:
    """`↑ 25%`, `↓ 10%`, `→ 0%` against the previous period; `(new)` when there was nothing
    before to compare with, and nothing when there is nothing now either."""
    if now is None:
        return ""
    if before is None or before == 0:
        return "(new)" if now else "→ 0%"
    change = (now - before) / before * 100
    if round(change) == 0:
        return "→ 0%"
    return f"{'↑' if change > 0 else '↓'} {abs(change):.0f}%"


def period_span(period: Period) -> str:
    """`2026-02-01 to 2026-03-01 (Europe/Paris)`: the period's bounds on the local calendar."""
    zone = ZoneInfo(period.zone)
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({period.zone})"


def _metric_line(name: MetricName, now: Spread | None, before: Spread | None) -> str:
    short = SHORT_NAMES[name]
    if now is None or now.n == 0:
        return f"*{short}* — no incidents measured"
    figures = " / ".join(duration(v) for v in (now.median_s, now.mean_s, now.p90_s))
    trend = arrow(now.median_s, before.median_s if before is not None else None)
    return f"*{short}* {figures} {trend} · n={now.n}"


def _severities(counts: Sequence[Count]) -> str:
    shown = [f"{c.key.upper()} {c.count}" for c in counts if c.count]
    return escape_mrkdwn(" · ".join(shown)) if shown else "—"


def _share(insights: Insights) -> str:
    share = insights.updates_on_time
    if share.ratio is None:
        return "— (none were due)"
    return f"{share.ratio * 100:.0f}% ({share.part} of {share.whole})"


def _incidents_text(insights: Insights) -> str:
    drills = f", {insights.drills} drills left out" if insights.drills else ""
    return f"{insights.incidents} incidents{drills}"


def _header(title: str) -> Block:
    return {"type": "header", "text": plain(fit_plain(title, MAX_HEADER))}


def _footer(trend: Trend) -> Block:
    current, previous = trend.current, trend.previous
    names = ", ".join(f"{SHORT_NAMES[n]} {TITLES[n].lower()}" for n in HEADLINE_METRICS)
    return context(
        f"{escape_mrkdwn(period_span(current.period))} · trend against "
        f"{escape_mrkdwn(previous.period.label)}",
        f"Definitions v{current.version}: {names}; each from the impact start (MTTA from the "
        "first page) · drills and tests left out",
    )
