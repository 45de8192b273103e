"""Message metadata on chat.postMessage / chat.update, read back only by those who ask."""

from __future__ import annotations

import json
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient

STATUS = {"event_type": "warroom_status", "event_payload": {"incident_id": 7}}


async def _channel(client: AsyncWebClient, name: str) -> str:
    return str((await client.conversations_create(name=name))["channel"]["id"])


def _by_ts(messages: list[dict[str, Any]], ts: str) -> dict[str, Any]:
    return next(m for m in messages if m["ts"] == ts)


async def test_history_returns_metadata_only_when_asked(client: AsyncWebClient) -> None:
    channel = await _channel(client, "inc-meta")
    posted = await client.chat_postMessage(channel=channel, text="Status", metadata=STATUS)
    assert posted["message"]["metadata"] == STATUS

    plain = await client.conversations_history(channel=channel)
    assert "metadata" not in _by_ts(plain["messages"], posted["ts"])
    full = await client.conversations_history(channel=channel, include_all_metadata=True)
    assert _by_ts(full["messages"], posted["ts"])["metadata"] == STATUS
    # Messages posted without metadata have none to show, even when asked.
    assert all("metadata" not in m for m in full["messages"] if m["ts"] != posted["ts"])


async def test_replies_return_metadata_only_when_asked(client: AsyncWebClient) -> None:
    channel = await _channel(client, "inc-meta-thread")
    parent = await client.chat_postMessage(channel=channel, text="Timeline")
    reply = await client.chat_postMessage(
        channel=channel, text="Paged", thread_ts=parent["ts"], metadata=STATUS
    )
    plain = await client.conversations_replies(channel=channel, ts=parent["ts"])
    assert "metadata" not in _by_ts(plain["messages"], reply["ts"])
    asked = await client.conversations_replies(
        channel=channel, ts=parent["ts"], include_all_metadata=True
    )
    assert _by_ts(asked["messages"], reply["ts"])["metadata"] == STATUS
    for flag, shown in (("true", True), ("1", True), ("false", False), ("0", False)):
        raw = await client.api_call(
            "conversations.replies",
            http_verb="GET",
            params={"channel": channel, "ts": parent["ts"], "include_all_metadata": flag},
        )
        assert ("metadata" in _by_ts(raw["messages"], reply["ts"])) is shown, flag


def test_metadata_as_a_json_string_in_a_form_body(
    sync_client: WebClient, control: SandboxClient
) -> None:
    channel = sync_client.conversations_create(name="inc-form-meta")["channel"]["id"]
    posted = sync_client.api_call(
        "chat.postMessage",
        data={"channel": channel, "text": "Status", "metadata": json.dumps(STATUS)},
    )
    history = sync_client.conversations_history(channel=channel, include_all_metadata=True)
    assert _by_ts(history["messages"], posted["ts"])["metadata"] == STATUS
    assert control.message(channel, posted["ts"])["message"]["metadata"] == STATUS
    stored = _by_ts(control.messages(channel), posted["ts"])
    assert stored["metadata"] == STATUS


async def test_update_keeps_metadata_unless_given(client: AsyncWebClient) -> None:
    channel = await _channel(client, "inc-meta-update")
    posted = await client.chat_postMessage(channel=channel, text="v1", metadata=STATUS)
    kept = await client.chat_update(channel=channel, ts=posted["ts"], text="v2")
    assert kept["message"]["metadata"] == STATUS
    newer = {"event_type": "warroom_status", "event_payload": {"incident_id": 7, "rev": 2}}
    await client.chat_update(channel=channel, ts=posted["ts"], text="v3", metadata=newer)
    history = await client.conversations_history(channel=channel, include_all_metadata=True)
    message = _by_ts(history["messages"], posted["ts"])
    assert (message["text"], message["metadata"]) == ("v3", newer)


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ("{not json", "invalid_metadata_format"),
        ("[1, 2]", "invalid_metadata_format"),
        ('"warroom_status"', "invalid_metadata_format"),
        ({"event_payload": {"incident_id": 7}}, "invalid_metadata_schema"),
        ({"event_type": 7, "event_payload": {}}, "invalid_metadata_schema"),
        ({"event_type": "warroom_status"}, "invalid_metadata_schema"),
        ({"event_type": "warroom_status", "event_payload": [7]}, "invalid_metadata_schema"),
        ({"event_type": "warroom_status", "event_payload": "7"}, "invalid_metadata_schema"),
    ],
)
async def test_malformed_metadata_is_refused_and_nothing_posted(
    client: AsyncWebClient, sandbox: SandboxServer, metadata: Any, error: str
) -> None:
    channel = await _channel(client, "inc-meta-bad")
    before = len(sandbox.world.channel_messages(channel))
    with pytest.raises(SlackApiError) as raised:
        await client.api_call(
            "chat.postMessage", json={"channel": channel, "text": "x", "metadata": metadata}
        )
    assert raised.value.response["error"] == error
    assert len(sandbox.world.channel_messages(channel)) == before


async def test_malformed_metadata_on_update_changes_nothing(client: AsyncWebClient) -> None:
    channel = await _channel(client, "inc-meta-bad-update")
    posted = await client.chat_postMessage(channel=channel, text="v1", metadata=STATUS)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(
            channel=channel, ts=posted["ts"], text="v2", metadata={"event_type": "x"}
        )
    assert raised.value.response["error"] == "invalid_metadata_schema"
    history = await client.conversations_history(channel=channel, include_all_metadata=True)
    message = _by_ts(history["messages"], posted["ts"])
    assert (message["text"], message["metadata"]) == ("v1", STATUS)


async def test_event_type_with_punctuation_is_ignored_with_a_warning(
    client: AsyncWebClient,
) -> None:
    channel = await _channel(client, "inc-meta-dotted")
    dotted = {"event_type": "warroom.status", "event_payload": {"incident_id": 7}}
    posted = await client.chat_postMessage(channel=channel, text="Status", metadata=dotted)
    assert posted["warning"] == "invalid_metadata_schema"
    assert "metadata" not in posted["message"]
    history = await client.conversations_history(channel=channel, include_all_metadata=True)
    assert "metadata" not in _by_ts(history["messages"], posted["ts"])
