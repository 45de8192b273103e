"""The public status page over HTTP: `/status`, `/status/incidents/<id>`, `/status/history`,
`/status/feed.atom`, and `/status/api/v2/summary.json` (and `status.json`) in the shape of
Atlassian Statuspage's public API. Only what was published through the service is shown.
Every answer carries an ETag; a client holding the current one gets 304."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path

from fastapi import APIRouter, Request, Response

from bot.statuspage.rules.summary import PageInfo, build_summary, stable_id
from bot.statuspage.service import StatusPageService
from bot.web.status.feed import build_feed
from bot.web.status.render import StatusPages
from bot.web.status.responses import (
    ATOM,
    DRIFT_SECONDS,
    HTML,
    JSON,
    Renderings,
    answer,
    json_bytes,
    refusal,
)

FEED_ENTRIES = 50
PER_PAGE = 20
_MAX_NUMBER = 10**12  # ids and page numbers beyond this are typing mistakes, not pages


def build_status_router(
    service: StatusPageService, public_url: str, *, templates: Path | None = None
) -> APIRouter:
    """The routes of the public status page, served under `<public_url>/status`."""
    page_url = public_url.rstrip("/") + "/status"
    branding = service.config.branding
    pages = StatusPages(branding, page_url, templates)
    info = PageInfo(id=stable_id("page", page_url), name=branding.name, url=page_url)
    renderings = Renderings()
    router = APIRouter()

    async def respond(
        request: Request,
        variant: str,
        media_type: str,
        render: Callable[[datetime], Awaitable[tuple[int, bytes]]],
    ) -> Response:
        now = service.clock()
        marker = f"{await service.marker(now)}:{int(now.timestamp()) // DRIFT_SECONDS}"
        return await answer(
            request,
            marker=marker,
            variant=variant,
            media_type=media_type,
            public_url=public_url,
            renderings=renderings,
            render=lambda: render(now),
        )

    @router.api_route("/status", methods=["GET", "HEAD"])
    async def status_page(request: Request) -> Response:
        async def render(now: datetime) -> tuple[int, bytes]:
            view, uptimes = await service.page(now)
            html = await asyncio.to_thread(pages.page, view, uptimes)
            return 200, html.encode()

        return await respond(request, "page", HTML, render)

    @router.api_route("/status/incidents/{public_id}", methods=["GET", "HEAD"])
    async def incident_page(public_id: str, request: Request) -> Response:
        number = _number(public_id)
        if number is None:
            return refusal(400, "bad_request", f"{public_id[:40]!r} is not an incident number")

        async def render(_now: datetime) -> tuple[int, bytes]:
            incident = await service.incident(number)
            if incident is None:
                return 404, pages.not_found(f"No incident {number} was published here.").encode()
            return 200, (await asyncio.to_thread(pages.incident, incident)).encode()

        return await respond(request, f"incident:{number}", HTML, render)

    @router.api_route("/status/history", methods=["GET", "HEAD"])
    async def history_page(request: Request) -> Response:
        given = request.query_params.get("page", "1")
        number = _number(given)
        if number is None or number < 1:
            return refusal(
                400, "bad_request", f"page {given[:40]!r} is not a page number (1, 2, …)"
            )

        async def render(_now: datetime) -> tuple[int, bytes]:
            history = await service.history(number, per_page=PER_PAGE)
            return 200, (await asyncio.to_thread(pages.history, history)).encode()

        return await respond(request, f"history:{number}", HTML, render)

    @router.api_route("/status/feed.atom", methods=["GET", "HEAD"])
    async def feed(request: Request) -> Response:
        async def render(now: datetime) -> tuple[int, bytes]:
            incidents, maintenances = await service.recent(FEED_ENTRIES)
            body = build_feed(branding, page_url, incidents, maintenances, now=now)
            return 200, body

        return await respond(request, "feed", ATOM, render)

    @router.api_route("/status/api/v2/summary.json", methods=["GET", "HEAD"])
    async def summary(request: Request) -> Response:
        async def render(now: datetime) -> tuple[int, bytes]:
            return 200, json_bytes(build_summary(info, await service.summary(now)))

        return await respond(request, "summary", JSON, render)

    @router.api_route("/status/api/v2/status.json", methods=["GET", "HEAD"])
    async def status(request: Request) -> Response:
        async def render(now: datetime) -> tuple[int, bytes]:
            document = build_summary(info, await service.summary(now))
            return 200, json_bytes({"page": document["page"], "status": document["status"]})

        return await respond(request, "status", JSON, render)

    return router


def _number(text: str) -> int | None:
    """A positive whole number as typed, or None."""
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        return None
    number = int(text)
    return number if 0 < number < _MAX_NUMBER else None
