"""Messages from integrations (incoming webhooks, monitoring): `bot_message`s with no user."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from bot.sandbox import blockkit
from bot.sandbox.errors import SlackError
from bot.sandbox.methods.common import MAX_MESSAGE_TEXT, fill_ids
from bot.sandbox.model import PERMALINK_BASE, Message

if TYPE_CHECKING:
    from bot.sandbox.world import World


def build_integration_bot_id(username: str) -> str:
    """Return the `B…` id of the integration posting as `username`: the same every time."""
    return "B" + hashlib.sha256(username.encode()).hexdigest().upper()[:10]


def _check_content(
    text: str, attachments: Any, blocks: Any
) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]] | None]:
    """Refuse what an incoming webhook refuses, with its error codes (all HTTP 400)."""
    if attachments is not None and not isinstance(attachments, list):
        raise SlackError("invalid_payload", status=400)
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format", status=400)
        problems = blockkit.validate_message_blocks(blocks)
        if problems:
            raise SlackError("invalid_blocks", status=400, messages=problems)
    if not text and not blocks and not attachments:
        raise SlackError("no_text", status=400)
    if len(text) > MAX_MESSAGE_TEXT:
        raise SlackError("msg_too_long", status=400)
    return attachments, blocks


def post_integration_message(
    world: World,
    channel_ref: str,
    *,
    text: str = "",
    attachments: Any = None,
    blocks: Any = None,
    username: str = "Alertmanager",
    bot_id: str | None = None,
) -> Message:
    """Post as an integration does: a `bot_message` with a bot_id and username, no user.

    A webhook is tied to its channel, not to channel membership, so it may post where the
    bot is not a member; whether the app hears of it is still up to the bot's membership.
    """
    with world.lock:
        channel = world.find_channel(channel_ref)
        if channel is None:
            raise SlackError("channel_not_found", status=404)
        if channel.archived:
            raise SlackError("channel_is_archived", status=410)
        attachments, blocks = _check_content(text, attachments, blocks)
        sender = bot_id or build_integration_bot_id(username)
        icons = {"image_48": f"{PERMALINK_BASE}/avatars/{sender}_48.png"}
        return world.post_message(
            channel,
            user="",
            bot_id=sender,
            text=text,
            blocks=fill_ids(blocks, world.new_id("K")),
            attachments=attachments,
            subtype="bot_message",
            extra={"username": username, "icons": icons},
            origin="integration",
        )
