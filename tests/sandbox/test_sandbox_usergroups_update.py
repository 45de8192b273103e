"""usergroups.users.update over HTTP, as Slack documents it: the whole membership replaced,
never emptied, people only, `usergroups:write`, Tier 2."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxClient, SandboxServer


@pytest.fixture
def workspace(sandbox: SandboxServer) -> Iterator[SandboxClient]:
    """The sandbox's control client, for setting up user groups."""
    control = SandboxClient(sandbox.url)
    yield control
    control.close()


def _error(call: Callable[..., Any], **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call(**kwargs)
    return str(raised.value.response["error"])


def _members(workspace: SandboxClient, group_id: str) -> list[str]:
    return next(g["users"] for g in workspace.usergroups() if g["id"] == group_id)


def test_update_replaces_the_whole_membership(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    group_id = workspace.add_usergroup("sre-oncall", ["alice", "bob"])
    answer = sync_client.usergroups_users_update(usergroup=group_id, users="U0CAROL, U0BOB")
    group = answer["usergroup"]
    assert group["id"] == group_id and group["handle"] == "sre-oncall"
    assert group["users"] == ["U0CAROL", "U0BOB"]  # the order given, nobody else kept
    assert group["updated_by"] == "U0BOT" and group["date_update"] >= group["date_create"]
    assert "user_count" not in group
    assert _members(workspace, group_id) == ["U0CAROL", "U0BOB"]
    listed = sync_client.usergroups_users_list(usergroup=group_id)["users"]
    assert listed == ["U0CAROL", "U0BOB"]


def test_update_takes_a_json_list_and_counts_when_asked(
    workspace: SandboxClient, sandbox: SandboxServer
) -> None:
    group_id = workspace.add_usergroup("db", ["alice"])
    client = WebClient(token=sandbox.world.token, base_url=sandbox.api_url)
    answer = client.api_call(
        "usergroups.users.update",
        json={"usergroup": group_id, "users": ["U0BOB", "U0BOB"], "include_count": True},
    )
    assert answer["usergroup"]["users"] == ["U0BOB"]  # repeats collapse
    assert answer["usergroup"]["user_count"] == 1


@pytest.mark.parametrize("users", ["", " , ", None])
def test_a_group_cannot_be_emptied(
    workspace: SandboxClient, sync_client: WebClient, users: str | None
) -> None:
    group_id = workspace.add_usergroup("db", ["alice"])
    kwargs: dict[str, Any] = {"usergroup": group_id}
    if users is not None:
        kwargs["users"] = users
    call = sync_client.api_call
    assert _error(call, api_method="usergroups.users.update", params=kwargs) == "no_users_provided"
    assert _members(workspace, group_id) == ["U0ALICE"]


def test_unknown_people_bots_and_groups_are_refused(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    group_id = workspace.add_usergroup("db", ["alice"])
    update = sync_client.usergroups_users_update
    assert _error(update, usergroup=group_id, users="U0BOB,U0NOBODY") == "invalid_users"
    assert _error(update, usergroup=group_id, users="bob") == "invalid_users"  # a name, not an id
    assert _error(update, usergroup=group_id, users="U0BOT") == "invalid_user"
    assert _error(update, usergroup="S0NOPE", users="U0BOB") == "no_such_subteam"
    assert (
        _error(
            sync_client.api_call, api_method="usergroups.users.update", params={"users": "U0BOB"}
        )
        == "missing_argument"
    )
    assert _members(workspace, group_id) == ["U0ALICE"]  # nothing half-applied


def test_update_needs_usergroups_write(
    workspace: SandboxClient, sync_client: WebClient, sandbox: SandboxServer
) -> None:
    group_id = workspace.add_usergroup("db", ["alice"])
    workspace.configure(scopes=sorted(sandbox.world.scopes - {"usergroups:write"}))
    assert _error(sync_client.usergroups_users_update, usergroup=group_id, users="U0BOB") == (
        "missing_scope"
    )
    sync_client.usergroups_list()  # reading still works with usergroups:read
    assert _members(workspace, group_id) == ["U0ALICE"]


def test_update_is_tier_two(workspace: SandboxClient, sync_client: WebClient) -> None:
    group_id = workspace.add_usergroup("db", ["alice"])
    workspace.configure(enforce_rate_limits=True)
    for _ in range(20):
        sync_client.usergroups_users_update(usergroup=group_id, users="U0BOB")
    with pytest.raises(SlackApiError) as raised:
        sync_client.usergroups_users_update(usergroup=group_id, users="U0CAROL")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"]
    assert _members(workspace, group_id) == ["U0BOB"]


def test_a_workspace_that_keeps_groups_to_admins_answers_permission_denied(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    group_id = workspace.add_usergroup("db", ["alice"])
    workspace.inject("usergroups.users.update", "permission_denied")
    assert _error(sync_client.usergroups_users_update, usergroup=group_id, users="U0BOB") == (
        "permission_denied"
    )
    assert _members(workspace, group_id) == ["U0ALICE"]
