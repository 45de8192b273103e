"""conversations.list and .info: names, creators, type filters, archived channels, paging."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient


async def _all_pages(client: AsyncWebClient, **args: Any) -> list[dict[str, Any]]:
    channels: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await client.conversations_list(cursor=cursor, **args)
        channels.extend(page["channels"])
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            return channels


async def test_list_and_info_name_the_creator(client: AsyncWebClient) -> None:
    me = (await client.auth_test())["user_id"]
    created = (await client.conversations_create(name="inc-mine"))["channel"]["id"]
    listed = {c["name"]: c for c in (await client.conversations_list())["channels"]}
    assert listed["inc-mine"]["id"] == created
    assert listed["inc-mine"]["creator"] == me == "U0BOT"
    assert listed["incidents"]["creator"] == "U0ALICE"
    assert listed["inc-mine"]["num_members"] == 1
    info = (await client.conversations_info(channel=created))["channel"]
    assert (info["name"], info["creator"]) == ("inc-mine", me)


async def test_types_filter_and_private_channels_need_the_bot_inside(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.create_channel("hidden", creator="U0ALICE", is_private=True)
    await client.conversations_create(name="inc-private", is_private=True)
    default = {c["name"] for c in (await client.conversations_list())["channels"]}
    assert default == {"general", "incidents"}
    private = await client.conversations_list(types="private_channel")
    assert [(c["name"], c["is_private"]) for c in private["channels"]] == [("inc-private", True)]
    both = await client.conversations_list(types=["public_channel", "private_channel"])
    assert {c["name"] for c in both["channels"]} == {"general", "incidents", "inc-private"}


async def test_unknown_type_is_invalid_types(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_list(types="public_channel,shared_channel")
    assert raised.value.response["error"] == "invalid_types"


async def test_exclude_archived(client: AsyncWebClient) -> None:
    old = (await client.conversations_create(name="inc-old"))["channel"]["id"]
    await client.conversations_archive(channel=old)
    every = {c["name"]: c for c in (await client.conversations_list())["channels"]}
    assert every["inc-old"]["is_archived"] is True
    live = await client.conversations_list(exclude_archived=True)
    assert "inc-old" not in {c["name"] for c in live["channels"]}


async def test_cursor_pages_through_every_channel_once(client: AsyncWebClient) -> None:
    for i in range(5):
        await client.conversations_create(name=f"inc-page-{i}")
    first = await client.conversations_list(limit=2)
    assert len(first["channels"]) == 2
    assert first["response_metadata"]["next_cursor"]
    names = [c["name"] for c in await _all_pages(client, limit=2)]
    assert sorted(names) == sorted(["general", "incidents", *(f"inc-page-{i}" for i in range(5))])
    assert len(names) == len(set(names))
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_list(cursor="not-a-cursor")
    assert raised.value.response["error"] == "invalid_cursor"


async def test_a_lost_create_answer_is_adopted_through_the_list(
    client: AsyncWebClient, control: SandboxClient
) -> None:
    # Slack creates the channel but the answer never arrives; the retry meets name_taken.
    control.inject("conversations.create", mode="after", status=502)
    with pytest.raises(SlackApiError) as lost:
        await client.conversations_create(name="inc-77-db")
    assert lost.value.response.status_code == 502
    with pytest.raises(SlackApiError) as again:
        await client.conversations_create(name="inc-77-db")
    assert again.value.response["error"] == "name_taken"
    me = (await client.auth_test())["user_id"]
    found = [
        c
        for c in await _all_pages(client, types="public_channel,private_channel", limit=1)
        if c["name"] == "inc-77-db"
    ]
    assert [(c["creator"], c["is_member"]) for c in found] == [(me, True)]
    calls = control.calls("conversations.create")
    assert [(c["work_done"], c["fault"], c["error"]) for c in calls] == [
        (True, "after", None),
        (False, None, "name_taken"),
    ]
