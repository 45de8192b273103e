"""usergroups.list and usergroups.users.list over HTTP, and adding groups through `/_sandbox`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxActionError, SandboxClient, SandboxServer


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


def test_added_group_is_listed_with_members_given_by_name_or_id(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    group_id = workspace.add_usergroup("oncall-payments", ["alice", "U0BOB"], name="Payments")
    assert group_id.startswith("S")
    listed = sync_client.usergroups_list(include_users=True)["usergroups"]
    assert len(listed) == 1
    group = listed[0]
    assert (group["id"], group["handle"], group["name"]) == (
        group_id,
        "oncall-payments",
        "Payments",
    )
    assert group["users"] == ["U0ALICE", "U0BOB"]
    assert group["team_id"] == "T0SANDBOX" and group["is_usergroup"] is True
    assert group["date_delete"] == 0 and group["prefs"] == {"channels": [], "groups": []}


def test_list_shows_members_and_count_only_when_asked(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    workspace.add_usergroup("sre", ["carol"])
    plain = sync_client.usergroups_list()["usergroups"][0]
    assert "users" not in plain and "user_count" not in plain
    assert plain["name"] == "sre"  # the name defaults to the handle
    counted = sync_client.usergroups_list(include_count=True)["usergroups"][0]
    assert counted["user_count"] == 1 and "users" not in counted


def test_users_list_answers_the_member_ids(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    group_id = workspace.add_usergroup("db", ["bob", "carol", "bob"])
    answer = sync_client.usergroups_users_list(usergroup=group_id)
    assert answer.data == {"ok": True, "users": ["U0BOB", "U0CAROL"]}


def test_unknown_or_missing_usergroup_is_refused(sync_client: WebClient) -> None:
    assert _error(sync_client.usergroups_users_list, usergroup="S0NOPE") == "no_such_subteam"
    assert _error(sync_client.api_call, api_method="usergroups.users.list") == "invalid_arguments"


def test_usergroup_methods_need_usergroups_read(
    workspace: SandboxClient, sync_client: WebClient, sandbox: SandboxServer
) -> None:
    group_id = workspace.add_usergroup("db", ["bob"])
    workspace.configure(scopes=sorted(sandbox.world.scopes - {"usergroups:read"}))
    assert _error(sync_client.usergroups_list) == "missing_scope"
    assert _error(sync_client.usergroups_users_list, usergroup=group_id) == "missing_scope"


def test_usergroup_methods_are_tier_two(workspace: SandboxClient, sync_client: WebClient) -> None:
    group_id = workspace.add_usergroup("db", ["bob"])
    workspace.configure(enforce_rate_limits=True)
    for _ in range(20):
        sync_client.usergroups_users_list(usergroup=group_id)
    with pytest.raises(SlackApiError) as raised:
        sync_client.usergroups_users_list(usergroup=group_id)
    assert raised.value.response.status_code == 429
    assert raised.value.response["error"] == "ratelimited"
    assert raised.value.response.headers["Retry-After"]


@pytest.mark.parametrize(
    "handle", ["sre", "alice", "incidents"]
)  # a group's, a person's, a channel's
def test_a_handle_is_unique_among_groups_people_and_channels(
    workspace: SandboxClient, handle: str
) -> None:
    workspace.add_usergroup("sre", ["carol"])
    with pytest.raises(SandboxActionError) as raised:
        workspace.add_usergroup(handle, ["bob"], name="Other")
    assert (raised.value.error, raised.value.status) == ("handle_already_exists", 400)


def test_adding_a_group_refuses_unknown_people_and_a_taken_name(
    workspace: SandboxClient, sandbox: SandboxServer
) -> None:
    workspace.add_usergroup("sre", ["carol"], name="SRE")
    with pytest.raises(SandboxActionError) as raised:
        workspace.add_usergroup("sre-2", ["carol"], name="SRE")
    assert raised.value.error == "name_already_exists"
    response = workspace.http.post(
        f"{sandbox.url}/_sandbox/usergroups", json={"handle": "ghosts", "users": ["U0NOBODY"]}
    )
    assert response.status_code == 400 and response.json()["error"] == "user_not_found"
    assert [g["handle"] for g in workspace.usergroups()] == ["sre"]


def test_state_shows_groups_with_members(workspace: SandboxClient) -> None:
    group_id = workspace.add_usergroup("@db", ["bob"])
    assert [
        (g["id"], g["handle"], g["users"], g["user_count"]) for g in workspace.usergroups()
    ] == [(group_id, "db", ["U0BOB"], 1)]
