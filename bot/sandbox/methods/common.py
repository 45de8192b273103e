"""Checks and helpers every method family shares: who sees a channel, paging, ts order."""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from bot.sandbox import blockkit
from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.model import BOT_USER_ID, Channel, Message
from bot.sandbox.world import World

Handler = Callable[[World, Args], dict[str, Any]]
T = TypeVar("T")

MAX_MESSAGE_TEXT = 40_000


def find_visible_channel(world: World, ref: str | None, *, by_name: bool = False) -> Channel:
    """Return a channel the bot can see: public, or private with the bot in it."""
    channel = None
    if ref:
        channel = world.find_channel(ref) if by_name else world.channels.get(ref)
    if channel is None or (channel.is_private and BOT_USER_ID not in channel.members):
        raise SlackError("channel_not_found")
    return channel


def require_membership(channel: Channel) -> None:
    """Fail with `not_in_channel` unless the bot is a member."""
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")


def require_scope(world: World, *accepted: str) -> None:
    """Fail with `missing_scope` unless the token has one of these scopes."""
    if not any(scope in world.scopes for scope in accepted):
        raise SlackError(
            "missing_scope",
            extra={"needed": accepted[0], "provided": ",".join(sorted(world.scopes))},
        )


def require_conversation_scope(world: World, channel: Channel, access: str) -> None:
    """Check the scope this kind of conversation needs for `read` or `history` access."""
    if channel.is_im:
        require_scope(world, f"im:{access}")
    else:
        require_scope(world, f"channels:{access}", f"groups:{access}")


def reject_im(channel: Channel) -> None:
    """Fail the way Slack does when a channel-only method is given a direct message."""
    if channel.is_im:
        raise SlackError("method_not_supported_for_channel_type")


def require_active(channel: Channel) -> None:
    """Fail with `is_archived` for an archived channel."""
    if channel.archived:
        raise SlackError("is_archived")


def invitee_error(world: World, channel: Channel, inviter: str, invitee: str) -> str | None:
    """Slack's error for inviting `invitee` into `channel`, or None when the invitation stands."""
    if invitee == inviter:
        return "cant_invite_self"
    if world.find_user(invitee) is None:
        return "user_not_found"
    if invitee in channel.members:
        return "already_in_channel"
    return None


def find_message(world: World, channel: Channel, ts: str | None) -> Message:
    """Return a live message or fail with `message_not_found`."""
    message = world.find_message(channel.id, ts or "")
    if message is None:
        raise SlackError("message_not_found")
    return message


def ts_key(ts: str | None) -> tuple[int, int]:
    """Order Slack timestamps exactly (floats lose the last microsecond digits)."""
    if not ts:
        return (0, 0)
    seconds, _, micros = ts.partition(".")
    try:
        return (int(seconds or 0), int((micros or "0").ljust(6, "0")[:6]))
    except ValueError as exc:
        raise SlackError("invalid_ts_latest") from exc


def paginate(items: Sequence[T], args: Args, *, default: int, maximum: int) -> tuple[list[T], str]:
    """Cut one page out of `items` using `cursor` and `limit`; return it and the next cursor."""
    limit = args.number("limit", default) or default
    limit = max(1, min(limit, maximum))
    start = 0
    cursor = args.text("cursor")
    if cursor:
        try:
            start = int(base64.b64decode(cursor).decode().removeprefix("offset:"))
        except ValueError as exc:
            raise SlackError("invalid_cursor") from exc
    page = list(items[start : start + limit])
    more = start + limit < len(items)
    next_cursor = base64.b64encode(f"offset:{start + limit}".encode()).decode() if more else ""
    return page, next_cursor


def parse_blocks(args: Args) -> list[dict[str, Any]] | None:
    """Decode and validate `blocks`; fail with `invalid_blocks` the way Slack does."""
    if not args.has("blocks"):
        return None
    blocks = args.structured("blocks", error="invalid_blocks_format")
    if not isinstance(blocks, list):
        raise SlackError("invalid_blocks_format")
    problems = blockkit.validate_message_blocks(blocks)
    if problems:
        raise SlackError(
            "invalid_blocks",
            messages=problems,
            extra={"errors": [p.removeprefix("[ERROR] ") for p in problems]},
        )
    return blocks


def parse_attachments(args: Args) -> list[dict[str, Any]] | None:
    """Decode `attachments`, failing with `invalid_attachments` when it is not a list."""
    if not args.has("attachments"):
        return None
    attachments = args.structured("attachments", error="invalid_attachments")
    if not isinstance(attachments, list):
        raise SlackError("invalid_attachments")
    return attachments


def check_text_length(text: str | None) -> None:
    """Fail with `msg_too_long` past Slack's 40,000 characters."""
    if text is not None and len(text) > MAX_MESSAGE_TEXT:
        raise SlackError("msg_too_long")


def _short_id(seed: str) -> str:
    digest = hashlib.sha256(seed.encode()).digest()
    return base64.b64encode(digest).decode()[:5].replace("+", "x").replace("/", "y")


def fill_ids(blocks: list[dict[str, Any]] | None, seed: str) -> list[dict[str, Any]] | None:
    """Give blocks and elements without ids the short random-looking ids Slack generates."""
    if blocks is None:
        return None
    filled = copy.deepcopy(blocks)
    for i, block in enumerate(filled):
        block.setdefault("block_id", _short_id(f"{seed}:{i}"))
        elements = list(block.get("elements") or []) if block.get("type") == "actions" else []
        for key in ("accessory", "element"):
            if isinstance(block.get(key), dict):
                elements.append(block[key])
        for j, element in enumerate(elements):
            if isinstance(element, dict) and element.get("type") not in (None, "image"):
                element.setdefault("action_id", _short_id(f"{seed}:{i}:{j}"))
    return filled
