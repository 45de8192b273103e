"""usergroups.* — the workspace's user groups and who is in them."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import Handler
from bot.sandbox.model import BOT_USER_ID
from bot.sandbox.shapes import build_usergroup_json
from bot.sandbox.user_groups import parse_member_ids, replace_members
from bot.sandbox.world import World


def handle_list(world: World, args: Args) -> dict[str, Any]:
    """usergroups.list: every group, members and counts only when asked for."""
    include_users = args.flag("include_users")
    include_count = args.flag("include_count")
    return {
        "usergroups": [
            build_usergroup_json(g, include_users=include_users, include_count=include_count)
            for g in world.usergroups.values()
        ]
    }


def handle_users_list(world: World, args: Args) -> dict[str, Any]:
    """usergroups.users.list: the member ids of one group."""
    group = world.usergroups.get(args.required("usergroup"))
    if group is None:
        raise SlackError("no_such_subteam")
    return {"users": list(group.users)}


def handle_users_update(world: World, args: Args) -> dict[str, Any]:
    """usergroups.users.update: replace the whole membership; never to nobody."""
    group_id = args.text("usergroup")
    if not group_id:
        raise SlackError("missing_argument", messages=["[ERROR] missing required field: usergroup"])
    users = parse_member_ids(args.params.get("users"))
    group = replace_members(world, group_id, users, by=BOT_USER_ID)
    body = build_usergroup_json(group, include_users=True, include_count=args.flag("include_count"))
    return {"usergroup": body}


HANDLERS: dict[str, Handler] = {
    "usergroups.list": handle_list,
    "usergroups.users.list": handle_users_list,
    "usergroups.users.update": handle_users_update,
}
