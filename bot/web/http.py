"""The HTTP surface: Slack's requests and a health check."""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

SlackHandler = Callable[[Request], Awaitable[Response]]
HealthCheck = Callable[[], Awaitable[dict[str, Any]]]


def build_http_app(*, slack_handler: SlackHandler, health: HealthCheck) -> FastAPI:
    """A FastAPI app serving `POST /slack/events` and `GET /healthz`."""
    api = FastAPI(title="Warroom", docs_url=None, redoc_url=None, openapi_url=None)

    @api.post("/slack/events")
    async def slack_events(request: Request) -> Response:
        return await slack_handler(request)

    @api.get("/healthz")
    async def healthz() -> JSONResponse:
        report = await health()
        return JSONResponse(report, status_code=200 if report.get("ok") else 503)

    return api
