"""The whole app (`build_warroom` from settings, as `warroom run` wires it) on real HTTP, with
its `/app` signing people in through the sandbox's Sign in with Slack, and the dashboard's
incidents seeded; and a reading of the dashboard page as a person sees it.

The app's clock stands still at `NOW` (the periods end there); the sign-in runs on real time."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import lxml.html
from app_site import PUBLIC_URL, browser, slack_signin_settings
from dashboard_seed import Seeded, seed_incidents
from servers.oidc_provider import sign_in

from bot.app import Warroom, build_warroom
from bot.insights.definitions import Filters, Trend
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.model import TEAM_ID
from bot.settings import Settings

NOW = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)  # a Wednesday
ZONE = "Europe/London"
ALL = Filters()
DASHBOARD = f"{PUBLIC_URL}/app/insights"


@dataclass
class DashboardApp:
    """The served app, its wiring and what was seeded."""

    url: str
    warroom: Warroom
    seeded: list[Seeded]

    def browser(self) -> httpx.Client:
        """A new browser (no cookies) for the app."""
        return browser(self.url)

    @contextmanager
    def signed_in(self, person: str = "Alice Archer") -> Iterator[httpx.Client]:
        """A browser signed in through the sandbox's Sign in with Slack as `person`."""
        with self.browser() as client:
            page = sign_in(client, DASHBOARD, person)
            assert page.status_code == 200, page.text[:500]
            assert str(page.url) == DASHBOARD
            yield client

    def trend(self, period: str, filters: Filters = ALL) -> Trend:
        """What the insights service itself computes for `period` and `filters`."""
        service = self.warroom.insights.service
        return asyncio.run(service.trend(service.period(period), filters))


def settings_for(database_url: str, sandbox: SandboxServer, **more: Any) -> Settings:
    """Settings of an app whose `/app` signs in the sandbox's workspace."""
    return slack_signin_settings(
        database_url,
        sandbox,
        warroom_app_allowed_workspace=TEAM_ID,
        warroom_timezone=ZONE,
        warroom_tick_interval="1d",  # nothing scheduled runs while the test looks
        **more,
    )


@contextmanager
def dashboard_app(database_url: str, sandbox: SandboxServer) -> Iterator[DashboardApp]:
    """The whole app with the dashboard's incidents seeded, serving on its own port."""
    warroom = build_warroom(settings_for(database_url, sandbox), clock=lambda: NOW)
    seeded = seed_incidents(warroom.engine, NOW)
    try:
        with serve_in_thread(warroom.http) as handle:
            yield DashboardApp(handle.url, warroom, seeded)
    finally:
        warroom.engine.dispose()


@dataclass(frozen=True)
class Shown:
    """The dashboard as a person reads it."""

    headlines: dict[str, str]  # key → the big number
    drills: int
    metrics: dict[str, tuple[int, float | None, float | None, float | None]]  # n, mean, median, p90
    tables: dict[str, list[list[str]]]  # table id → rows of cell texts
    charts: dict[str, str]  # each chart's heading → the address of its image
    text: str


def read_dashboard(html: str) -> Shown:
    """Headline numbers, the drills left out, each duration's figures, every table, the charts
    (their headings and images)."""
    tree = lxml.html.fromstring(html)

    def words(node: Any) -> str:
        return " ".join(node.text_content().split())

    headlines = {
        node.get("id").removeprefix("headline-"): words(node.find_class("value")[0])
        for node in tree.xpath("//li[contains(@class,'headline')]")
    }
    metrics = {}
    for row in tree.xpath("//table[@id='table-metrics']/tbody/tr"):
        cells = row.xpath("./td")
        seconds = [float(c.get("data-seconds")) if c.get("data-seconds") else None for c in cells]
        metrics[row.get("id").removeprefix("metric-")] = (int(words(cells[0])), *seconds[1:4])
    tables = {
        table.get("id"): [
            [words(c) for c in row.xpath("./th|./td")] for row in table.xpath("./tbody/tr")
        ]
        for table in tree.xpath("//table[@id]")
    }
    charts = {
        words(section.xpath("./h2")[0]): section.xpath("./img")[0].get("src")
        for section in tree.xpath("//section[@class='chart']")
    }
    drills = int(words(tree.xpath("//p[@id='drills']/strong")[0]))
    return Shown(headlines, drills, metrics, tables, charts, words(tree))
