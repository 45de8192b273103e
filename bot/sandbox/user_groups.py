"""User groups: `@handle`s that name a set of people, like an on-call team."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.sandbox.errors import SlackError
from bot.sandbox.model import UserGroup
from bot.sandbox.seed import PEOPLE

if TYPE_CHECKING:
    from bot.sandbox.world import World

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


def _check_unique(world: World, handle: str, name: str) -> None:
    """Apply Slack's rule: a handle is unique among channels, users and user groups."""
    taken = {g.handle for g in world.usergroups.values()}
    taken |= {u.name for u in world.users.values()}
    taken |= {c.name for c in world.channels.values() if not c.is_im}
    if handle in taken:
        raise SlackError("handle_already_exists", status=400)
    if any(g.name == name for g in world.usergroups.values()):
        raise SlackError("name_already_exists", status=400)


def create_user_group(
    world: World,
    handle: str,
    users: Sequence[str],
    *,
    name: str | None = None,
    description: str = "",
    creator: str = PEOPLE[0][0],
) -> UserGroup:
    """Add a user group of existing people (by id); its name defaults to the handle."""
    with world.lock:
        handle = handle.removeprefix("@")
        if not handle:
            raise SlackError("invalid_arguments", status=400)
        _check_unique(world, handle, name or handle)
        members = list(dict.fromkeys(users))
        for user in members:
            if world.find_user(user) is None:
                raise SlackError("user_not_found", status=400, extra={"user": user})
        group = UserGroup(
            world.new_id("S"),
            handle,
            name or handle,
            members,
            description,
            int(world.now()),
            creator,
        )
        world.usergroups[group.id] = group
        return group


def parse_member_ids(value: Any) -> list[str]:
    """`users` as Slack takes it: a comma-separated string (spaces allowed) or a JSON list;
    empty or missing fails with `no_users_provided`, an entry unlike a user id with
    `invalid_users`."""
    if isinstance(value, str):
        items = [part.strip() for part in value.split(",")]
    elif isinstance(value, list):
        items = [str(part).strip() for part in value]
    else:
        items = []
    items = [item for item in items if item]
    if not items:
        raise SlackError("no_users_provided")
    if not all(_USER_ID.fullmatch(item) for item in items):
        raise SlackError("invalid_users")
    return list(dict.fromkeys(items))


def replace_members(world: World, group_id: str, users: Sequence[str], *, by: str) -> UserGroup:
    """Make `users` the group's whole membership, as `usergroups.users.update` does: every one
    must be a live human member (a bot is `invalid_user`, an unknown id `invalid_users`), and
    the list may not be empty (Slack has `usergroups.disable` for that)."""
    with world.lock:
        group = world.usergroups.get(group_id)
        if group is None:
            raise SlackError("no_such_subteam")
        if not users:
            raise SlackError("no_users_provided")
        for user_id in users:
            user = world.find_user(user_id)
            if user is None:
                raise SlackError("invalid_users", extra={"user": user_id})
            if user.is_bot:
                raise SlackError("invalid_user", extra={"user": user_id})
        group.users = list(dict.fromkeys(users))
        group.updated = int(world.now())
        group.updated_by = by
        return group
