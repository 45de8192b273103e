"""Rate limits (injected and real tiers) and the external file upload flow."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient


async def test_injected_ratelimit_is_429_with_retry_after(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.inject("chat.postMessage", "ratelimited", retry_after=7)
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="incidents", text="x")
    assert raised.value.response.status_code == 429
    assert raised.value.response.headers["Retry-After"] == "7"
    assert raised.value.response["error"] == "ratelimited"
    assert (await client.chat_postMessage(channel="incidents", text="x"))["ok"]


async def test_retry_handler_honours_retry_after(sandbox: SandboxServer) -> None:
    web = AsyncWebClient(
        token="xoxb-sandbox-token",
        base_url=sandbox.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    sandbox.world.inject("conversations.create", "ratelimited", retry_after=1)
    started = time.monotonic()
    response = await web.conversations_create(name="inc-retry")
    assert response["ok"]
    assert time.monotonic() - started >= 1.0
    assert [c.status for c in sandbox.world.calls_to("conversations.create")] == [429, 200]


async def test_injected_error_counts_down(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    sandbox.world.inject("users.info", "internal_error", times=2, status=500)
    for _ in range(2):
        with pytest.raises(SlackApiError) as raised:
            await client.users_info(user="U0ALICE")
        assert raised.value.response.status_code == 500
    assert (await client.users_info(user="U0ALICE"))["ok"]


async def test_enforced_tier_two_allows_twenty_a_minute(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.enforce_rate_limits = True
    for i in range(20):
        await client.conversations_create(name=f"inc-{i}")
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_create(name="inc-20")
    assert raised.value.response.status_code == 429
    assert int(raised.value.response.headers["Retry-After"]) >= 1
    sandbox.world.clock.advance(61)
    assert (await client.conversations_create(name="inc-20"))["ok"]


async def test_enforced_post_message_allows_a_burst_then_one_a_second(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    sandbox.world.enforce_rate_limits = True
    sandbox.world.clock.freeze()
    for _ in range(5):
        await client.chat_postMessage(channel="incidents", text="x")
    with pytest.raises(SlackApiError):
        await client.chat_postMessage(channel="incidents", text="x")
    assert (await client.chat_postMessage(channel="general", text="other channel"))["ok"]
    sandbox.world.clock.advance(1.0)
    assert (await client.chat_postMessage(channel="incidents", text="x"))["ok"]


async def test_files_upload_v2_shares_file_in_channel(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    channel = (await client.conversations_create(name="inc-files"))["channel"]["id"]
    response = await client.files_upload_v2(
        channel=channel,
        content="timeline\n",
        filename="timeline.md",
        title="Timeline",
        initial_comment="Postmortem draft",
    )
    file_id = response["file"]["id"]
    assert response["file"]["title"] == "Timeline"
    stored = sandbox.world.files[file_id]
    assert stored.data == b"timeline\n"
    shared = [m for m in sandbox.world.channel_messages(channel) if m.files]
    assert [(m.text, m.files) for m in shared] == [("Postmortem draft", [file_id])]
    inspector = SandboxClient(sandbox.url)
    assert inspector.file_bytes(file_id) == b"timeline\n"
    inspector.close()


def test_sync_client_uploads_bytes(sync_client: WebClient, sandbox: SandboxServer) -> None:
    channel = sync_client.conversations_create(name="inc-bytes")["channel"]["id"]
    response = sync_client.files_upload_v2(channel=channel, content=b"\x00\x01", filename="a.bin")
    assert sandbox.world.files[response["file"]["id"]].data == b"\x00\x01"


async def test_complete_upload_without_bytes_fails(client: AsyncWebClient) -> None:
    reserved = await client.files_getUploadURLExternal(filename="a.txt", length=3)
    assert reserved["upload_url"].endswith(f"/_sandbox/upload/{reserved['file_id']}")
    with pytest.raises(SlackApiError) as raised:
        await client.files_completeUploadExternal(files=[{"id": reserved["file_id"]}])
    assert raised.value.response["error"] == "file_not_found"
