"""Integration messages (incoming webhooks, Alertmanager): `bot_message`s, and who hears of them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from fastapi import FastAPI, Request
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxActionError, SandboxServer, ServerHandle, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import BOT_ID, DEFAULT_SIGNING_SECRET, DEFAULT_TOKEN

if TYPE_CHECKING:
    from conftest import RecordingApp

FIRING = [
    {
        "color": "danger",
        "fallback": "[FIRING:1] HighLatency",
        "title": "[FIRING:1] HighLatency checkout",
        "text": "p99 above 2s for 5m",
    }
]


@pytest.fixture
def driver(driver: SlackDriver) -> Iterator[SlackDriver]:
    """The conftest's driver; a test ends once its events are delivered, not mid-delivery."""
    yield driver
    driver.wait_for_deliveries()


def _bot_messages(recorder: RecordingApp) -> list[dict[str, Any]]:
    return [
        b["event"]
        for b in recorder.bodies()
        if b["event"]["type"] == "message" and b["event"].get("subtype") == "bot_message"
    ]


def _queued_messages(driver: SlackDriver, subtype: str | None) -> list[bool]:
    return [
        e["queued"]
        for e in driver.events("message")
        if e["envelope"]["event"].get("subtype") == subtype
    ]


async def _channel(client: AsyncWebClient, name: str, *, is_private: bool = False) -> str:
    return str(
        (await client.conversations_create(name=name, is_private=is_private))["channel"]["id"]
    )


