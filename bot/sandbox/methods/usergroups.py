"""usergroups.* — the workspace's user groups and who is in them."""

from __future__ import annotations

from typing import Any

from bot.sandbox.errors import SlackError
from bot.sandbox.methods.args import Args
from bot.sandbox.methods.common import Handler
from bot.sandbox.shapes import build_usergroup_json
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


HANDLERS: dict[str, Handler] = {
    "usergroups.list": handle_list,
    "usergroups.users.list": handle_users_list,
}
