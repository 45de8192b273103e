"""The public status pages served over real HTTP (uvicorn on a free port) by a small FastAPI app
holding only the status router, on the test's database; and a page with something on it."""

import asyncio
import re
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI
from sqlalchemy.engine import Engine
from statuspage_core import NOW, STATUS_YML, Core, add_incident, build_core

from bot.sandbox import serve_in_thread
from bot.web.status import build_status_router

T = TypeVar("T")
PUBLIC_URL = "https://status.example.com"


@dataclass
class Site:
    """The service, and the pages it serves at `url`."""

    core: Core
    url: str

    def get(self, path: str, **headers: str) -> httpx.Response:
        """GET a page of the site."""
        return httpx.get(f"{self.url}{path}", headers=headers, timeout=30)

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run one of the service's coroutines to its end."""
        return asyncio.run(work)


@contextmanager
def serve_site(engine: Engine, folder: Path, config_text: str = STATUS_YML) -> Iterator[Site]:
    """The status router alone in an app, on a real server."""
    core = build_core(engine, folder, config_text=config_text)
    app = FastAPI()
    app.include_router(build_status_router(core.service, PUBLIC_URL))
    handle = serve_in_thread(app)
    try:
        yield Site(core, handle.url)
    finally:
        handle.stop()


@dataclass(frozen=True)
class Seeded:
    """What `seed` published: public ids and the words to look for."""

    checkout: int
    dashboard: int
    maintenance_now: int
    maintenance_later: int


async def seed(core: Core) -> Seeded:
    """Three days of history: a resolved checkout outage two days ago, an open dashboard
    incident with two updates, maintenance in progress and maintenance tomorrow."""
    service, clock = core.service, core.clock
    clock.now = NOW - timedelta(days=3)
    await service.tick()
    checkout = add_incident(core.engine, number=1)
    clock.now = NOW - timedelta(days=2)
    first = await service.publish(
        checkout,
        title="Card payments failing",
        status="investigating",
        message="Card payments fail for some customers.",
        components={"API": "major_outage", "Payments": "partial_outage"},
        by="U0ALICE",
    )
    clock.advance(hours=3)
    await service.publish(
        checkout,
        title="",
        status="resolved",
        message="Payments work again.",
        components={},
        by="U0ALICE",
    )
    dashboard = add_incident(core.engine, number=2, title="internal: dash pods OOM")
    clock.now = NOW - timedelta(hours=2)
    second = await service.publish(
        dashboard,
        title="Dashboard is slow",
        status="investigating",
        message="Dashboard pages take long to load.",
        components={"Dashboard": "degraded_performance"},
        by="U0BOB",
    )
    clock.now = NOW - timedelta(hours=1)
    await service.publish(
        dashboard,
        title="",
        status="identified",
        message="A fix is rolling out; pages load again within the hour.",
        components={},
        by="U0BOB",
    )
    now_id = await service.add_maintenance(
        "Mail relay upgrade",
        "Mail may be delayed by a few minutes.",
        ["Email delivery"],
        NOW - timedelta(minutes=30),
        NOW + timedelta(hours=1),
        "cli",
    )
    later_id = await service.add_maintenance(
        "Database failover drill",
        "",
        ["API", "Payments"],
        NOW + timedelta(days=1),
        NOW + timedelta(days=1, hours=2),
        "cli",
    )
    clock.now = NOW
    await service.tick()  # the mail relay's maintenance began half an hour ago
    return Seeded(first.public_incident_id, second.public_incident_id, now_id, later_id)


def days_drawn(bars: Any) -> list[str]:
    """The colour (state class) of each day's bar in a `.bars` element, oldest first: plain
    days are squares of a shared path (`M<x> 0h3v28h-3z`), the others rects of their own."""
    drawn: dict[int, str] = {}
    for path in bars.xpath(".//path"):
        for x in re.findall(r"M(\d+) 0h3v28h-3z", path.get("d")):
            drawn[int(x)] = path.get("class")
    for rect in bars.xpath(".//rect"):
        drawn[int(rect.get("x"))] = rect.get("class")
    return [drawn[x] for x in sorted(drawn)]