async def test_integration_message_reaches_the_app_as_a_signed_bot_message(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    channel = await _channel(client, "alerts")
    ts = driver.post_integration_message(channel, text="", attachments=FIRING)
    event = driver.wait_for(lambda: _bot_messages(recorder), description="bot_message")[0]

    request = next(r for r in recorder.received if b'"bot_message"' in r.body)
    assert SignatureVerifier(DEFAULT_SIGNING_SECRET).is_valid(
        body=request.body,
        timestamp=request.headers["x-slack-request-timestamp"],
        signature=request.headers["x-slack-signature"],
    )
    assert (event["type"], event["subtype"], event["ts"]) == ("message", "bot_message", ts)
    assert event["channel"] == channel and event["channel_type"] == "channel"
    assert event["event_ts"] and event["text"] == ""
    assert event["username"] == "Alertmanager" and isinstance(event["icons"], dict)
    assert event["bot_id"].startswith("B") and event["bot_id"] != BOT_ID
    assert event["attachments"] == FIRING
    assert "user" not in event


async def test_bot_id_is_the_same_per_username_unless_given(
    client: AsyncWebClient, driver: SlackDriver
) -> None:
    channel = await _channel(client, "alerts")
    for username in ("Alertmanager", "Grafana", "Alertmanager"):
        driver.post_integration_message(channel, text=f"from {username}", username=username)
    driver.post_integration_message(
        channel, text="paged", username="PagerDuty", bot_id="B0PAGERDUTY"
    )
    posted = [m for m in driver.messages(channel) if m.get("subtype") == "bot_message"]
    senders = [(m["username"], m["bot_id"]) for m in posted]
    assert senders[0] == senders[2] and senders[0][1] != senders[1][1]
    assert senders[3] == ("PagerDuty", "B0PAGERDUTY")
    assert {m["origin"] for m in posted} == {"integration"}


async def test_history_shows_a_bot_message_the_bot_cannot_edit(
    client: AsyncWebClient, driver: SlackDriver
) -> None:
    channel = await _channel(client, "alerts")
    ts = driver.post_integration_message(channel, text="disk full", username="Grafana")
    history = await client.conversations_history(channel=channel)
    message = next(m for m in history["messages"] if m["ts"] == ts)
    assert message["subtype"] == "bot_message" and message["username"] == "Grafana"
    assert message["text"] == "disk full" and message["bot_id"] != BOT_ID
    assert "user" not in message
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(channel=channel, ts=ts, text="mine now")
    assert raised.value.response["error"] == "cant_update_message"


async def test_blocks_are_checked_and_given_ids(
    client: AsyncWebClient, driver: SlackDriver
) -> None:
    channel = await _channel(client, "alerts")
    too_long = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    with pytest.raises(SandboxActionError) as raised:
        driver.post_integration_message(channel, text="alert", blocks=too_long)
    assert (raised.value.error, raised.value.status) == ("invalid_blocks", 400)
    good = [{"type": "section", "text": {"type": "mrkdwn", "text": "*FIRING* HighLatency"}}]
    ts = driver.post_integration_message(channel, text="alert", blocks=good)
    stored = driver.message(channel, ts)["message"]["blocks"]
    assert stored[0]["text"] == good[0]["text"] and stored[0]["block_id"]


async def test_refusals_follow_incoming_webhooks(
    client: AsyncWebClient, driver: SlackDriver, sandbox: SandboxServer
) -> None:
    url = f"{sandbox.url}/_sandbox/act/post_integration_message"
    missing = driver.http.post(url, json={"channel": "C0NOPE", "text": "x"})
    assert (missing.status_code, missing.json()["error"]) == (404, "channel_not_found")
    channel = await _channel(client, "alerts")
    with pytest.raises(SandboxActionError) as raised:
        driver.post_integration_message(channel)
    assert (raised.value.error, raised.value.status) == ("no_text", 400)
    await client.conversations_archive(channel=channel)
    with pytest.raises(SandboxActionError) as raised:
        driver.post_integration_message(channel, text="late")
    assert (raised.value.error, raised.value.status) == ("channel_is_archived", 410)


async def test_messages_reach_the_app_only_from_channels_the_bot_is_in(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp, sandbox: SandboxServer
) -> None:
    driver.post_integration_message("incidents", text="unheard alert")
    driver.post_message("alice", "incidents", "unheard person")
    assert _queued_messages(driver, "bot_message") == [False]
    assert _queued_messages(driver, None) == [False]

    incidents = driver.channel("incidents")["id"]
    await client.conversations_join(channel=incidents)
    driver.post_integration_message("incidents", text="heard alert")
    driver.post_message("alice", "incidents", "heard person")
    driver.wait_for_deliveries()
    texts = [b["event"].get("text") for b in recorder.bodies() if b["event"]["type"] == "message"]
    assert "heard alert" in texts and "heard person" in texts
    assert "unheard alert" not in texts and "unheard person" not in texts


async def test_message_subscriptions_follow_the_kind_of_channel(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    public = await _channel(client, "alerts")
    private = await _channel(client, "alerts-private", is_private=True)
    driver.configure(subscriptions=["message.groups"])
    driver.post_integration_message(public, text="public")
    driver.post_integration_message(private, text="private")
    driver.configure(subscriptions=["message.channels"])
    driver.post_integration_message(public, text="public again")
    driver.post_integration_message(private, text="private again")
    driver.wait_for_deliveries()
    heard = {(e["text"], e["channel_type"]) for e in _bot_messages(recorder)}
    assert heard == {("private", "group"), ("public again", "channel")}


def _build_bolt_app(api_url: str, seen: list[dict[str, Any]]) -> FastAPI:
    bolt = AsyncApp(
        client=AsyncWebClient(token=DEFAULT_TOKEN, base_url=api_url),
        signing_secret=DEFAULT_SIGNING_SECRET,
        process_before_response=True,
    )

    @bolt.event({"type": "message", "subtype": "bot_message"})
    async def alert(event: dict[str, Any]) -> None:
        seen.append(event)

    @bolt.event("message")
    async def other(event: dict[str, Any]) -> None:
        return None  # acknowledged, so Slack would not send it again

    handler = AsyncSlackRequestHandler(bolt)
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request) -> Any:
        return await handler.handle(request)

    return api


@pytest.fixture
def bolt(sandbox: SandboxServer) -> Iterator[tuple[SlackDriver, list[dict[str, Any]]]]:
    """A Bolt app on real HTTP, with the sandbox delivering events to it."""
    seen: list[dict[str, Any]] = []
    handle: ServerHandle = serve_in_thread(_build_bolt_app(sandbox.api_url, seen))
    with SlackDriver(f"{handle.url}/slack/events", DEFAULT_SIGNING_SECRET, sandbox.url) as slack:
        slack.connect_events()
        yield slack, seen
        slack.wait_for_deliveries()
    handle.stop()


async def test_bolt_takes_an_integration_message_as_someone_elses(
    client: AsyncWebClient, bolt: tuple[SlackDriver, list[dict[str, Any]]]
) -> None:
    slack, seen = bolt
    channel = await _channel(client, "alerts")
    await client.chat_postMessage(channel=channel, text="the bot itself")
    ts = slack.post_integration_message(channel, text="[FIRING:1] HighLatency")
    event = slack.wait_for(lambda: seen, description="Bolt's bot_message listener")[0]
    assert event["ts"] == ts and event["username"] == "Alertmanager"
    slack.wait_for_deliveries()
    statuses = [d["attempts"][-1]["status"] for d in slack.deliveries("message")]
    assert len(statuses) >= 2 and set(statuses) == {200}  # the bot's own message too
