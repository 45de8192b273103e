"""The insights dashboard, `GET /app/insights` (the app's home page): a period and severity and
service filters as a plain GET form, the headline numbers beside the previous period's, the
charts with the tables of their numbers, per-person load, action items, reviews, MTBF per
service, and the published definitions.

The page only links its charts: each is an image of its own, `GET /app/insights/charts/{key}.svg`
with the page's query, drawn on the server from the figures the page just kept (drawing costs
more than the rest of the page, and the browser asks for the images while it lays the page
out). Every figure comes from `InsightsService.trend`; this module only chooses, words and lays
out. A query it cannot answer gets a 400 page (a chart: one line of text) saying what is
accepted.
"""

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response

from bot.insights.definitions import DEFINITIONS, DEFINITIONS_VERSION, Insights, Period, Trend
from bot.insights.service import InsightsService
from bot.web.app.dashboard_cache import FRESH_FOR, FreshFor, Kept
from bot.web.app.dashboard_charts import (
    CHART_KINDS,
    CHARTS,
    HEIGHT,
    WIDTH,
    ChartDrawer,
    chart_etag,
)
from bot.web.app.dashboard_query import (
    PERIOD_WORDS,
    PERIODS,
    BadQuery,
    Query,
    check_services,
    parse_query,
)
from bot.web.app.dashboard_view import (
    SHORT,
    TREND_METRICS,
    headlines,
    metric_rows,
    month_rows,
    person_rows,
    service_rows,
    shares,
    week_rows,
)
from bot.web.app.shell import APP_PATH, AppSection, render_message, render_page, require_viewer
from storage.enums import Severity

PATH = "/insights"
CHART_PATH = PATH + "/charts/{key}.svg"
SVG_TYPE = "image/svg+xml; charset=utf-8"
# A chart may be opened on its own in a tab: no script runs in it, whatever it holds.
CHART_HEADERS = {
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
}
TEXT_HEADERS = {"cache-control": "no-store", "x-content-type-options": "nosniff"}
NamesPort = Callable[[list[str]], Awaitable[dict[str, str]]]


def build_dashboard_section(
    insights: InsightsService,
    *,
    names: NamesPort | None = None,
    drawer: ChartDrawer | None = None,
    fresh_for: timedelta = FRESH_FOR,
) -> AppSection:
    """The dashboard as a section of `/app`; `names` turns user ids into people's names; a
    query's figures are kept `fresh_for` (the page says when they were computed)."""
    router = APIRouter()
    charts = drawer or ChartDrawer()
    figures: FreshFor[tuple[list[str], Trend]] = FreshFor(insights.clock, fresh_for)

    async def compute(query: Query) -> tuple[list[str], Trend]:
        # Both at once: the filter's services are checked once the figures are read too (an
        # unknown service only ever gives empty figures, which are then thrown away).
        period = insights.period(query.period)
        known, trend = await asyncio.gather(
            insights.services(), insights.trend(period, query.filters)
        )
        return known, trend

    async def read(request: Request) -> tuple[Query, Kept[tuple[list[str], Trend]]]:
        """The request's query and its figures (kept ones while fresh); BadQuery if refused."""
        query = parse_query(list(request.query_params.multi_items()))
        kept = await figures.get(query, lambda: compute(query))
        check_services(query, kept.value[0])
        return query, kept

    # The shell guards every section; asking again here keeps the page closed if it is ever
    # mounted without the shell's guard.
    @router.get(PATH, response_class=HTMLResponse, dependencies=[Depends(require_viewer)])
    async def dashboard(request: Request) -> HTMLResponse:
        try:
            query, kept = await read(request)
        except BadQuery as refused:
            return render_message(request, 400, "The dashboard cannot show that", f"{refused}.")
        known, trend = kept.value
        people = [p.user for p in trend.current.people]
        named = await names(people) if names is not None and people else {}
        context = dashboard_context(query, trend, known, named)
        context["computed_at"] = kept.at
        context["fresh_for"] = round(fresh_for.total_seconds())
        context["charts"] = chart_images(request.url.query)
        return render_page(request, "app/dashboard.html.j2", context)

    @router.get(CHART_PATH, response_class=Response, dependencies=[Depends(require_viewer)])
    async def chart(request: Request, key: str) -> Response:
        kind = CHART_KINDS.get(key)
        if kind is None:
            return _text_answer(404, f"unknown chart: the charts are {', '.join(CHART_KINDS)}.")
        try:
            _, kept = await read(request)
        except BadQuery as refused:
            return _text_answer(400, f"{refused}.")
        insights = kept.value[1].current
        drawn_from = kind.drawn_from(insights)
        tag = chart_etag(kind, drawn_from)
        headers = {
            **CHART_HEADERS,
            "cache-control": f"private, max-age={round(fresh_for.total_seconds())}",
            "etag": tag,
        }
        if _matches(request.headers.get("if-none-match"), tag):
            return Response(status_code=304, headers=headers)
        document = await charts.draw(kind, insights, drawn_from)
        return Response(document, media_type=SVG_TYPE, headers=headers)

    return AppSection(router, "Insights", PATH)


