"""Socket Mode over HTTP: `apps.connections.open`, the WebSocket itself, and `/_sandbox/socket`."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import JSONResponse, Response

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.views import apply_submission_answer
from bot.sandbox.responses import handle_response_url_post
from bot.sandbox.socket_mode import (
    ENVELOPE_TYPES,
    POLICY_VIOLATION,
    SOCKET_PATH,
    Envelope,
    check_app_token,
)
from bot.sandbox.transport import ApiAnswer, send_answer
from bot.sandbox.web_api import finish_call
from bot.sandbox.world import World

CONNECTIONS_OPEN = "apps.connections.open"
# What Slack does with a modal whose submission got no ack in time: shows an error in it.
NO_ACK_STATUS = 408


def _world(scope: Request | WebSocket) -> World:
    world: World = scope.app.state.world
    return world


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def build_socket_url(base_url: str, ticket: str) -> str:
    """Return the WebSocket URL for a ticket, on the host the app called."""
    root = base_url.rstrip("/")
    scheme, rest = root.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{SOCKET_PATH}/{ticket}"


def open_connection(world: World, authorization: str | None, base_url: str) -> ApiAnswer:
    """Answer `apps.connections.open`: a WebSocket URL for the app-level token, as Slack does.

    Slack reads this token from the Authorization header only.
    """
    with world.lock:
        outage = world.faults.outage
        fault = outage.as_fault(CONNECTIONS_OPEN) if outage is not None else None
        reached: ApiAnswer | None = None
        if fault is None:
            error = check_app_token(
                _bearer(authorization), app_token=world.app_token, bot_token=world.token
            )
            fault = world.faults.take_fault(CONNECTIONS_OPEN) if error is None else None
            failure = SlackError(error) if error is not None else None
            if fault is not None and fault.mode == "error":
                failure = fault.slack_error()
            if failure is not None:
                reached = ApiAnswer(failure.status, failure.build_body(), dict(failure.headers))
        if reached is None and (fault is None or fault.does_work):
            url = build_socket_url(base_url, world.socket_mode.issue_ticket())
            reached = ApiAnswer(200, {"ok": True, "url": url})
        answer = finish_call(world, CONNECTIONS_OPEN, {}, reached, fault, outage=bool(outage))
        # The app-level token has no bot scopes to report.
        answer.headers.pop("X-OAuth-Scopes", None)
        return answer


def apply_ack(world: World, record: Envelope) -> dict[str, Any] | None:
    """Do what Slack does with an interaction's ack (or its absence); return the outcome."""
    try:
        if record.type == "slash_commands":
            reply = record.ack_payload or {}
            if not record.acked or not (reply.get("text") or reply.get("blocks")):
                return None
            token = str(record.payload.get("response_url", "")).rsplit("/", 1)[-1]
            return handle_response_url_post(world, token, reply, immediate=True)
        if record.type == "interactive" and record.payload.get("type") == "view_submission":
            view_id = str((record.payload.get("view") or {}).get("id", ""))
            status = 200 if record.acked else NO_ACK_STATUS
            answer = record.ack_payload if record.acked else None
            with world.lock:
                return apply_submission_answer(world, view_id, status, answer)
    except SlackError as exc:
        return exc.build_body()
    return None


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise SlackError("json_not_object", status=400)
    return data


def build_socket_router() -> APIRouter:
    """Return the routes of Socket Mode; include it before the generic `/api/{method}`."""
    router = APIRouter()

    @router.api_route(f"/api/{CONNECTIONS_OPEN}", methods=["GET", "POST"])
    async def connections_open(request: Request) -> Response:
        answer = open_connection(
            _world(request), request.headers.get("authorization"), str(request.base_url)
        )
        return await send_answer(request, answer)

    @router.websocket(SOCKET_PATH + "/{ticket}")
    async def socket(websocket: WebSocket, ticket: str) -> None:
        hub = _world(websocket).socket_mode
        if not hub.redeem_ticket(ticket):
            await websocket.close(code=POLICY_VIOLATION)
            return
        await websocket.accept()
        await hub.serve(websocket)

    @router.get("/_sandbox/socket")
    def socket_state(request: Request) -> Response:
        return JSONResponse(_world(request).socket_mode.state())

    @router.post("/_sandbox/socket/send")
    async def send(request: Request) -> Response:
        world = _world(request)
        try:
            data = await _json_body(request)
        except (ValueError, SlackError):
            return JSONResponse({"ok": False, "error": "invalid_json"}, status_code=400)
        kind, payload = data.get("type"), data.get("payload")
        if kind not in ENVELOPE_TYPES or not isinstance(payload, dict):
            return JSONResponse({"ok": False, "error": "invalid_envelope"}, status_code=400)
        record = await world.socket_mode.exchange(
            str(kind),
            payload,
            retry_attempt=data.get("retry_attempt"),
            retry_reason=data.get("retry_reason"),
        )
        if record is None:
            return JSONResponse({"ok": False, "error": "not_connected"}, status_code=409)
        record.effect = apply_ack(world, record)
        return JSONResponse({"ok": True, "envelope": record.to_json()})

    @router.post("/_sandbox/socket/disconnect")
    async def disconnect(request: Request) -> Response:
        data = await _json_body(request)
        reason = str(data.get("reason") or "refresh_requested")
        count = await _world(request).socket_mode.disconnect_all(reason)
        return JSONResponse({"ok": True, "connections": count})

    return router
