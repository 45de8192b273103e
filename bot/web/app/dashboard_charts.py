"""The dashboard's three charts as SVG images of their own: drawn by `bot.insights.charts`
(matplotlib) on one worker thread of their own (drawing takes tens of milliseconds of CPU and
must not hold the event loop; one thread because matplotlib's text caches are not made for
several), then cleaned into a standalone document (`safe_svg.svg_document`).

A chart is a pure function of the figures it draws, so each drawing is kept, keyed by those
figures, until more than `KEPT` others were drawn: reloading a page, or another person opening
the same period, draws nothing again. The same figures name the drawing for HTTP caches
(`chart_etag`), so a browser asking again is answered without drawing."""

import asyncio
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

from bot import __version__
from bot.insights import charts
from bot.insights.definitions import Insights
from bot.web.app.safe_svg import svg_document

if TYPE_CHECKING:
    from matplotlib.figure import Figure

KEPT = 64
# The drawing's size in pixels, as the page's <img> reserves it (matplotlib's inches x dpi).
WIDTH = round(charts.SIZE[0] * charts.DPI)
HEIGHT = round(charts.SIZE[1] * charts.DPI)


class ChartKind(NamedTuple):
    """One chart of the dashboard: its key (in its URL and the page's anchor), its heading
    (also the image's accessible name), what draws it, and the figures it draws from."""

    key: str
    title: str
    draw: Callable[[Insights], "Figure"]
    figures: Callable[[Insights], Any]

    def drawn_from(self, insights: Insights) -> str:
        """The figures this chart draws of `insights`, as text: what names its drawing (the
        drawings kept, the entity tag)."""
        return repr(self.figures(insights))


CHARTS: tuple[ChartKind, ...] = (
    ChartKind(
        "per-week",
        "Incidents per week, by severity",
        charts.incidents_per_week,
        lambda i: (i.period.label, i.per_week, sorted(i.per_week_by_severity.items())),
    ),
    ChartKind(
        "by-month",
        "Time to acknowledge, mitigate and resolve, by month",
        charts.metrics_by_month,
        lambda i: sorted((m, sorted(s.items())) for m, s in i.per_month_metrics.items()),
    ),
    ChartKind(
        "severity",
        "Severity mix",
        charts.severity_mix,
        lambda i: (i.period.label, i.incidents, i.by_severity),
    ),
)
CHART_KINDS = {kind.key: kind for kind in CHARTS}


def chart_etag(kind: ChartKind, drawn_from: str) -> str:
    """The chart's entity tag: a digest of the figures it draws (`ChartKind.drawn_from`) and of
    the app's version, as another version may draw the same figures otherwise."""
    named = f"{__version__}\n{kind.key}\n{drawn_from}"
    return f'"{hashlib.sha256(named.encode()).hexdigest()[:32]}"'


class ChartDrawer:
    """Draws the dashboard's charts off the event loop, keeping recent drawings."""

    def __init__(self, kept: int = KEPT) -> None:
        self.kept = kept
        self._drawings: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._lock = threading.Lock()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="charts")
        self._worker.submit(charts.warm_up)  # matplotlib's import, before the first chart

    async def draw(self, kind: ChartKind, insights: Insights, drawn_from: str) -> bytes:
        """The chart `kind` of `insights` (which draws `drawn_from`, `ChartKind.drawn_from`)
        as a cleaned, standalone SVG document (UTF-8)."""
        identity = (kind.key, drawn_from)
        with self._lock:
            document = self._drawings.get(identity)
            if document is not None:
                self._drawings.move_to_end(identity)
                return document  # kept: no trip to the drawing thread
        return await asyncio.get_running_loop().run_in_executor(
            self._worker, self._draw, kind, insights, identity
        )

    def _draw(self, kind: ChartKind, insights: Insights, identity: tuple[str, str]) -> bytes:
        with self._lock:
            document = self._drawings.get(identity)  # drawn while this one waited its turn
        if document is None:
            svg = charts.svg_text(kind.draw(insights))
            document = svg_document(
                svg, prefix=kind.key, label=kind.title, width=WIDTH, height=HEIGHT
            )
            self._keep(identity, document)
        return document

    def _keep(self, identity: tuple[str, str], document: bytes) -> None:
        with self._lock:
            self._drawings[identity] = document
            self._drawings.move_to_end(identity)
            while len(self._drawings) > self.kept:
                self._drawings.popitem(last=False)

    def close(self) -> None:
        """Stop the drawing thread (the app is stopping)."""
        self._worker.shutdown(wait=False, cancel_futures=True)
