"""The workspace every sandbox starts with: the bot, three people, #general and #incidents."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.sandbox.model import BOT_ID, BOT_NAME, BOT_USER_ID, Channel, User

if TYPE_CHECKING:
    from bot.sandbox.world import World

PEOPLE = (
    ("U0ALICE", "alice", "Alice Archer"),
    ("U0BOB", "bob", "Bob Baker"),
    ("U0CAROL", "carol", "Carol Chen"),
)
CHANNELS = (("general", True), ("incidents", False))


def seed_workspace(world: World) -> None:
    """Add the bot user, the people, and two public channels without the bot in them."""
    world.users[BOT_USER_ID] = User(BOT_USER_ID, BOT_NAME, "Warroom", is_bot=True, bot_id=BOT_ID)
    for user_id, name, real_name in PEOPLE:
        world.users[user_id] = User(user_id, name, real_name, email=f"{name}@sandbox.example")
    for name, is_general in CHANNELS:
        channel = Channel(world.new_id("C"), name, False, int(world.now()), PEOPLE[0][0])
        channel.members.update(user_id for user_id, _, _ in PEOPLE)
        channel.is_general = is_general
        world.channels[channel.id] = channel
        world.messages[channel.id] = {}