def chart_images(query: str) -> list[dict[str, Any]]:
    """Each chart's heading, image address (carrying the page's `query`) and size."""
    return [
        {
            "key": kind.key,
            "title": kind.title,
            "src": f"{APP_PATH}{CHART_PATH.format(key=kind.key)}" + (f"?{query}" if query else ""),
            "width": WIDTH,
            "height": HEIGHT,
        }
        for kind in CHARTS
    ]


def _text_answer(status_code: int, line: str) -> PlainTextResponse:
    # One line whatever the refused value held (a service name may hold a line break).
    return PlainTextResponse(" ".join(line.split()), status_code, headers=TEXT_HEADERS)


def _matches(if_none_match: str | None, tag: str) -> bool:
    """Whether an If-None-Match header names `tag` (weakly compared, as GET is) or is `*`."""
    if not if_none_match:
        return False
    named = {part.strip().removeprefix("W/") for part in if_none_match.split(",")}
    return "*" in named or tag in named


def dashboard_context(
    query: Query, trend: Trend, services: list[str], names: Mapping[str, str]
) -> dict[str, Any]:
    """Everything the template shows, in words and numbers (charts apart)."""
    now: Insights = trend.current
    severities = tuple(s.value for s in Severity)
    return {
        "title": f"Insights · {now.period.label}",
        "action": APP_PATH + PATH,
        "query": query,
        "period": now.period,
        "period_range": period_range(now.period),
        "previous": trend.previous.period,
        "filters_text": filters_text(query),
        "periods": [{"value": p.value, "words": PERIOD_WORDS[p]} for p in PERIODS],
        "severities": severities,
        "chosen_severities": {s.value for s in query.filters.severities},
        "services": services,
        "chosen_services": set(query.filters.services),
        "insights": now,
        "headlines": headlines(trend),
        "metrics": metric_rows(trend),
        "weeks": week_rows(now, severities),
        "months": month_rows(now),
        "trend_metrics": [SHORT[m] for m in TREND_METRICS],
        "mixes": [
            _mix("severity", "By severity", "Severity", now.by_severity, now.incidents),
            _mix(
                "service",
                "By service (an incident may name several)",
                "Service",
                now.by_service,
                now.incidents,
            ),
            _mix("source", "By how they began", "Source", now.by_source, now.incidents),
        ],
        "reliability": service_rows(now),
        "people": person_rows(now, names),
        "definitions": DEFINITIONS,
        "short": SHORT,
        "version": DEFINITIONS_VERSION,
    }


def period_range(period: Period) -> str:
    """`4 Nov 2026 to 4 Dec 2026` (with a dash) in the period's zone."""
    zone = ZoneInfo(period.zone)
    start, end = period.start.astimezone(zone), period.end.astimezone(zone)
    return f"{_day(start)} \N{EN DASH} {_day(end)}"


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def filters_text(query: Query) -> str:
    """The filters in words, or nothing when every incident counts."""
    parts = []
    if query.filters.severities:
        parts.append("severity " + ", ".join(s.value.upper() for s in query.filters.severities))
    if query.filters.services:
        parts.append("service " + ", ".join(query.filters.services))
    return "; ".join(parts)


def _mix(key: str, caption: str, column: str, counts: Any, whole: int) -> dict[str, Any]:
    return {"key": key, "caption": caption, "column": column, "rows": shares(counts, whole)}
