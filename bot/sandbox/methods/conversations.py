"""conversations.* — channels, members, topics and history."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import (
    Handler,
    find_message,
    find_visible_channel,
    invitee_error,
    paginate,
    reject_im,
    require_active,
    require_conversation_scope,
    require_membership,
    require_scope,
    ts_key,
)
from bot.sandbox.model import BOT_USER_ID, Channel
from bot.sandbox.shapes import build_channel_json
from bot.sandbox.world import World

MAX_NAME_LENGTH = 80
MAX_TOPIC_LENGTH = 250
MAX_PURPOSE_LENGTH = 250
MAX_INVITEES = 100
# The scope conversations.list needs for each conversation type it is asked for.
LIST_TYPE_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "mpim": "mpim:read",
    "im": "im:read",
}
_NAME_CHARS = re.compile(r"[a-z0-9_\-]+")


def check_channel_name(world: World, name: str, *, ignore: Channel | None = None) -> None:
    """Apply Slack's channel-name rules, failing with its error codes."""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_NAME_LENGTH:
        raise SlackError("invalid_name_maxlength")
    if not _NAME_CHARS.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name and c is not ignore for c in world.channels.values()):
        raise SlackError("name_taken")


def handle_create(world: World, args: Args) -> dict[str, Any]:
    """conversations.create: the bot creates a channel and is its first member."""
    name = args.text("name") or ""
    check_channel_name(world, name)
    channel = world.create_channel(name, creator=BOT_USER_ID, is_private=args.flag("is_private"))
    return {"channel": build_channel_json(channel)}


def parse_user_list(args: Args) -> list[str]:
    """Return the `users` argument (comma-separated or a JSON list) without duplicates."""
    raw: object = args.params.get("users")
    if isinstance(raw, str) and raw.lstrip().startswith("["):
        raw = args.structured("users", error="invalid_arguments")
    users = raw if isinstance(raw, list) else str(raw or "").split(",")
    return list(dict.fromkeys(str(u).strip() for u in users if str(u).strip()))


def handle_invite(world: World, args: Args) -> dict[str, Any]:
    """conversations.invite: all or nothing, unless `force` is set."""
    channel = find_visible_channel(world, args.text("channel"))
    reject_im(channel)
    require_active(channel)
    require_membership(channel)
    users = parse_user_list(args)
    if not users:
        raise SlackError("no_user")
    if len(users) > MAX_INVITEES:
        raise SlackError("too_many_users")
    failures: list[dict[str, Any]] = []
    accepted: list[str] = []
    for user in users:
        error = invitee_error(world, channel, BOT_USER_ID, user)
        if error:
            failures.append({"user": user, "ok": False, "error": error})
        else:
            accepted.append(user)
    if failures and (not args.flag("force") or not accepted):
        raise SlackError(failures[0]["error"], extra={"errors": failures})
    for user in accepted:
        world.add_member(channel, user, inviter=BOT_USER_ID)
    body: dict[str, Any] = {"channel": build_channel_json(channel)}
    if failures:
        body["errors"] = failures
    return body


def handle_info(world: World, args: Args) -> dict[str, Any]:
    """conversations.info."""
    channel = find_visible_channel(world, args.text("channel"))
    require_conversation_scope(world, channel, "read")
    return {"channel": build_channel_json(channel, num_members=args.flag("include_num_members"))}


