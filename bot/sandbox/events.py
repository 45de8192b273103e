"""Events API payloads, shaped like the ones Slack documents for each event type."""

from __future__ import annotations

from typing import Any

from bot.sandbox.model import APP_ID, BOT_USER_ID, TEAM_ID, VERIFICATION_TOKEN, Channel

# Workspace-wide events reach the app whether or not its bot is in the channel.
WORKSPACE_EVENTS = frozenset({"channel_created", "channel_rename", "channel_archive"})
# The subscription that brings `message` events, by the message's `channel_type`.
MESSAGE_SUBSCRIPTIONS = {
    "channel": "message.channels",
    "group": "message.groups",
    "im": "message.im",
}


def build_event_id(number: int) -> str:
    """Return a unique `Ev…` event id."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            break
    return "Ev" + text.rjust(9, "0")


def build_envelope(
    event: dict[str, Any],
    *,
    event_id: str,
    event_time: int,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
    token: str = VERIFICATION_TOKEN,
    bot_user_id: str = BOT_USER_ID,
) -> dict[str, Any]:
    """Wrap an event in the `event_callback` envelope Slack POSTs to the request URL."""
    return {
        "token": token,
        "team_id": team_id,
        "context_team_id": team_id,
        "context_enterprise_id": None,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": bot_user_id,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{event_id}",
    }


def channel_type_of(channel: Channel) -> str:
    """Return the `channel_type` message events carry (`channel`, `group` or `im`)."""
    if channel.is_im:
        return "im"
    return "group" if channel.is_private else "channel"


def subscription_for(event: dict[str, Any], channel: Channel | None) -> str:
    """Return the event subscription that brings this event.

    Nobody subscribes to plain `message`: an app asks for `message.channels`, `message.groups`
    or `message.im`, one per kind of conversation, and edits and deletions come with them.
    """
    if event["type"] == "message" and channel is not None:
        return MESSAGE_SUBSCRIPTIONS[channel_type_of(channel)]
    return str(event["type"])


def build_message_event(
    message_json: dict[str, Any], channel: Channel, event_ts: str
) -> dict[str, Any]:
    """Return a `message` event for a newly posted message."""
    event = dict(message_json)
    event.update({"channel": channel.id, "event_ts": event_ts})
    event["channel_type"] = channel_type_of(channel)
    return event


def build_message_changed_event(
    new_json: dict[str, Any], old_json: dict[str, Any], channel: Channel, event_ts: str
) -> dict[str, Any]:
    """Return a `message_changed` event for an edit."""
    return {
        "type": "message",
        "subtype": "message_changed",
        "message": new_json,
        "previous_message": old_json,
        "channel": channel.id,
        "hidden": True,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type_of(channel),
    }


def build_message_deleted_event(
    old_json: dict[str, Any], channel: Channel, event_ts: str
) -> dict[str, Any]:
    """Return a `message_deleted` event."""
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "deleted_ts": old_json["ts"],
        "previous_message": old_json,
        "channel": channel.id,
        "ts": event_ts,
        "event_ts": event_ts,
        "channel_type": channel_type_of(channel),
    }


def build_pin_event(
    kind: str,
    *,
    user: str,
    channel: Channel,
    message_json: dict[str, Any],
    permalink: str,
    pinned_at: int,
    pinned_by: str,
    event_ts: str,
) -> dict[str, Any]:
    """Return a `pin_added` or `pin_removed` event for a pinned message."""
    item = {
        "type": "message",
        "created": pinned_at,
        "created_by": pinned_by,
        "channel": channel.id,
        "message": {**message_json, "permalink": permalink, "pinned_to": [channel.id]},
    }
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "channel_id": channel.id,
        "item": item,
        "item_user": message_json.get("user"),
        "pin_count": len(channel.pins),
        "pinned_info": {"channel": channel.id, "pinned_by": pinned_by, "pinned_ts": pinned_at},
        "event_ts": event_ts,
    }
    if kind == "pin_removed":
        event["has_pins"] = bool(channel.pins)
    return event


def build_reaction_event(
    kind: str,
    *,
    user: str,
    reaction: str,
    channel: Channel,
    ts: str,
    item_user: str | None,
    event_ts: str,
) -> dict[str, Any]:
    """Return a `reaction_added` or `reaction_removed` event for a message."""
    event: dict[str, Any] = {
        "type": kind,
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel.id, "ts": ts},
        "event_ts": event_ts,
    }
    if item_user:
        event["item_user"] = item_user
    return event


def build_member_joined_event(
    user: str, channel: Channel, event_ts: str, inviter: str | None = None
) -> dict[str, Any]:
    """Return a `member_joined_channel` event."""
    event: dict[str, Any] = {
        "type": "member_joined_channel",
        "user": user,
        "channel": channel.id,
        "channel_type": "G" if channel.is_private else "C",
        "team": TEAM_ID,
        "event_ts": event_ts,
    }
    if inviter:
        event["inviter"] = inviter
    return event


def build_channel_created_event(channel: Channel, event_ts: str) -> dict[str, Any]:
    """Return a `channel_created` event."""
    return {
        "type": "channel_created",
        "channel": {
            "id": channel.id,
            "name": channel.name,
            "created": channel.created,
            "creator": channel.creator,
            "is_channel": True,
            "is_private": channel.is_private,
        },
        "event_ts": event_ts,
    }
