"""views.* — modals opened with a trigger, updated by id or external id, pushed on a stack."""

from __future__ import annotations

import secrets
from typing import Any

from bot.sandbox import blockkit
from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import Handler, fill_ids
from bot.sandbox.model import View
from bot.sandbox.shapes import build_view_json
from bot.sandbox.world import World

MAX_STACK = 3


def parse_view(world: World, raw: Any) -> dict[str, Any]:
    """Validate a view payload like Slack (`invalid_arguments`) and fill in missing ids."""
    if raw is None:
        raise SlackError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    problems = blockkit.validate_view(raw)
    if problems:
        raise SlackError("invalid_arguments", messages=problems)
    view = dict(raw)
    view["blocks"] = fill_ids(view.get("blocks") or [], world.new_id("K"))
    return view


def _new_hash(world: World) -> str:
    return f"{int(world.now())}.{secrets.token_urlsafe(6)}"


def _check_external_id(world: World, data: dict[str, Any], current: View | None = None) -> None:
    external_id = data.get("external_id")
    if external_id and any(
        v.external_id == external_id and v is not current for v in world.views.values()
    ):
        raise SlackError("duplicate_external_id")


def store_view(
    world: World, user: str, data: dict[str, Any], *, parent: View | None = None
) -> View:
    """Open a view for a user, on top of `parent` when pushed."""
    _check_external_id(world, data)
    view_id = world.new_id("V")
    view = View(
        view_id,
        user,
        data,
        _new_hash(world),
        root_view_id=parent.root_view_id if parent else view_id,
        previous_view_id=parent.id if parent else None,
        external_id=data.get("external_id") or None,
    )
    view.versions.append(data)
    world.views[view_id] = view
    return view


def replace_view(world: World, view: View, data: dict[str, Any]) -> None:
    """Give a view new content and a new hash, keeping its id."""
    _check_external_id(world, data, view)
    view.data = data
    view.hash = _new_hash(world)
    view.external_id = data.get("external_id") or view.external_id
    view.errors = {}
    view.versions.append(data)


def top_view(world: World, user: str) -> View | None:
    """Return the view the user is looking at, if any."""
    open_views = [v for v in world.views.values() if v.user == user and v.is_open]
    return open_views[-1] if open_views else None


def stack_of(world: World, view: View) -> list[View]:
    """Return the open views sharing a root with `view`, bottom first."""
    return [v for v in world.views.values() if v.root_view_id == view.root_view_id and v.is_open]


def handle_open(world: World, args: Args) -> dict[str, Any]:
    """views.open: needs a fresh, unused trigger_id."""
    data = parse_view(world, args.structured("view", error="invalid_arguments"))
    trigger = world.interactions.consume_trigger(args.text("trigger_id"))
    view = store_view(world, trigger.user, data)
    return {"view": build_view_json(view)}


def handle_push(world: World, args: Args) -> dict[str, Any]:
    """views.push: at most three views on a stack."""
    data = parse_view(world, args.structured("view", error="invalid_arguments"))
    trigger = world.interactions.consume_trigger(args.text("trigger_id"))
    parent = top_view(world, trigger.user)
    if parent is not None and len(stack_of(world, parent)) >= MAX_STACK:
        raise SlackError("push_limit_reached")
    view = store_view(world, trigger.user, data, parent=parent)
    return {"view": build_view_json(view)}


def handle_update(world: World, args: Args) -> dict[str, Any]:
    """views.update by view_id or external_id; a stale `hash` is a `hash_conflict`."""
    view_id, external_id = args.text("view_id"), args.text("external_id")
    if not view_id and not external_id:
        raise SlackError(
            "invalid_arguments", messages=["[ERROR] must provide either view_id or external_id"]
        )
    if view_id:
        view = world.views.get(view_id)
    else:
        view = next((v for v in world.views.values() if v.external_id == external_id), None)
    if view is None or not view.is_open:
        raise SlackError("not_found")
    given_hash = args.text("hash")
    if given_hash and given_hash != view.hash:
        raise SlackError("hash_conflict")
    replace_view(world, view, parse_view(world, args.structured("view", error="invalid_arguments")))
    return {"view": build_view_json(view)}


def apply_submission_answer(
    world: World, view_id: str, status: int, body: dict[str, Any] | None
) -> dict[str, Any]:
    """Do to a submitted modal what Slack does with the app's answer to `view_submission`."""
    view = world.views.get(view_id)
    if view is None:
        raise SlackError("not_found")
    if status != 200:
        return {"outcome": "error_shown", "status": status}
    action = (body or {}).get("response_action")
    if action == "errors":
        view.errors = dict((body or {}).get("errors") or {})
        return {"outcome": "errors", "errors": view.errors}
    if action in ("update", "push"):
        try:
            data = parse_view(world, (body or {}).get("view"))
        except SlackError as exc:
            return {"outcome": "invalid_view", "messages": exc.messages}
        if action == "update":
            replace_view(world, view, data)
            return {"outcome": "updated", "view_id": view.id}
        pushed = store_view(world, view.user, data, parent=view)
        return {"outcome": "pushed", "view_id": pushed.id}
    closing = stack_of(world, view) if action == "clear" else [view]
    for item in closing:
        item.is_open = False
    return {"outcome": "closed", "view_ids": [v.id for v in closing]}


HANDLERS: dict[str, Handler] = {
    "views.open": handle_open,
    "views.push": handle_push,
    "views.update": handle_update,
}
