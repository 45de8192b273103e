"""`/_sandbox/*`: what the driver and tests use to act as people and to look inside."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.sandbox import actions
from bot.sandbox.errors import SlackError
from bot.sandbox.integrations import post_integration_message
from bot.sandbox.methods.views import apply_submission_answer
from bot.sandbox.shapes import build_view_json
from bot.sandbox.snapshot import build_state
from bot.sandbox.user_groups import create_user_group
from bot.sandbox.world import World


async def _json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    data = json.loads(raw) if raw else {}
    if not isinstance(data, dict):
        raise SlackError("json_not_object", status=400)
    return data


def _world(request: Request) -> World:
    world: World = request.app.state.world
    return world


def _fail(exc: SlackError) -> JSONResponse:
    status = exc.status if exc.status != 200 else 400
    return JSONResponse(exc.build_body(), status_code=status)


def build_control_router() -> APIRouter:
    """Return the router for user actions, interaction context, config and inspection."""
    router = APIRouter(prefix="/_sandbox")

    @router.get("/state")
    def get_state(request: Request, sections: str | None = None) -> Response:
        world = _world(request)
        with world.lock:
            wanted = sections.split(",") if sections else None
            return JSONResponse(build_state(world, wanted))

    @router.post("/act/{action}")
    async def act(action: str, request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        try:
            result: dict[str, Any] = {"ok": True}
            if action == "post_message":
                message = actions.act_post_message(
                    world, data["user"], data["channel"], data["text"], data.get("thread_ts")
                )
                result.update(ts=message.ts, channel=message.channel)
            elif action == "pin":
                actions.act_pin(world, data["user"], data["channel"], data["ts"])
            elif action == "react":
                actions.act_react(world, data["user"], data["channel"], data["ts"], data["name"])
            elif action == "join":
                result["channel"] = actions.act_join(world, data["user"], data["channel"]).id
            elif action == "invite":
                invited = actions.act_invite(world, data["user"], data["channel"], data["invitee"])
                result["channel"] = invited.id
            elif action == "create_channel":
                channel = actions.act_create_channel(
                    world, data["user"], data["name"], is_private=bool(data.get("is_private"))
                )
                result["channel"] = channel.id
            elif action == "post_integration_message":
                message = post_integration_message(
                    world,
                    data["channel"],
                    text=data.get("text") or "",
                    attachments=data.get("attachments"),
                    blocks=data.get("blocks"),
                    username=data.get("username") or "Alertmanager",
                    bot_id=data.get("bot_id"),
                )
                result.update(ts=message.ts, channel=message.channel, bot_id=message.bot_id)
            else:
                return JSONResponse({"ok": False, "error": "unknown_action"}, status_code=404)
        except SlackError as exc:
            return _fail(exc)
        return JSONResponse(result)

    @router.post("/interaction")
    async def interaction(request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        trigger_id = world.interactions.issue_trigger(data["user"])
        response_url = None
        if data.get("channel"):
            response_url = world.interactions.issue_response_url(
                str(request.base_url),
                data["channel"],
                data["user"],
                message_ts=data.get("message_ts"),
                is_ephemeral=bool(data.get("is_ephemeral")),
            )
        return JSONResponse({"trigger_id": trigger_id, "response_url": response_url})

    @router.get("/message")
    def get_message(channel: str, ts: str, request: Request) -> Response:
        world = _world(request)
        with world.lock:
            target = world.find_channel(channel)
            message = world.find_message(target.id, ts) if target else None
            if target is not None and message is not None:
                return JSONResponse(
                    {
                        "ok": True,
                        "is_ephemeral": False,
                        "channel": target.id,
                        "message": world.message_json(message, with_metadata=True),
                    }
                )
            for item in world.ephemerals:
                if item.ts == ts and not item.deleted:
                    body = {
                        "type": "message",
                        "ts": item.ts,
                        "text": item.text,
                        "blocks": item.blocks or [],
                        "user": item.user,
                    }
                    return JSONResponse(
                        {"ok": True, "is_ephemeral": True, "channel": item.channel, "message": body}
                    )
        return JSONResponse({"ok": False, "error": "message_not_found"}, status_code=404)

    @router.get("/views/{view_id}")
    def get_view(view_id: str, request: Request) -> Response:
        world = _world(request)
        with world.lock:
            view = world.views.get(view_id)
            if view is None:
                return JSONResponse({"ok": False, "error": "not_found"}, status_code=404)
            return JSONResponse(
                {
                    "ok": True,
                    "view": build_view_json(view),
                    "user": view.user,
                    "is_open": view.is_open,
                }
            )

    @router.post("/views/{view_id}/answer")
    async def view_answer(view_id: str, request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        try:
            with world.lock:
                outcome = apply_submission_answer(world, view_id, data["status"], data.get("body"))
        except SlackError as exc:
            return _fail(exc)
        return JSONResponse({"ok": True, **outcome})

    @router.get("/files/{file_id}")
    def get_file(file_id: str, request: Request) -> Response:
        world = _world(request)
        stored = world.files.get(file_id)
        if stored is None or stored.data is None:
            return JSONResponse({"ok": False, "error": "file_not_found"}, status_code=404)
        return Response(stored.data, media_type="application/octet-stream")

    @router.post("/config")
    async def configure(request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        with world.lock:
            for key in ("event_url", "signing_secret", "enforce_rate_limits"):
                if key in data:
                    setattr(world, key, data[key])
            if "subscriptions" in data:
                world.subscriptions = set(data["subscriptions"])
            if "scopes" in data:
                world.scopes = set(data["scopes"])
        return JSONResponse({"ok": True})

    @router.post("/clock")
    async def clock(request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        if "advance" in data:
            world.clock.advance(float(data["advance"]))
        return JSONResponse({"ok": True, "now": world.now()})

    @router.post("/users")
    async def add_user(request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        user = world.add_user(
            data["name"],
            data.get("real_name"),
            user_id=data.get("id"),
            tz=data.get("tz", "Europe/London"),
            email=data.get("email"),
        )
        return JSONResponse({"ok": True, "id": user.id})

    @router.post("/usergroups")
    async def add_usergroup(request: Request) -> Response:
        world = _world(request)
        data = await _json_body(request)
        try:
            group = create_user_group(
                world,
                data["handle"],
                data.get("users") or [],
                name=data.get("name"),
                description=data.get("description") or "",
            )
        except SlackError as exc:
            return _fail(exc)
        return JSONResponse({"ok": True, "id": group.id})

    return router
