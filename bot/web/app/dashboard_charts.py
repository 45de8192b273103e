"""The dashboard's three charts as inline SVG: drawn by `bot.insights.charts` (matplotlib) on
one worker thread of their own (drawing takes tens of milliseconds of CPU and must not hold
the event loop; one thread because matplotlib's text caches are not made for several), then
cleaned for the page (`inline_svg`).

A chart is a pure function of the figures it draws, so each drawing is kept, keyed by those
figures, until more than `KEPT` others were drawn: reloading a page, or another person opening
the same period, draws nothing again."""

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.insights import charts
from bot.insights.definitions import Insights
from bot.web.app.inline_svg import Drawing, inline_svg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KEPT = 64


@dataclass(frozen=True)
class Chart:
    """One chart on the page: its anchor, its heading, and the cleaned drawing."""

    key: str
    title: str
    drawing: Drawing


# key, heading (also the drawing's accessible name), what it draws, the figures it draws from
CHARTS: tuple[tuple[str, str, Callable[[Insights], "Figure"], Callable[[Insights], Any]], ...] = (
    (
        "per-week",
        "Incidents per week, by severity",
        charts.incidents_per_week,
        lambda i: (i.period.label, i.per_week, sorted(i.per_week_by_severity.items())),
    ),
    (
        "by-month",
        "Time to acknowledge, mitigate and resolve, by month",
        charts.metrics_by_month,
        lambda i: sorted((m, sorted(s.items())) for m, s in i.per_month_metrics.items()),
    ),
    (
        "severity",
        "Severity mix",
        charts.severity_mix,
        lambda i: (i.period.label, i.incidents, i.by_severity),
    ),
)


class ChartDrawer:
    """Draws the dashboard's charts off the event loop, keeping recent drawings."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._drawings: OrderedDict[tuple[str, str], Drawing] = OrderedDict()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
        self._worker.submit(charts.warm_up)  # matplotlib's import, before the first view

    async def draw(self, insights: Insights) -> list[Chart]:
        """The three charts of `insights`, cleaned for the page."""
        return await asyncio.get_running_loop().run_in_executor(
            self._worker, self._draw_all, insights
        )

    def _draw_all(self, insights: Insights) -> list[Chart]:
        drawn = []
        for key, title, draw, figures in CHARTS:
            identity = (key, repr(figures(insights)))
            with self._lock:
                drawing = self._drawings.get(identity)
            if drawing is None:
                drawing = inline_svg(charts.svg_text(draw(insights)), prefix=key, label=title)
                self._keep(identity, drawing)
            drawn.append(Chart(key, title, drawing))
        return drawn

    def _keep(self, identity: tuple[str, str], drawing: Drawing) -> None:
        with self._lock:
            self._drawings[identity] = drawing
            self._drawings.move_to_end(identity)
            while len(self._drawings) > self.kept:
                self._drawings.popitem(last=False)

    def close(self) -> None:
        """Stop the drawing thread (the app is stopping)."""
        self._worker.shutdown(wait=False, cancel_futures=True)
