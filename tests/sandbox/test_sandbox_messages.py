"""chat.*, pins.* and reactions.*: Slack's message rules through slack-sdk over HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer


async def _channel(client: AsyncWebClient, name: str = "inc-7") -> str:
    return str((await client.conversations_create(name=name))["channel"]["id"])


@pytest.mark.parametrize("ref", ["incidents", "#incidents"])
async def test_post_message_by_name_answers_with_channel_id(
    client: AsyncWebClient, sandbox: SandboxServer, ref: str
) -> None:
    response = await client.chat_postMessage(channel=ref, text="status")
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    assert response["channel"] == incidents.id
    assert response["message"]["text"] == "status"
    assert response["message"]["bot_id"] == "B0BOT"
    assert sandbox.world.find_message(incidents.id, response["ts"]) is not None


async def test_post_to_public_channel_needs_chat_write_public_when_not_member(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.scopes.discard("chat:write.public")
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="incidents", text="hi")
    assert raised.value.response["error"] == "not_in_channel"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "x" * 40_001}, "msg_too_long"),
        ({}, "no_text"),
        ({"text": ""}, "no_text"),
    ],
)
async def test_post_message_content_errors(
    client: AsyncWebClient, kwargs: dict[str, Any], error: str
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="incidents", **kwargs)
    assert raised.value.response["error"] == error


async def test_update_edits_in_place_and_keeps_versions(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = await _channel(client)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Status:* open"}}]
    posted = await client.chat_postMessage(channel=channel, text="open", blocks=blocks)
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Status:* fixed"}}]
    updated = await client.chat_update(
        channel=channel, ts=posted["ts"], text="fixed", blocks=new_blocks
    )
    assert updated["ts"] == posted["ts"]
    message = sandbox.world.find_message(channel, posted["ts"])
    assert message is not None
    assert [v["text"] for v in message.versions] == ["open", "fixed"]
    assert message.blocks is not None and message.blocks[0]["text"]["text"] == "*Status:* fixed"
    bot_messages = [m for m in sandbox.world.channel_messages(channel) if m.bot_id]
    assert len(bot_messages) == 1


async def test_update_with_text_only_drops_blocks(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = await _channel(client)
    blocks = [{"type": "divider"}]
    posted = await client.chat_postMessage(channel=channel, text="a", blocks=blocks)
    await client.chat_update(channel=channel, ts=posted["ts"], text="b")
    message = sandbox.world.find_message(channel, posted["ts"])
    assert message is not None and message.blocks is None and message.edited is not None


async def test_update_errors(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    channel = await _channel(client)
    posted = await client.chat_postMessage(channel=channel, text="a")
    sandbox.world.add_member(sandbox.world.channels[channel], "U0ALICE")
    human = sandbox.world.post_message(sandbox.world.channels[channel], user="U0ALICE", text="me")
    cases = [
        ({"channel": channel, "ts": "1.000001"}, "message_not_found"),
        ({"channel": channel, "ts": human.ts}, "cant_update_message"),
        ({"channel": "inc-7", "ts": posted["ts"]}, "channel_not_found"),
    ]
    for kwargs, error in cases:
        with pytest.raises(SlackApiError) as raised:
            await client.chat_update(text="b", **kwargs)
        assert raised.value.response["error"] == error


async def test_pins_add_once_then_already_pinned(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = await _channel(client)
    posted = await client.chat_postMessage(channel=channel, text="status")
    await client.pins_add(channel=channel, timestamp=posted["ts"])
    with pytest.raises(SlackApiError) as raised:
        await client.pins_add(channel=channel, timestamp=posted["ts"])
    assert raised.value.response["error"] == "already_pinned"
    assert sandbox.world.channels[channel].pins == [posted["ts"]]
    listed = await client.pins_list(channel=channel)
    assert listed["items"][0]["message"]["ts"] == posted["ts"]


async def test_pin_errors(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    channel = await _channel(client)
    posted = await client.chat_postMessage(channel=channel, text="status")
    with pytest.raises(SlackApiError) as raised:
        await client.pins_add(channel=channel, timestamp="1.000001")
    assert raised.value.response["error"] == "message_not_found"
    with pytest.raises(SlackApiError) as raised:
        await client.pins_remove(channel=channel, timestamp=posted["ts"])
    assert raised.value.response["error"] == "no_pin"
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    human = sandbox.world.post_message(incidents, user="U0ALICE", text="hi")
    with pytest.raises(SlackApiError) as raised:
        await client.pins_add(channel=incidents.id, timestamp=human.ts)
    assert raised.value.response["error"] == "not_in_channel"


async def test_reactions_add_and_get(client: AsyncWebClient) -> None:
    channel = await _channel(client)
    posted = await client.chat_postMessage(channel=channel, text="status")
    await client.reactions_add(channel=channel, timestamp=posted["ts"], name="eyes")
    with pytest.raises(SlackApiError) as raised:
        await client.reactions_add(channel=channel, timestamp=posted["ts"], name="eyes")
    assert raised.value.response["error"] == "already_reacted"
    got = await client.reactions_get(channel=channel, timestamp=posted["ts"])
    assert got["message"]["reactions"] == [{"name": "eyes", "users": ["U0BOT"], "count": 1}]


async def test_ephemeral_only_to_members_and_permalink(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = await _channel(client)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postEphemeral(channel=channel, user="U0ALICE", text="psst")
    assert raised.value.response["error"] == "user_not_in_channel"
    await client.conversations_invite(channel=channel, users="U0ALICE")
    sent = await client.chat_postEphemeral(channel=channel, user="U0ALICE", text="psst")
    assert [(e.user, e.text, e.ts) for e in sandbox.world.ephemerals] == [
        ("U0ALICE", "psst", sent["message_ts"])
    ]
    posted = await client.chat_postMessage(channel=channel, text="x")
    link = await client.chat_getPermalink(channel=channel, message_ts=posted["ts"])
    assert link["permalink"].endswith(f"/archives/{channel}/p{posted['ts'].replace('.', '')}")


async def test_thread_replies_stay_out_of_history(client: AsyncWebClient) -> None:
    channel = await _channel(client)
    parent = await client.chat_postMessage(channel=channel, text="parent")
    await client.chat_postMessage(channel=channel, text="reply", thread_ts=parent["ts"])
    history = await client.conversations_history(channel=channel)
    assert "reply" not in [m["text"] for m in history["messages"]]
    top = next(m for m in history["messages"] if m["ts"] == parent["ts"])
    assert top["reply_count"] == 1
    replies = await client.conversations_replies(channel=channel, ts=parent["ts"])
    assert [m["text"] for m in replies["messages"]] == ["parent", "reply"]


async def test_users_info_and_list(client: AsyncWebClient) -> None:
    alice = await client.users_info(user="U0ALICE")
    assert alice["user"]["real_name"] == "Alice Archer"
    assert alice["user"]["tz"] == "Europe/London"
    with pytest.raises(SlackApiError) as raised:
        await client.users_info(user="U0NOBODY")
    assert raised.value.response["error"] == "user_not_found"
    members = (await client.users_list())["members"]
    assert {"U0BOT", "U0ALICE", "U0BOB", "U0CAROL"} <= {m["id"] for m in members}
