"""`/_sandbox/inject`, `/outage` and `/faults`: planned failures of the Web API."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.sandbox.world import World


def _world(request: Request) -> World:
    world: World = request.app.state.world
    return world


async def _json_object(request: Request) -> dict[str, Any] | None:
    raw = await request.body()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _refuse(reason: str) -> JSONResponse:
    return JSONResponse({"ok": False, "error": "invalid_fault", "detail": reason}, 400)


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def describe_faults(world: World) -> dict[str, Any]:
    """Return the planned faults and the outage, if one is on."""
    outage = world.faults.outage
    return {
        "ok": True,
        "faults": world.faults.pending(),
        "outage": None if outage is None else {"mode": outage.mode, "status": outage.status},
    }


def build_fault_router() -> APIRouter:
    """Return the routes that plan Web API failures and switch outages on and off."""
    router = APIRouter(prefix="/_sandbox")

    @router.post("/inject")
    async def inject(request: Request) -> Response:
        world = _world(request)
        data = await _json_object(request)
        if data is None or not data.get("method"):
            return _refuse("expected a JSON object with at least `method`")
        try:
            with world.lock:
                world.faults.add(
                    str(data["method"]),
                    data.get("error"),
                    times=int(data.get("times", 1)),
                    retry_after=_optional_int(data.get("retry_after")),
                    status=_optional_int(data.get("status")),
                    mode=str(data.get("mode") or "error"),
                )
        except (TypeError, ValueError) as exc:
            return _refuse(str(exc))
        return JSONResponse({"ok": True})

    @router.post("/outage")
    async def outage(request: Request) -> Response:
        world = _world(request)
        data = await _json_object(request)
        if data is None or "on" not in data:
            return _refuse("expected a JSON object with `on`")
        try:
            with world.lock:
                world.faults.set_outage(
                    bool(data["on"]),
                    mode=str(data.get("mode") or "plain"),
                    status=int(data.get("status") or 503),
                )
        except (TypeError, ValueError) as exc:
            return _refuse(str(exc))
        return JSONResponse(describe_faults(world))

    @router.get("/faults")
    def faults(request: Request) -> Response:
        world = _world(request)
        with world.lock:
            return JSONResponse(describe_faults(world))

    @router.post("/faults/clear")
    def clear(request: Request) -> Response:
        world = _world(request)
        with world.lock:
            world.faults.clear()
            return JSONResponse(describe_faults(world))

    return router
