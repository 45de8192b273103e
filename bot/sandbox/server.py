"""The sandbox over HTTP: Web API, Socket Mode, response_url and upload targets, `/_sandbox`."""

from __future__ import annotations

import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from bot.sandbox.control import build_control_router
from bot.sandbox.errors import SlackError
from bot.sandbox.fault_routes import build_fault_router
from bot.sandbox.methods.files import receive_upload
from bot.sandbox.multipart import parse_multipart
from bot.sandbox.oidc import build_oidc_router
from bot.sandbox.responses import handle_response_url_post
from bot.sandbox.socket_routes import build_socket_router
from bot.sandbox.transport import send_answer
from bot.sandbox.web_api import handle_api_call
from bot.sandbox.world import World


def _upload_bytes(body: bytes, content_type: str) -> bytes:
    if content_type.lower().startswith("multipart/form-data"):
        parts = parse_multipart(body, content_type)
        named = parts.get("file") or next(iter(parts.values()), (None, b""))
        return named[1]
    return body


def current_world(request: Request) -> World:
    """Return the world the app serves now (SandboxServer.reset swaps it)."""
    world: World = request.app.state.world
    return world


def create_sandbox_app(world: World) -> FastAPI:
    """Return the ASGI app serving `world` (the Web API lives under `/api/`)."""
    app = FastAPI(title="Warroom Slack sandbox", docs_url=None, redoc_url=None)
    app.state.world = world
    # First: `apps.connections.open` takes the app-level token, not the bot token.
    app.include_router(build_socket_router())
    # Before `/api/{method}`: Sign in with Slack's token and userInfo calls live under /api.
    app.include_router(build_oidc_router())

    @app.api_route("/api/{method}", methods=["GET", "POST"])
    async def web_api(method: str, request: Request) -> Response:
        answer = handle_api_call(
            current_world(request),
            method,
            query=request.query_params,
            body=await request.body(),
            content_type=request.headers.get("content-type", ""),
            authorization=request.headers.get("authorization"),
            base_url=str(request.base_url),
        )
        return await send_answer(request, answer)

    @app.post("/_sandbox/response/{token}")
    async def response_url(token: str, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else {}
            if not isinstance(body, dict):
                raise SlackError("invalid_payload", status=400)
            immediate = request.headers.get("x-sandbox-immediate") == "1"
            result = handle_response_url_post(
                current_world(request), token, body, immediate=immediate
            )
        except ValueError:
            return JSONResponse({"ok": False, "error": "invalid_payload"}, status_code=400)
        except SlackError as exc:
            return JSONResponse(exc.build_body(), status_code=exc.status)
        return JSONResponse(result)

    @app.post("/_sandbox/upload/{file_id}")
    async def upload(file_id: str, request: Request) -> Response:
        data = _upload_bytes(await request.body(), request.headers.get("content-type", ""))
        stored = receive_upload(current_world(request), file_id, data)
        if stored is None:
            return PlainTextResponse("file_not_found", status_code=404)
        return PlainTextResponse(f"OK - {len(data)}")

    app.include_router(build_control_router())
    app.include_router(build_fault_router())
    return app
