"""The HTTP surface: Slack's requests, a health check and the alert webhooks."""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse

SlackHandler = Callable[[Request], Awaitable[Response]]
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]
Hook = Callable[[], Awaitable[None]]


def build_http_app(
    *,
    slack_handler: SlackHandler,
    health: HealthCheck,
    on_startup: Hook | None = None,
    on_shutdown: Hook | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """A FastAPI app serving `POST /slack/events`, `GET /healthz` and the given routers."""

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
        report = await health()
        return JSONResponse(report, status_code=200 if report.get("ok") else 503)

    for router in routers:
        api.include_router(router)
    return api
