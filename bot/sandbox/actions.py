"""What people do in the Slack client: post, pin, react, join, invite, create channels."""

from __future__ import annotations

import uuid
from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.common import find_message, invitee_error, require_active
from bot.sandbox.methods.conversations import check_channel_name
from bot.sandbox.methods.reactions import check_reaction_name
from bot.sandbox.model import Channel, Message, User
from bot.sandbox.pins_and_reactions import add_reaction, pin_message
from bot.sandbox.world import World


def _person(world: World, user_id: str) -> User:
    user = world.find_user(user_id)
    if user is None or user.is_bot:
        raise SlackError("user_not_found")
    return user


def _channel_seen_by(world: World, user: User, ref: str) -> Channel:
    channel = world.find_channel(ref)
    if channel is None or (channel.is_private and user.id not in channel.members):
        raise SlackError("channel_not_found")
    return channel


def _member_channel(world: World, user: User, ref: str) -> Channel:
    channel = _channel_seen_by(world, user, ref)
    if user.id not in channel.members:
        raise SlackError("not_in_channel")
    if channel.archived:
        raise SlackError("is_archived")
    return channel


def build_rich_text(text: str) -> list[dict[str, Any]]:
    """Return the rich_text block a Slack client attaches to a typed message."""
    section = {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
    return [{"type": "rich_text", "block_id": uuid.uuid4().hex[:5], "elements": [section]}]


def act_post_message(
    world: World, user_id: str, channel_ref: str, text: str, thread_ts: str | None = None
) -> Message:
    """A person types a message (optionally in a thread)."""
    with world.lock:
        user = _person(world, user_id)
        channel = _member_channel(world, user, channel_ref)
        if thread_ts:
            find_message(world, channel, thread_ts)
        return world.post_message(
            channel,
            user=user.id,
            text=text,
            blocks=build_rich_text(text),
            thread_ts=thread_ts,
            extra={"client_msg_id": str(uuid.uuid4())},
            origin="user",
        )


def act_pin(world: World, user_id: str, channel_ref: str, ts: str) -> None:
    """A person pins a message."""
    with world.lock:
        user = _person(world, user_id)
        channel = _member_channel(world, user, channel_ref)
        message = find_message(world, channel, ts)
        if message.ts in channel.pins:
            raise SlackError("already_pinned")
        pin_message(world, channel, message, user.id)


def act_react(world: World, user_id: str, channel_ref: str, ts: str, name: str) -> None:
    """A person adds an emoji reaction."""
    with world.lock:
        user = _person(world, user_id)
        channel = _channel_seen_by(world, user, channel_ref)
        message = find_message(world, channel, ts)
        check_reaction_name(name)
        if user.id in message.reactions.get(name, []):
            raise SlackError("already_reacted")
        add_reaction(world, channel, message, user.id, name)


def act_join(world: World, user_id: str, channel_ref: str) -> Channel:
    """A person joins a public channel (a no-op when already in it)."""
    with world.lock:
        user = _person(world, user_id)
        channel = _channel_seen_by(world, user, channel_ref)
        if channel.archived:
            raise SlackError("is_archived")
        if user.id not in channel.members:
            world.add_member(channel, user.id)
        return channel


def act_invite(world: World, user_id: str, channel_ref: str, invitee_id: str) -> Channel:
    """A member invites someone, a person or the bot (`/invite @warroom`), into a channel."""
    with world.lock:
        user = _person(world, user_id)
        channel = _channel_seen_by(world, user, channel_ref)
        if user.id not in channel.members:
            raise SlackError("not_in_channel")
        require_active(channel)
        error = invitee_error(world, channel, user.id, invitee_id)
        if error:
            raise SlackError(error)
        world.add_member(channel, invitee_id, inviter=user.id)
        return channel


def act_create_channel(world: World, user_id: str, name: str, *, is_private: bool) -> Channel:
    """A person creates a channel."""
    with world.lock:
        user = _person(world, user_id)
        check_channel_name(world, name)
        return world.create_channel(name, creator=user.id, is_private=is_private)
