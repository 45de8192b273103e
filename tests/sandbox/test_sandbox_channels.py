"""conversations.*: Slack's channel rules and error codes, through slack-sdk over HTTP."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxActionError
from bot.sandbox.driver import SlackDriver


async def test_create_channel_makes_bot_creator_and_member(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    response = await client.conversations_create(name="inc-42-db-down")
    channel = response["channel"]
    assert channel["id"].startswith("C")
    assert channel["name"] == "inc-42-db-down"
    assert channel["creator"] == "U0BOT"
    assert channel["is_member"] is True
    assert sandbox.world.channels[channel["id"]].members == {"U0BOT"}


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "invalid_name_required"),
        ("a" * 81, "invalid_name_maxlength"),
        ("Inc-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc#1", "invalid_name_specials"),
        ("--", "invalid_name_punctuation"),
        ("incidents", "name_taken"),
    ],
)
async def test_create_channel_rejects_bad_names(
    client: AsyncWebClient, name: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_create(name=name)
    assert raised.value.response["error"] == error


async def test_eighty_character_name_is_allowed(client: AsyncWebClient) -> None:
    response = await client.conversations_create(name="a" * 80)
    assert response["channel"]["name"] == "a" * 80


async def test_invite_adds_members_with_join_messages(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = (await client.conversations_create(name="inc-1"))["channel"]["id"]
    response = await client.conversations_invite(channel=channel, users=["U0ALICE", "U0BOB"])
    assert response["ok"]
    assert {"U0ALICE", "U0BOB", "U0BOT"} == sandbox.world.channels[channel].members
    joins = [m for m in sandbox.world.channel_messages(channel) if m.subtype == "channel_join"]
    assert [m.extra.get("inviter") for m in joins] == [None, "U0BOT", "U0BOT"]


@pytest.mark.parametrize(
    ("users", "error"),
    [
        ("U0NOBODY", "user_not_found"),
        ("U0BOT", "cant_invite_self"),
        ("U0ALICE", "already_in_channel"),
        ("U0ALICE,U0CAROL", "already_in_channel"),
        (",".join(f"U{i:08d}" for i in range(101)), "too_many_users"),
        ("", "no_user"),
    ],
)
async def test_invite_errors_invite_nobody(
    client: AsyncWebClient, sandbox: SandboxServer, users: str, error: str
) -> None:
    channel = (await client.conversations_create(name="inc-2"))["channel"]["id"]
    await client.conversations_invite(channel=channel, users="U0ALICE")
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_invite(channel=channel, users=users)
    assert raised.value.response["error"] == error
    assert "U0CAROL" not in sandbox.world.channels[channel].members


async def test_invite_reports_each_failed_user(client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="inc-3"))["channel"]["id"]
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_invite(channel=channel, users="U0BOB,U0NOBODY")
    assert raised.value.response["errors"] == [
        {"user": "U0NOBODY", "ok": False, "error": "user_not_found"}
    ]


async def test_invite_with_force_skips_invalid_users(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = (await client.conversations_create(name="inc-4"))["channel"]["id"]
    response = await client.conversations_invite(
        channel=channel, users="U0BOB,U0NOBODY", force=True
    )
    assert response["errors"][0]["error"] == "user_not_found"
    assert "U0BOB" in sandbox.world.channels[channel].members


async def test_invite_needs_bot_in_channel(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_invite(channel=incidents.id, users="U0BOB")
    assert raised.value.response["error"] == "not_in_channel"
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_invite(channel="C0MISSING", users="U0BOB")
    assert raised.value.response["error"] == "channel_not_found"


async def test_private_channel_is_invisible_to_non_member_bot(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    secret = sandbox.world.create_channel("secret", creator="U0ALICE", is_private=True)
    for call in (
        client.conversations_info(channel=secret.id),
        client.chat_postMessage(channel=secret.id, text="hi"),
        client.conversations_join(channel=secret.id),
    ):
        with pytest.raises(SlackApiError) as raised:
            await call
        assert raised.value.response["error"] == "channel_not_found"


async def test_join_public_channel_then_warning_when_already_in(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    first = await client.conversations_join(channel=incidents.id)
    again = await client.conversations_join(channel=incidents.id)
    assert first["channel"]["is_member"] is True
    assert again["warning"] == "already_in_channel"


async def test_set_topic_limits_and_stores(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    channel = (await client.conversations_create(name="inc-5"))["channel"]["id"]
    response = await client.conversations_setTopic(channel=channel, topic="SEV1 · investigating")
    assert response["channel"]["topic"]["value"] == "SEV1 · investigating"
    await client.conversations_setTopic(channel=channel, topic="t" * 250)
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_setTopic(channel=channel, topic="t" * 251)
    assert raised.value.response["error"] == "too_long"
    assert sandbox.world.channels[channel].topic.value == "t" * 250


def test_form_encoded_calls_work_like_json(sync_client: WebClient) -> None:
    created = sync_client.conversations_create(name="inc-form", is_private=True)
    info = sync_client.conversations_info(channel=created["channel"]["id"])
    assert info["channel"]["is_private"] is True


async def test_unknown_method_and_bad_tokens(sandbox: SandboxServer) -> None:
    good = AsyncWebClient(token="xoxb-sandbox-token", base_url=sandbox.api_url)
    with pytest.raises(SlackApiError) as unknown:
        await good.api_call("conversations.teleport")
    assert unknown.value.response.status_code == 200
    assert unknown.value.response.data == {"ok": False, "error": "unknown_method"}
    for token, error in ((None, "not_authed"), ("xoxb-wrong", "invalid_auth")):
        with pytest.raises(SlackApiError) as raised:
            await AsyncWebClient(token=token, base_url=sandbox.api_url).auth_test()
        assert raised.value.response["error"] == error


async def test_history_is_newest_first_and_paged(client: AsyncWebClient) -> None:
    channel = (await client.conversations_create(name="inc-6"))["channel"]["id"]
    stamps = [(await client.chat_postMessage(channel=channel, text=str(i)))["ts"] for i in range(5)]
    page = await client.conversations_history(channel=channel, limit=2)
    assert [m["ts"] for m in page["messages"]] == stamps[::-1][:2]
    assert page["has_more"] is True
    rest = await client.conversations_history(
        channel=channel, cursor=page["response_metadata"]["next_cursor"], limit=100
    )
    assert [m["text"] for m in rest["messages"]][-1] == "<@U0BOT> has joined the channel"
    window = await client.conversations_history(
        channel=channel, oldest=stamps[1], latest=stamps[3], inclusive=True
    )
    assert [m["ts"] for m in window["messages"]] == stamps[3:0:-1]


async def test_list_hides_private_channels_the_bot_is_not_in(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.create_channel("hidden", creator="U0ALICE", is_private=True)
    await client.conversations_create(name="mine", is_private=True)
    listed = await client.conversations_list(types="public_channel,private_channel")
    names = {c["name"] for c in listed["channels"]}
    assert {"general", "incidents", "mine"} == names


async def test_members_are_paged(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    first = await client.conversations_members(channel=incidents.id, limit=2)
    rest = await client.conversations_members(
        channel=incidents.id, cursor=first["response_metadata"]["next_cursor"]
    )
    assert first["members"] + rest["members"] == ["U0ALICE", "U0BOB", "U0CAROL"]
    assert rest["response_metadata"]["next_cursor"] == ""


async def test_archive_and_rename(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    channel = (await client.conversations_create(name="inc-8"))["channel"]["id"]
    renamed = await client.conversations_rename(channel=channel, name="inc-8-resolved")
    assert renamed["channel"]["previous_names"] == ["inc-8"]
    await client.conversations_archive(channel=channel)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel=channel, text="late")
    assert raised.value.response["error"] == "is_archived"
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_create(name="inc-8-resolved")
    assert raised.value.response["error"] == "name_taken"


async def test_missing_scope_names_what_is_needed(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.scopes.discard("pins:write")
    channel = (await client.conversations_create(name="inc-9"))["channel"]["id"]
    posted = await client.chat_postMessage(channel=channel, text="x")
    with pytest.raises(SlackApiError) as raised:
        await client.pins_add(channel=channel, timestamp=posted["ts"])
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "pins:write"


async def test_delete_lookup_and_api_test(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    channel = (await client.conversations_create(name="inc-10"))["channel"]["id"]
    posted = await client.chat_postMessage(channel=channel, text="oops")
    await client.pins_add(channel=channel, timestamp=posted["ts"])
    await client.chat_delete(channel=channel, ts=posted["ts"])
    assert sandbox.world.channels[channel].pins == []
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_replies(channel=channel, ts=posted["ts"])
    assert raised.value.response["error"] == "thread_not_found"
    found = await client.users_lookupByEmail(email="carol@sandbox.example")
    assert found["user"]["id"] == "U0CAROL"
    assert (await client.api_test(foo="bar"))["args"] == {"foo": "bar"}


def test_a_member_invites_the_bot_as_slash_invite_does(
    driver: SlackDriver, sandbox: SandboxServer
) -> None:
    channel = driver.create_channel("alice", "alerts")
    driver.invite("alice", "alerts", "warroom")
    assert "U0BOT" in sandbox.world.channels[channel].members
    joins = [m for m in sandbox.world.channel_messages(channel) if m.subtype == "channel_join"]
    assert [(m.user, m.extra.get("inviter")) for m in joins][-1] == ("U0BOT", "U0ALICE")
    for inviter, invitee, error in [
        ("bob", "carol", "not_in_channel"),
        ("alice", "warroom", "already_in_channel"),
        ("alice", "alice", "cant_invite_self"),
    ]:
        with pytest.raises(SandboxActionError) as raised:
            driver.invite(inviter, "alerts", invitee)
        assert raised.value.error == error
