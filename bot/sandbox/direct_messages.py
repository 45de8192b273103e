"""Direct messages: the one `D…` conversation the bot has with each person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.sandbox.errors import SlackError
from bot.sandbox.model import BOT_USER_ID, Channel

if TYPE_CHECKING:
    from bot.sandbox.world import World


def find_dm(world: World, user_id: str) -> Channel | None:
    """Return the bot's DM with a person, if it has ever been opened."""
    with world.lock:
        return next((c for c in world.channels.values() if c.is_im and c.user == user_id), None)


def check_dm_partner(world: World, user_id: str) -> None:
    """Fail with conversations.open's error codes unless the bot may DM this user."""
    user = world.users.get(user_id)
    if user is None:
        raise SlackError("user_not_found")
    if user.deleted:
        raise SlackError("user_disabled")
    if user.is_bot:
        raise SlackError("cannot_dm_bot")


def open_dm(world: World, user_id: str) -> tuple[Channel, bool]:
    """Return the bot's DM with a person, creating it once; and whether it was already open."""
    with world.lock:
        existing = find_dm(world, user_id)
        if existing is not None:
            return existing, True
        channel = Channel(
            world.new_id("D"),
            "",
            True,  # only its two members can see it, like a private channel
            int(world.now()),
            BOT_USER_ID,
            members={BOT_USER_ID, user_id},
            is_im=True,
            user=user_id,
        )
        world.channels[channel.id] = channel
        world.messages[channel.id] = {}
        return channel, False
