"""The whole sandbox state as JSON, for tests and the demo (possibly in another process)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from bot.sandbox.model import BOT_ID, BOT_USER_ID, TEAM_DOMAIN, TEAM_ID, Channel, View
from bot.sandbox.shapes import build_user_json, build_usergroup_json, build_view_json
from bot.sandbox.world import World

SECTIONS = (
    "team",
    "users",
    "usergroups",
    "channels",
    "messages",
    "ephemerals",
    "views",
    "files",
    "calls",
    "events",
    "deliveries",
    "config",
)


def build_channel_state(channel: Channel) -> dict[str, Any]:
    """Return a channel with its members, pins, topic and purpose."""
    return {
        "id": channel.id,
        "name": channel.name,
        "is_private": channel.is_private,
        "created": channel.created,
        "creator": channel.creator,
        "members": sorted(channel.members),
        "topic": channel.topic.value,
        "purpose": channel.purpose.value,
        "pins": list(channel.pins),
        "archived": channel.archived,
        "previous_names": list(channel.previous_names),
        "is_im": channel.is_im,
        "user": channel.user,
    }


def build_view_state(view: View) -> dict[str, Any]:
    """Return a view with who sees it, whether it is open, and its history."""
    return {
        "id": view.id,
        "user": view.user,
        "is_open": view.is_open,
        "hash": view.hash,
        "callback_id": view.data.get("callback_id", ""),
        "private_metadata": view.data.get("private_metadata", ""),
        "external_id": view.external_id,
        "errors": dict(view.errors),
        "view": build_view_json(view),
        "versions": list(view.versions),
    }


def _messages(world: World) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for channel_id in world.channels:
        out[channel_id] = [
            {
                **world.message_json(m, with_metadata=True),
                "channel": channel_id,
                "permalink": world.permalink(m),
                "origin": m.origin,
                "versions": list(m.versions),
            }
            for m in world.channel_messages(channel_id)
        ]
    return out


def build_state(world: World, sections: Iterable[str] | None = None) -> dict[str, Any]:
    """Return the requested sections of the world (all of them by default)."""
    wanted = set(sections or SECTIONS)
    state: dict[str, Any] = {}
    with world.lock:
        if "team" in wanted:
            state["team"] = {
                "id": TEAM_ID,
                "domain": TEAM_DOMAIN,
                "bot_user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if "users" in wanted:
            state["users"] = [build_user_json(u, world.now()) for u in world.users.values()]
        if "usergroups" in wanted:
            state["usergroups"] = [
                build_usergroup_json(g, include_users=True, include_count=True)
                for g in world.usergroups.values()
            ]
        if "channels" in wanted:
            state["channels"] = [build_channel_state(c) for c in world.channels.values()]
        if "messages" in wanted:
            state["messages"] = _messages(world)
        if "ephemerals" in wanted:
            state["ephemerals"] = [{k: v for k, v in e.__dict__.items()} for e in world.ephemerals]
        if "views" in wanted:
            state["views"] = [build_view_state(v) for v in world.views.values()]
        if "files" in wanted:
            state["files"] = [
                {k: v for k, v in f.__dict__.items() if k != "data"}
                | {"size": len(f.data) if f.data is not None else None}
                for f in world.files.values()
            ]
        if "calls" in wanted:
            state["calls"] = [c.__dict__ for c in world.calls]
        if "events" in wanted:
            state["events"] = list(world.events)
        if "config" in wanted:
            state["config"] = {
                "event_url": world.event_url,
                "subscriptions": sorted(world.subscriptions),
                "scopes": sorted(world.scopes),
                "enforce_rate_limits": world.enforce_rate_limits,
                "faults": world.faults.pending(),
                "outage": asdict(world.faults.outage) if world.faults.outage else None,
                "now": world.now(),
            }
    if "deliveries" in wanted:
        state["deliveries"] = [d.to_json() for d in world.dispatcher.deliveries()]
        state["pending_deliveries"] = world.dispatcher.pending()
    return state
