"""The insights charts, drawn on the server with matplotlib (Agg, no pyplot state): incidents
per week by severity (stacked bars), MTTA/MTTM/MTTR by month, and the severity mix.

Output is deterministic: fixed fonts and sizes, a fixed SVG id salt, no dates or software
names in the files, so the same figures give the same bytes (PNG) and text (SVG).

matplotlib is imported when the first chart is drawn, not with this module: it takes about
0.4 s, which every `warroom run` start (and every test starting one) would otherwise pay.
"""

import io
import math
from collections.abc import Sequence
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING

from bot.insights.definitions import Insights, MetricName
from storage.enums import Severity

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


COLOURS = {
    Severity.SEV1.value: "#c0392b",
    Severity.SEV2.value: "#e67e22",
    Severity.SEV3.value: "#f1c40f",
    Severity.SEV4.value: "#7f8c8d",
}
TREND_METRICS = (MetricName.MTTA, MetricName.MTTM, MetricName.MTTR)
METRIC_COLOURS = {
    MetricName.MTTA: "#2980b9",
    MetricName.MTTM: "#8e44ad",
    MetricName.MTTR: "#27ae60",
}
SHORT_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SIZE = (7.2, 3.0)  # inches at 100 dpi: 720 x 300 pixels
DPI = 100
# Fixed margins, wide enough for five-digit axis labels: working them out for each figure
# (tight_layout) cost about 40% of drawing it.
MARGINS = {"left": 0.09, "right": 0.985, "top": 0.9, "bottom": 0.12}
BAR_WIDTH = 0.8


@cache
def _mpl() -> SimpleNamespace:
    """The parts of matplotlib the charts use, imported (and set up) once."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import MaxNLocator

    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "warroom-insights",
            "svg.fonttype": "none",  # text stays text: smaller, and the page's font shows
            "font.family": "DejaVu Sans",  # bundled with matplotlib: the same everywhere
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    return SimpleNamespace(
        Canvas=FigureCanvasAgg,
        Figure=Figure,
        MaxNLocator=MaxNLocator,
        Patch=Patch,
        PolyCollection=PolyCollection,
    )


def warm_up() -> None:
    """Import and set up matplotlib now (a server does it on a thread at start, so the first
    chart asked for is not the one that waits for it)."""
    _mpl()


def _figure() -> "Figure":
    mpl = _mpl()
    figure = mpl.Figure(figsize=SIZE, dpi=DPI)
    mpl.Canvas(figure)
    figure.subplots_adjust(**MARGINS)
    return figure


def _thin_ticks(axes: "Axes", labels: Sequence[str], most: int = 10) -> None:
    """Label every position when few, else every k-th one, so they stay readable. Only the
    labelled positions get a tick: each tick is an artist of its own, and a year of weeks
    drawn with 52 of them took longer than the bars."""
    step = max(1, math.ceil(len(labels) / most))
    positions = list(range(0, len(labels), step))
    axes.set_xticks(positions, [labels[p] for p in positions])


def incidents_per_week(insights: Insights) -> "Figure":
    """Stacked bars: each week's incidents (Monday in the zone), by severity."""
    figure = _figure()
    axes = figure.add_subplot()
    weeks = [count.key for count in insights.per_week]
    bottom = [0] * len(weeks)
    legend = []
    for severity in Severity:
        counts = insights.per_week_by_severity.get(severity.value, ())
        heights = [count.count for count in counts] or [0] * len(weeks)
        colour = COLOURS[severity.value]
        # One collection a severity rather than a patch a bar: a year is 208 bars.
        axes.add_collection(
            _mpl().PolyCollection(_bars(bottom, heights), facecolors=colour, edgecolors="none")
        )
        legend.append(_mpl().Patch(color=colour, label=severity.value.upper()))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.set_xlim(-0.6, max(len(weeks), 1) - 0.4)
    _thin_ticks(axes, [_short_day(week) for week in weeks])
    axes.set_ylabel("incidents")
    axes.set_title(f"Incidents per week by severity, {insights.period.label}")
    axes.yaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
    axes.legend(handles=legend, loc="upper left", ncols=4, frameon=False)
    axes.set_ylim(0, max([*bottom, 1]) * 1.25)
    return figure


def _bars(bottom: Sequence[int], heights: Sequence[int]) -> list[list[tuple[float, float]]]:
    """The corners of each non-empty bar at positions 0, 1, 2 …, standing on `bottom`."""
    half = BAR_WIDTH / 2
    return [
        [(x - half, low), (x - half, low + high), (x + half, low + high), (x + half, low)]
        for x, (low, high) in enumerate(zip(bottom, heights, strict=True))
        if high
    ]


def metrics_by_month(insights: Insights) -> "Figure":
    """Lines: each month's MTTA, MTTM and MTTR in minutes (median solid, mean dotted)."""
    figure = _figure()
    axes = figure.add_subplot()
    months = list(insights.per_month_metrics)
    positions = list(range(len(months)))
    for name in TREND_METRICS:
        spreads = [insights.per_month_metrics[month][name] for month in months]
        medians = [_minutes(s.median_s) for s in spreads]
        means = [_minutes(s.mean_s) for s in spreads]
        colour = METRIC_COLOURS[name]
        axes.plot(positions, medians, marker="o", color=colour, label=f"{name.upper()} median")
        axes.plot(positions, means, linestyle=":", color=colour, label=f"{name.upper()} mean")
    _thin_ticks(axes, months)
    axes.set_ylabel("minutes")
    axes.set_ylim(bottom=0)
    axes.set_title("Time to acknowledge, mitigate and resolve by month")
    axes.legend(loc="upper left", ncols=3, frameon=False, fontsize=7)
    return figure


def severity_mix(insights: Insights) -> "Figure":
    """Horizontal bars: the period's incidents per severity."""
    figure = _figure()
    axes = figure.add_subplot()
    keys = [count.key for count in insights.by_severity]
    counts = [count.count for count in insights.by_severity]
    positions = list(range(len(keys)))
    axes.barh(positions, counts, color=[COLOURS.get(key, "#95a5a6") for key in keys])
    axes.set_yticks(positions, [key.upper() for key in keys])
    axes.invert_yaxis()
    for position, count in zip(positions, counts, strict=True):
        axes.annotate(
            str(count), (count, position), xytext=(3, 0), textcoords="offset points", va="center"
        )
    axes.set_xlim(0, max([*counts, 1]) * 1.15)
    axes.xaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
    axes.set_title(f"Severity mix, {insights.period.label} ({insights.incidents} incidents)")
    return figure


def png_bytes(figure: "Figure") -> bytes:
    """The figure as PNG, with no software name or date in it."""
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
    return out.getvalue()


def svg_text(figure: "Figure") -> str:
    """The figure as an SVG document's text (no XML prolog, no date), to inline in HTML."""
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def all_charts(insights: Insights, history: Insights | None = None) -> dict[str, "Figure"]:
    """The three charts by file stem; the by-month trend drawn from `history` when given."""
    return {
        "incidents-per-week": incidents_per_week(insights),
        "response-times": metrics_by_month(history or insights),
        "severity-mix": severity_mix(insights),
    }


def _short_day(iso: str) -> str:
    return f"{SHORT_MONTHS[int(iso[5:7]) - 1]} {int(iso[8:10])}"


def _minutes(seconds: float | None) -> float:
    return math.nan if seconds is None else seconds / 60
