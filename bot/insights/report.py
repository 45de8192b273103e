"""The monthly report rendered four ways: Markdown (the Slack post and the terminal), a
self-contained HTML page (charts inline as SVG), CSV (one row per incident of the month,
drills left out) and JSON. Each is a pure render of a `MonthlyReport`.

Jinja2 and matplotlib are imported by the HTML render only: `warroom report` in the other
forms starts without them (a third of a second of its start-up).
"""

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.insights.definitions import (
    DEFINITIONS,
    Insights,
    MetricName,
    MonthlyReport,
    Spread,
)
from bot.kernel.bundled import bundled_path
from bot.kernel.timing import figure_duration

if TYPE_CHECKING:
    from jinja2 import Environment

REPORT_TEMPLATE = "templates/insights/report.html.j2"
HEADLINE = (MetricName.MTTA, MetricName.MTTI, MetricName.MTTM, MetricName.MTTR)
CSV_TIMES = (  # IncidentFigures' fields; detected_at holds the impact start
    "detected_at",
    "declared_at",
    "acknowledged_at",
    "identified_at",
    "mitigated_at",
    "resolved_at",
)


class ReportFormat(StrEnum):
    """The forms `warroom report` prints."""

    MD = "md"
    HTML = "html"
    CSV = "csv"
    JSON = "json"


