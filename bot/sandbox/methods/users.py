"""auth.test, api.test and users.* — who the bot is and who else is here."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import Handler, paginate
from bot.sandbox.model import BOT_ID, BOT_NAME, BOT_USER_ID, PERMALINK_BASE, TEAM_ID, TEAM_NAME
from bot.sandbox.shapes import build_user_json
from bot.sandbox.world import World


def handle_auth_test(world: World, args: Args) -> dict[str, Any]:
    """auth.test: the identity behind the bot token."""
    return {
        "url": f"{PERMALINK_BASE}/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def handle_api_test(world: World, args: Args) -> dict[str, Any]:
    """api.test: echoes its arguments, or fails with the error asked for."""
    error = args.text("error")
    if error:
        raise SlackError(error)
    echoed = {k: v for k, v in args.params.items() if k != "error"}
    return {"args": echoed} if echoed else {}


def handle_info(world: World, args: Args) -> dict[str, Any]:
    """users.info."""
    user = world.users.get(args.text("user") or "")
    if user is None:
        raise SlackError("user_not_found")
    return {"user": build_user_json(user, world.now())}


def handle_list(world: World, args: Args) -> dict[str, Any]:
    """users.list, paged."""
    users = list(world.users.values())
    page, cursor = paginate(users, args, default=100, maximum=1000)
    return {
        "members": [build_user_json(u, world.now()) for u in page],
        "cache_ts": int(world.now()),
        "response_metadata": {"next_cursor": cursor},
    }


def handle_lookup_by_email(world: World, args: Args) -> dict[str, Any]:
    """users.lookupByEmail: the member with that e-mail (any case); `invalid_arguments` without
    one, `users_not_found` when nobody active has it."""
    email = args.required("email").strip().lower()
    for user in world.users.values():
        if user.email and user.email.lower() == email and not user.deleted:
            return {"user": build_user_json(user, world.now())}
    raise SlackError("users_not_found")


HANDLERS: dict[str, Handler] = {
    "api.test": handle_api_test,
    "auth.test": handle_auth_test,
    "users.info": handle_info,
    "users.list": handle_list,
    "users.lookupByEmail": handle_lookup_by_email,
}
