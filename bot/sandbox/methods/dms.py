"""conversations.open and user ids as `channel` — the bot's direct messages with people."""

from __future__ import annotations

from typing import Any

from bot.sandbox.direct_messages import check_dm_partner, find_dm, open_dm
from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import Handler, find_visible_channel
from bot.sandbox.methods.conversations import parse_user_list
from bot.sandbox.model import BOT_USER_ID, Channel
from bot.sandbox.shapes import build_im_json
from bot.sandbox.world import World

MAX_DM_USERS = 8


def _opened(channel: Channel, *, already_open: bool, full: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"channel": build_im_json(channel) if full else {"id": channel.id}}
    if already_open:
        body = {"no_op": True, "already_open": True, **body}
    return body


def handle_open(world: World, args: Args) -> dict[str, Any]:
    """conversations.open: the bot's 1:1 DM with one person, the same `D…` id every time."""
    full = args.flag("return_im")
    if args.text("channel"):
        channel = find_visible_channel(world, args.text("channel"))
        if not channel.is_im:
            raise SlackError("method_not_supported_for_channel_type")
        return _opened(channel, already_open=True, full=full)
    # Slack adds the caller itself, so naming the bot as well changes nothing.
    users = [u for u in parse_user_list(args) if u != BOT_USER_ID] or parse_user_list(args)
    if not users:
        raise SlackError("users_list_not_supplied")
    if len(users) > MAX_DM_USERS:
        raise SlackError("too_many_users")
    for user in users:
        check_dm_partner(world, user)
    if len(users) > 1:
        raise SlackError(
            "method_not_supported_for_channel_type",
            messages=["[ERROR] the sandbox does not model multi-person direct messages"],
        )
    if args.flag("prevent_creation") and find_dm(world, users[0]) is None:
        raise SlackError("channel_not_found")
    channel, already_open = open_dm(world, users[0])
    return _opened(channel, already_open=already_open, full=full)


def dm_for_user_id(world: World, ref: str | None) -> Channel | None:
    """Return the DM a user id names as chat.postMessage's `channel`, opening it if need be.

    Slack documents that a user id as `channel` opens the bot's DM with that person (needing only
    chat:write) and answers with the DM's own id; a user the app may not DM is `channel_not_found`.
    """
    if not ref or ref not in world.users:
        return None
    try:
        check_dm_partner(world, ref)
    except SlackError as exc:
        raise SlackError("channel_not_found") from exc
    return open_dm(world, ref)[0]


HANDLERS: dict[str, Handler] = {
    "conversations.open": handle_open,
}