def _seconds(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def spread_json(spread: Spread) -> dict[str, Any]:
    """{"n", "mean_s", "median_s", "p90_s"} (seconds to a tenth; null when none)."""
    return {
        "n": spread.n,
        "mean_s": _seconds(spread.mean_s),
        "median_s": _seconds(spread.median_s),
        "p90_s": _seconds(spread.p90_s),
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def insights_json(figures: Insights) -> dict[str, Any]:
    """Every figure of one period as plain JSON values."""
    period = figures.period
    return {
        "period": {
            "label": period.label,
            "start": _iso(period.start),
            "end": _iso(period.end),
            "zone": period.zone,
        },
        "incidents": figures.incidents,
        "drills": figures.drills,
        "by_severity": {c.key: c.count for c in figures.by_severity},
        "by_service": {c.key: c.count for c in figures.by_service},
        "by_source": {c.key: c.count for c in figures.by_source},
        "per_week": {c.key: c.count for c in figures.per_week},
        "metrics": {name.value: spread_json(figures.metrics[name]) for name in HEADLINE},
        "declared_to_resolved": spread_json(figures.metrics[MetricName.DECLARED_TO_RESOLVED]),
        "unacknowledged": figures.unacknowledged,
        "updates_on_time": {
            "on_time": figures.updates_on_time.part,
            "due": figures.updates_on_time.whole,
            "ratio": figures.updates_on_time.ratio,
        },
        "ack_targets_breached": figures.ack_targets_breached,
        "people": [
            {
                "user": p.user,
                "pages": p.pages,
                "off_hours_pages": p.off_hours_pages,
                "hours_on_call": p.hours_on_call,
            }
            for p in figures.people
        ],
        "action_items": {
            "open": figures.actions.open,
            "overdue": figures.actions.overdue,
            "done": figures.actions.done,
        },
        "reviews": {
            "due": figures.reviews.due,
            "on_time": figures.reviews.on_time,
            "late": figures.reviews.late,
            "not_reviewed": figures.reviews.not_reviewed,
        },
        "services": [
            {
                "service": s.service,
                "incidents": s.incidents,
                "impact_s": _seconds(s.impact_s),
                "mtbf_s": _seconds(s.mtbf_s),
            }
            for s in figures.services
        ],
        "definitions_version": figures.version,
    }


def report_json(report: MonthlyReport) -> str:
    """The report as JSON: the month's figures, and the previous month's under "previous"."""
    body = insights_json(report.trend.current)
    body["month"] = f"{report.month:%Y-%m}"
    body["previous"] = insights_json(report.previous)
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


def report_csv(report: MonthlyReport) -> str:
    """One row per incident of the month: times in ISO 8601 UTC, durations in seconds."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    names = list(MetricName)
    writer.writerow(
        ["number", "title", "severity", "status", "source", "services", "impact_start"]
        + list(CSV_TIMES[1:])
        + [f"{name.value}_s" for name in names]
    )
    for row in report.rows:
        times = [_iso(getattr(row, field)) or "" for field in CSV_TIMES]
        spans = [row.durations.get(name) for name in names]
        writer.writerow(
            [row.number, row.title, row.severity.value, row.status, row.source]
            + [";".join(row.services), *times]
            + ["" if s is None else f"{s:.0f}" for s in spans]
        )
    return out.getvalue()


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None or before == 0:
        return ""
    percent = (now - before) / before * 100
    return f"{percent:+.0f}%"


def _context(report: MonthlyReport) -> dict[str, Any]:
    current, previous = report.trend.current, report.trend.previous
    rows = []
    for name in HEADLINE:
        spread, before = current.metrics[name], previous.metrics[name]
        rows.append(
            {
                "name": name.value.upper(),
                "n": spread.n,
                "mean": figure_duration(spread.mean_s),
                "median": figure_duration(spread.median_s),
                "p90": figure_duration(spread.p90_s),
                "previous_median": figure_duration(before.median_s),
                "change": _change(spread.median_s, before.median_s),
            }
        )
    return {
        "report": report,
        "current": current,
        "previous": previous,
        "metric_rows": rows,
        "declared_to_resolved": current.metrics[MetricName.DECLARED_TO_RESOLVED],
        "definitions": DEFINITIONS,
        "duration": figure_duration,
        "percent": lambda share: "-" if share.ratio is None else f"{share.ratio:.0%}",
    }


def report_markdown(report: MonthlyReport) -> str:
    """The report as Markdown."""
    c = _context(report)
    current, previous = c["current"], c["previous"]
    lines = [
        f"# Incident report: {current.period.label}",
        "",
        f"{current.incidents} incidents ({previous.incidents} in {previous.period.label}); "
        f"{current.drills} drills left out. Times in {current.period.zone}.",
        "",
        "| Metric | n | Mean | Median | p90 | Median before | Change |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['name']} | {r['n']} | {r['mean']} | {r['median']} | {r['p90']} "
        f"| {r['previous_median']} | {r['change']} |"
        for r in c["metric_rows"]
    ]
    d2r = c["declared_to_resolved"]
    lines += [
        "",
        f"Declared to resolved: median {figure_duration(d2r.median_s)}, "
        f"p90 {figure_duration(d2r.p90_s)} (n={d2r.n}).",
        "",
        "## Incidents",
        "- By severity: " + _pairs(current.by_severity),
        "- By source: " + _pairs(current.by_source),
        "- By service: " + (_pairs(current.by_service) or "none named"),
        "- Per week (Monday): " + _pairs(current.per_week),
        f"- Not acknowledged: {current.unacknowledged}; acknowledge targets breached: "
        f"{current.ack_targets_breached}",
        f"- Status updates on time: {c['percent'](current.updates_on_time)} "
        f"({current.updates_on_time.part} of {current.updates_on_time.whole} due)",
        f"- Action items: {current.actions.open} open ({current.actions.overdue} overdue), "
        f"{current.actions.done} done",
        f"- Postmortems reviewed within 7 days: {current.reviews.on_time} of "
        f"{current.reviews.due} closed ({current.reviews.late} late, "
        f"{current.reviews.not_reviewed} not reviewed)",
    ]
    lines += _markdown_tables(current)
    lines += ["", f"Definitions version {current.version}: see the README's Insights section."]
    return "\n".join(lines) + "\n"


def _pairs(counts: Any) -> str:
    return ", ".join(f"{c.key} {c.count}" for c in counts)


def _markdown_tables(current: Insights) -> list[str]:
    lines: list[str] = []
    if current.services:
        lines += ["", "## Services", "", "| Service | Incidents | Impact | MTBF |"]
        lines += ["|---|---:|---:|---:|"]
        lines += [
            f"| {s.service} | {s.incidents} | {figure_duration(s.impact_s)} "
            f"| {figure_duration(s.mtbf_s)} |"
            for s in current.services
        ]
    if current.people:
        lines += ["", "## Pager load", "", "| Person | Pages | Off hours | Hours on call |"]
        lines += ["|---|---:|---:|---:|"]
        lines += [
            f"| {p.user} | {p.pages} | {p.off_hours_pages} | {p.hours_on_call:.1f} |"
            for p in current.people
        ]
    return lines


def report_html(report: MonthlyReport) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG charts)."""
    from bot.insights.charts import all_charts, svg_text

    template = _environment().get_template(REPORT_TEMPLATE.removeprefix("templates/"))
    charts = {
        name: svg_text(figure)
        for name, figure in all_charts(report.trend.current, report.history).items()
    }
    return template.render(**_context(report), charts=charts)


def _environment() -> "Environment":
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    root = bundled_path(REPORT_TEMPLATE).parents[1]
    return Environment(
        loader=FileSystemLoader(str(root)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


RENDERERS: dict[ReportFormat, Callable[[MonthlyReport], str]] = {
    ReportFormat.MD: report_markdown,
    ReportFormat.HTML: report_html,
    ReportFormat.CSV: report_csv,
    ReportFormat.JSON: report_json,
}


def render_report(report: MonthlyReport, form: ReportFormat | str) -> str:
    """The report in form `form` (md, html, csv, json)."""
    return RENDERERS[ReportFormat(form)](report)
