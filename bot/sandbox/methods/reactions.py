"""reactions.* — emoji reactions on messages."""

from __future__ import annotations

import re
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
from bot.sandbox.pins_and_reactions import add_reaction
from bot.sandbox.world import World

_EMOJI_NAME = re.compile(r"[a-z0-9_+'\-]+(::skin-tone-[2-6])?")


def check_reaction_name(name: str | None) -> str:
    """Return a valid emoji name or fail with `invalid_name`."""
    if not name or not _EMOJI_NAME.fullmatch(name):
        raise SlackError("invalid_name")
    return name


def handle_add(world: World, args: Args) -> dict[str, Any]:
    """reactions.add: one reaction per name per user."""
    channel = find_visible_channel(world, args.text("channel"))
    require_membership(channel)
    message = find_message(world, channel, args.text("timestamp"))
    name = check_reaction_name(args.text("name"))
    if BOT_USER_ID in message.reactions.get(name, []):
        raise SlackError("already_reacted")
    add_reaction(world, channel, message, BOT_USER_ID, name)
    return {}


def handle_get(world: World, args: Args) -> dict[str, Any]:
    """reactions.get for a message."""
    channel = find_visible_channel(world, args.text("channel"))
    message = find_message(world, channel, args.text("timestamp"))
    return {"type": "message", "channel": channel.id, "message": world.message_json(message)}


HANDLERS: dict[str, Handler] = {
    "reactions.add": handle_add,
    "reactions.get": handle_get,
}
