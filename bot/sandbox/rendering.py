"""Messages rendered with what only the world knows: thread summary, files, pins."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox.model import Message
from bot.sandbox.shapes import build_file_json, build_message_json

if TYPE_CHECKING:
    from bot.sandbox.world import World


def build_thread_fields(world: World, message: Message) -> dict[str, Any]:
    """Return `parent_user_id` for a reply, or the reply summary for a thread parent."""
    channel_messages = world.messages[message.channel]
    if message.thread_ts and message.thread_ts != message.ts:
        parent = channel_messages.get(message.thread_ts)
        return {"parent_user_id": parent.user if parent else message.user}
    replies = [
        m
        for m in channel_messages.values()
        if m.thread_ts == message.ts and m.ts != message.ts and not m.deleted
    ]
    if not replies:
        return {}
    users = list(dict.fromkeys(m.user for m in replies))
    return {
        "thread_ts": message.ts,
        "reply_count": len(replies),
        "reply_users": users,
        "reply_users_count": len(users),
        "latest_reply": replies[-1].ts,
    }


def render_message(
    world: World, message: Message, *, with_metadata: bool = False
) -> dict[str, Any]:
    """Return a message as the Web API writes it (its metadata only if asked)."""
    files = [build_file_json(world.files[f], world.channels) for f in message.files]
    pinned = message.ts in world.channels[message.channel].pins
    thread = build_thread_fields(world, message)
    body = build_message_json(message, files=files, thread=thread, pinned=pinned)
    if with_metadata and message.metadata is not None:
        body["metadata"] = message.metadata
    return body
