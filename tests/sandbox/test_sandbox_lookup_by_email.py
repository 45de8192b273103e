"""users.lookupByEmail over HTTP: the member with that e-mail, and Slack's errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxClient, SandboxServer


@pytest.fixture
def workspace(sandbox: SandboxServer) -> Iterator[SandboxClient]:
    """The sandbox's control client, for adding people."""
    control = SandboxClient(sandbox.url)
    yield control
    control.close()


def test_finds_the_member_whatever_the_case_of_the_address(
    workspace: SandboxClient, sync_client: WebClient
) -> None:
    user_id = workspace.add_user("dan", "Dan Dietz", email="Dan.Dietz@Example.com")
    found = sync_client.users_lookupByEmail(email="dan.dietz@example.com")["user"]
    assert found["id"] == user_id
    assert found["profile"]["email"] == "Dan.Dietz@Example.com"


def test_seeded_people_are_found_by_their_address(sync_client: WebClient) -> None:
    found = sync_client.users_lookupByEmail(email="alice@sandbox.example")["user"]
    assert found["id"] == "U0ALICE"


def test_an_unknown_address_is_users_not_found(sync_client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        sync_client.users_lookupByEmail(email="nobody@example.com")
    assert raised.value.response["error"] == "users_not_found"


def test_no_address_is_invalid_arguments(sync_client: WebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        sync_client.api_call("users.lookupByEmail", params={})
    assert raised.value.response["error"] == "invalid_arguments"
    with pytest.raises(SlackApiError) as empty:
        sync_client.users_lookupByEmail(email="")
    assert empty.value.response["error"] == "invalid_arguments"
