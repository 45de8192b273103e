"""pins.* — pinning messages in channels."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import (
    Handler,
    find_message,
    find_visible_channel,
    require_membership,
)
from bot.sandbox.model import BOT_USER_ID
from bot.sandbox.pins_and_reactions import pin_message, unpin_message
from bot.sandbox.world import World


def handle_add(world: World, args: Args) -> dict[str, Any]:
    """pins.add: the bot must be in the channel; a message is pinned once."""
    channel = find_visible_channel(world, args.text("channel"))
    require_membership(channel)
    message = find_message(world, channel, args.text("timestamp"))
    if message.subtype == "channel_join":
        raise SlackError("not_pinnable")
    if message.ts in channel.pins:
        raise SlackError("already_pinned")
    pin_message(world, channel, message, BOT_USER_ID)
    return {}


def handle_remove(world: World, args: Args) -> dict[str, Any]:
    """pins.remove: `no_pin` when the message is not pinned."""
    channel = find_visible_channel(world, args.text("channel"))
    require_membership(channel)
    message = find_message(world, channel, args.text("timestamp"))
    if message.ts not in channel.pins:
        raise SlackError("no_pin")
    unpin_message(world, channel, message, BOT_USER_ID)
    return {}


def handle_list(world: World, args: Args) -> dict[str, Any]:
    """pins.list: pinned messages, most recently pinned first."""
    channel = find_visible_channel(world, args.text("channel"))
    items = []
    for ts in reversed(channel.pins):
        message = world.find_message(channel.id, ts)
        if message is None:
            continue
        created, created_by = world.pin_info.get((channel.id, ts), (0, BOT_USER_ID))
        items.append(
            {
                "type": "message",
                "created": created,
                "created_by": created_by,
                "channel": channel.id,
                "message": {**world.message_json(message), "permalink": world.permalink(message)},
            }
        )
    return {"items": items}


HANDLERS: dict[str, Handler] = {
    "pins.add": handle_add,
    "pins.list": handle_list,
    "pins.remove": handle_remove,
}