def handle_join(world: World, args: Args) -> dict[str, Any]:
    """conversations.join: public channels only."""
    channel = find_visible_channel(world, args.text("channel"))
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    require_active(channel)
    if BOT_USER_ID in channel.members:
        return {
            "channel": build_channel_json(channel),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    world.add_member(channel, BOT_USER_ID)
    return {"channel": build_channel_json(channel)}


def _set_topic_or_purpose(world: World, args: Args, kind: str, limit: int) -> dict[str, Any]:
    channel = find_visible_channel(world, args.text("channel"))
    require_membership(channel)
    require_active(channel)
    value = args.text(kind) or ""
    if len(value) > limit:
        raise SlackError("too_long")
    with world.lock:
        target = channel.topic if kind == "topic" else channel.purpose
        target.value, target.creator, target.last_set = value, BOT_USER_ID, int(world.now())
        label = "topic" if kind == "topic" else "description"
        world.post_message(
            channel,
            user=BOT_USER_ID,
            text=f"set the channel {label}: {value}",
            subtype=f"channel_{kind}",
            extra={kind: value},
            origin="system",
        )
    return {"channel": build_channel_json(channel)}


def handle_set_topic(world: World, args: Args) -> dict[str, Any]:
    """conversations.setTopic (at most 250 characters)."""
    return _set_topic_or_purpose(world, args, "topic", MAX_TOPIC_LENGTH)


def handle_set_purpose(world: World, args: Args) -> dict[str, Any]:
    """conversations.setPurpose (at most 250 characters)."""
    return _set_topic_or_purpose(world, args, "purpose", MAX_PURPOSE_LENGTH)


def handle_members(world: World, args: Args) -> dict[str, Any]:
    """conversations.members, paged."""
    channel = find_visible_channel(world, args.text("channel"))
    require_conversation_scope(world, channel, "read")
    page, cursor = paginate(sorted(channel.members), args, default=100, maximum=1000)
    return {"members": page, "response_metadata": {"next_cursor": cursor}}


def _list_type(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


def handle_list(world: World, args: Args) -> dict[str, Any]:
    """conversations.list, paged; private channels and DMs only where the bot is a member."""
    types = {t.strip() for t in (args.text("types") or "public_channel").split(",") if t.strip()}
    if not types <= LIST_TYPE_SCOPES.keys():
        raise SlackError("invalid_types")
    for kind in sorted(types):
        require_scope(world, LIST_TYPE_SCOPES[kind])
    exclude_archived = args.flag("exclude_archived")
    channels = [
        c
        for c in world.channels.values()
        if _list_type(c) in types
        and (not c.is_private or BOT_USER_ID in c.members)
        and not (exclude_archived and c.archived)
    ]
    page, cursor = paginate(channels, args, default=100, maximum=1000)
    return {
        "channels": [build_channel_json(c, num_members=True) for c in page],
        "response_metadata": {"next_cursor": cursor},
    }


def handle_history(world: World, args: Args) -> dict[str, Any]:
    """conversations.history: top-level messages, newest first."""
    channel = find_visible_channel(world, args.text("channel"))
    require_conversation_scope(world, channel, "history")
    require_membership(channel)
    inclusive = args.flag("inclusive")
    oldest = ts_key(args.text("oldest"))
    latest = ts_key(args.text("latest")) if args.text("latest") else None

    def in_range(ts: str) -> bool:
        key = ts_key(ts)
        above = key >= oldest if inclusive else key > oldest
        below = latest is None or (key <= latest if inclusive else key < latest)
        return above and below

    messages = [
        m
        for m in reversed(world.channel_messages(channel.id))
        if (m.thread_ts in (None, m.ts) or m.reply_broadcast) and in_range(m.ts)
    ]
    page, cursor = paginate(messages, args, default=100, maximum=999)
    with_metadata = args.flag("include_all_metadata")
    return {
        "messages": [world.message_json(m, with_metadata=with_metadata) for m in page],
        "has_more": bool(cursor),
        "pin_count": len(channel.pins),
        "response_metadata": {"next_cursor": cursor},
    }


def handle_replies(world: World, args: Args) -> dict[str, Any]:
    """conversations.replies: the parent, then its replies oldest first."""
    channel = find_visible_channel(world, args.text("channel"))
    require_conversation_scope(world, channel, "history")
    require_membership(channel)
    try:
        parent = find_message(world, channel, args.text("ts"))
    except SlackError as exc:
        raise SlackError("thread_not_found") from exc
    root = parent.thread_ts or parent.ts
    thread = [m for m in world.channel_messages(channel.id) if m.ts == root or m.thread_ts == root]
    page, cursor = paginate(thread, args, default=100, maximum=1000)
    with_metadata = args.flag("include_all_metadata")
    return {
        "messages": [world.message_json(m, with_metadata=with_metadata) for m in page],
        "has_more": bool(cursor),
        "response_metadata": {"next_cursor": cursor},
    }


def handle_archive(world: World, args: Args) -> dict[str, Any]:
    """conversations.archive."""
    channel = find_visible_channel(world, args.text("channel"))
    reject_im(channel)
    if channel.archived:
        raise SlackError("already_archived")
    if channel.is_general:
        raise SlackError("cant_archive_general")
    require_membership(channel)
    channel.archived = True
    return {}


def handle_rename(world: World, args: Args) -> dict[str, Any]:
    """conversations.rename, under the same name rules as create."""
    channel = find_visible_channel(world, args.text("channel"))
    reject_im(channel)
    require_membership(channel)
    name = args.text("name") or ""
    check_channel_name(world, name, ignore=channel)
    if name != channel.name:
        channel.previous_names.insert(0, channel.name)
        channel.name = name
    return {"channel": build_channel_json(channel)}


HANDLERS: dict[str, Handler] = {
    "conversations.archive": handle_archive,
    "conversations.create": handle_create,
    "conversations.history": handle_history,
    "conversations.info": handle_info,
    "conversations.invite": handle_invite,
    "conversations.join": handle_join,
    "conversations.list": handle_list,
    "conversations.members": handle_members,
    "conversations.rename": handle_rename,
    "conversations.replies": handle_replies,
    "conversations.setPurpose": handle_set_purpose,
    "conversations.setTopic": handle_set_topic,
}
