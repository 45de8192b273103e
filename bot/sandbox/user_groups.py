"""User groups: `@handle`s that name a set of people, like an on-call team."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.sandbox.errors import SlackError
from bot.sandbox.model import UserGroup
from bot.sandbox.seed import PEOPLE

if TYPE_CHECKING:
    from bot.sandbox.world import World


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
