"""The HTTP surface: Slack's requests, liveness, readiness, metrics and the alert webhooks."""

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

SlackHandler = Callable[[Request], Awaitable[Response]]
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
Scrape = Callable[[], Awaitable[tuple[bytes, str]]]
Hook = Callable[[], Awaitable[None]]


def build_http_app(
    *,
    slack_handler: SlackHandler,
    readiness: HealthCheck,
    scrape: Scrape | None = None,
    metrics_token: str | None = None,
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """A FastAPI app serving `POST /slack/events`, `GET /healthz` (the process answers),
    `GET /readyz` (it can work: 200 or 503, a field per check), `GET /metrics` (Prometheus
    text; a Bearer token when `metrics_token` is set) and the given routers."""

    @asynccontextmanager
    async def lifespan(_api: FastAPI) -> AsyncIterator[None]:
        if on_startup is not None:
            await on_startup()
        try:
            yield
        finally:
            if on_shutdown is not None:
                await on_shutdown()

    api = FastAPI(
        title="Warroom", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        return await slack_handler(request)

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"ok": True})

    @api.get("/readyz")
    async def readyz() -> JSONResponse:
        report = await readiness()
        return JSONResponse(report, status_code=200 if report.get("ok") else 503)

    if scrape is not None:

        @api.get("/metrics")
        async def metrics(request: Request) -> Response:
            if metrics_token and not _bearer(request, metrics_token):
                return JSONResponse(
                    {
                        "ok": False,
                        "error": "unauthorized",
                        "reason": "send the metrics token "
                        "as 'Authorization: Bearer …' (WARROOM_METRICS_TOKEN)",
                    },
                    status_code=401,
                    headers={"www-authenticate": "Bearer"},
                )
            body, content_type = await scrape()
            return Response(body, media_type=content_type)

    for router in routers:
        api.include_router(router)
    return api


def _bearer(request: Request, token: str) -> bool:
    """The Bearer header, compared in constant time."""
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
