"""chat.* — posting, editing, deleting and linking messages."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import (
    Handler,
    check_text_length,
    fill_ids,
    find_message,
    find_visible_channel,
    parse_attachments,
    parse_blocks,
    require_active,
)
from bot.sandbox.methods.dms import dm_for_user_id
from bot.sandbox.methods.metadata import add_warning, parse_metadata
from bot.sandbox.model import BOT_ID, BOT_USER_ID, Channel
from bot.sandbox.world import World


def _postable_channel(world: World, ref: str | None) -> Channel:
    """Resolve a channel by ID or name that the bot may post to."""
    channel = find_visible_channel(world, ref, by_name=True)
    if BOT_USER_ID not in channel.members and "chat:write.public" not in world.scopes:
        raise SlackError("not_in_channel")
    require_active(channel)
    return channel


def handle_post_message(world: World, args: Args) -> dict[str, Any]:
    """chat.postMessage: by channel ID or name, or a user ID for the bot's DM with that person."""
    ref = args.text("channel")
    channel = dm_for_user_id(world, ref) or _postable_channel(world, ref)
    text = args.text("text")
    blocks = parse_blocks(args)
    attachments = parse_attachments(args)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    check_text_length(text)
    metadata, warning = parse_metadata(args)
    message = world.post_message(
        channel,
        user=BOT_USER_ID,
        bot_id=BOT_ID,
        text=text or "",
        blocks=fill_ids(blocks, world.new_id("K")),
        attachments=attachments,
        thread_ts=args.text("thread_ts") or None,
        reply_broadcast=args.flag("reply_broadcast"),
    )
    # Set after posting so the message event stays as before: the sandbox hands metadata
    # only to readers who ask for it (history, replies, the answer to this call).
    message.metadata = metadata
    body: dict[str, Any] = {
        "channel": channel.id,
        "ts": message.ts,
        "message": world.message_json(message, with_metadata=True),
    }
    return add_warning(body, warning)


def handle_update(world: World, args: Args) -> dict[str, Any]:
    """chat.update: edit the bot's own message in place; the channel must be an ID."""
    channel = find_visible_channel(world, args.text("channel"))
    message = find_message(world, channel, args.text("ts"))
    if message.user != BOT_USER_ID or message.bot_id != BOT_ID:
        raise SlackError("cant_update_message")
    text = args.text("text")
    blocks = parse_blocks(args)
    attachments = parse_attachments(args)
    if text is None and blocks is None and attachments is None:
        raise SlackError("no_text")
    check_text_length(text)
    metadata, warning = parse_metadata(args)
    if metadata is not None:  # an update without metadata keeps the old one
        message.metadata = metadata
    world.edit_message(
        message,
        text=text,
        blocks=fill_ids(blocks, world.new_id("K")),
        attachments=attachments,
        editor=BOT_USER_ID,
        blocks_given=blocks is not None,
        attachments_given=attachments is not None,
    )
    body: dict[str, Any] = {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": world.message_json(message, with_metadata=True),
    }
    return add_warning(body, warning)


def handle_post_ephemeral(world: World, args: Args) -> dict[str, Any]:
    """chat.postEphemeral: only to a user who is in the channel."""
    channel = _postable_channel(world, args.text("channel"))
    user = args.text("user") or ""
    if world.find_user(user) is None:
        raise SlackError("user_not_found")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    text = args.text("text")
    blocks = parse_blocks(args)
    attachments = parse_attachments(args)
    if not text and not blocks and not attachments:
        raise SlackError("no_text")
    check_text_length(text)
    item = world.post_ephemeral(
        channel,
        user,
        text or "",
        fill_ids(blocks, world.new_id("K")),
        source="chat.postEphemeral",
        thread_ts=args.text("thread_ts") or None,
    )
    return {"message_ts": item.ts}


def handle_get_permalink(world: World, args: Args) -> dict[str, Any]:
    """chat.getPermalink."""
    channel = find_visible_channel(world, args.text("channel"))
    message = find_message(world, channel, args.text("message_ts"))
    return {"channel": channel.id, "permalink": world.permalink(message)}


def handle_delete(world: World, args: Args) -> dict[str, Any]:
    """chat.delete: the bot may delete only its own messages."""
    channel = find_visible_channel(world, args.text("channel"))
    message = find_message(world, channel, args.text("ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_delete_message")
    world.delete_message(message)
    return {"channel": channel.id, "ts": message.ts}


HANDLERS: dict[str, Handler] = {
    "chat.delete": handle_delete,
    "chat.getPermalink": handle_get_permalink,
    "chat.postEphemeral": handle_post_ephemeral,
    "chat.postMessage": handle_post_message,
    "chat.update": handle_update,
}
