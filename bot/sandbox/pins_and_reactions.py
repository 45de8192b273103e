"""Pinning and reacting: the state change and the event Slack sends for it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.sandbox import events
from bot.sandbox.model import Channel, Message

if TYPE_CHECKING:
    from bot.sandbox.world import World


def _pin_event(
    world: World,
    kind: str,
    channel: Channel,
    message: Message,
    user: str,
    pinned_at: int,
    pinned_by: str,
) -> dict[str, Any]:
    return events.build_pin_event(
        kind,
        user=user,
        channel=channel,
        message_json=world.message_json(message),
        permalink=world.permalink(message),
        pinned_at=pinned_at,
        pinned_by=pinned_by,
        event_ts=world.next_ts(),
    )


def pin_message(world: World, channel: Channel, message: Message, user: str) -> None:
    """Pin a message and send `pin_added`."""
    with world.lock:
        channel.pins.append(message.ts)
        pinned_at = int(world.now())
        world.pin_info[(channel.id, message.ts)] = (pinned_at, user)
        event = _pin_event(world, "pin_added", channel, message, user, pinned_at, user)
        world.emit(event, channel)


def unpin_message(world: World, channel: Channel, message: Message, user: str) -> None:
    """Unpin a message and send `pin_removed`."""
    with world.lock:
        channel.pins.remove(message.ts)
        pinned_at, pinned_by = world.pin_info.pop((channel.id, message.ts), (0, user))
        event = _pin_event(world, "pin_removed", channel, message, user, pinned_at, pinned_by)
        world.emit(event, channel)


def add_reaction(world: World, channel: Channel, message: Message, user: str, name: str) -> None:
    """Add a reaction and send `reaction_added`."""
    with world.lock:
        message.reactions.setdefault(name, []).append(user)
        event = events.build_reaction_event(
            "reaction_added",
            user=user,
            reaction=name,
            channel=channel,
            ts=message.ts,
            item_user=message.user,
            event_ts=world.next_ts(),
        )
        world.emit(event, channel)
