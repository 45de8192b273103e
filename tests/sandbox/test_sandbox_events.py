"""Event delivery: Slack's envelope and payload shapes, its signature, its retries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import DEFAULT_SIGNING_SECRET

if TYPE_CHECKING:
    from conftest import RecordingApp


def _events_of(recorder: RecordingApp, kind: str) -> list[dict[str, Any]]:
    return [b for b in recorder.bodies() if b["event"]["type"] == kind]


async def test_bot_pin_delivers_signed_pin_added(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    channel = (await client.conversations_create(name="inc-ev"))["channel"]["id"]
    posted = await client.chat_postMessage(channel=channel, text="status")
    await client.pins_add(channel=channel, timestamp=posted["ts"])
    driver.wait_for(lambda: _events_of(recorder, "pin_added"), description="pin_added")

    request = next(r for r in recorder.received if b'"pin_added"' in r.body)
    verifier = SignatureVerifier(DEFAULT_SIGNING_SECRET)
    assert verifier.is_valid(
        body=request.body,
        timestamp=request.headers["x-slack-request-timestamp"],
        signature=request.headers["x-slack-signature"],
    )
    envelope = json.loads(request.body)
    assert envelope["type"] == "event_callback"
    assert envelope["team_id"] == "T0SANDBOX" and envelope["api_app_id"]
    assert envelope["event_id"].startswith("Ev") and isinstance(envelope["event_time"], int)
    assert envelope["authorizations"][0]["user_id"] == "U0BOT"
    event = envelope["event"]
    assert event["user"] == "U0BOT" and event["channel_id"] == channel and event["event_ts"]
    assert event["item"]["type"] == "message" and event["item"]["channel"] == channel
    assert event["item"]["message"]["ts"] == posted["ts"]
    assert event["item"]["message"]["permalink"].startswith("https://sandbox.slack.local/")


async def test_user_reaction_delivers_reaction_added(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    channel = (await client.conversations_create(name="inc-react"))["channel"]["id"]
    await client.conversations_invite(channel=channel, users="U0ALICE")
    posted = await client.chat_postMessage(channel=channel, text="status")
    driver.react("alice", channel, posted["ts"], "white_check_mark")
    events = driver.wait_for(lambda: _events_of(recorder, "reaction_added"))
    event = events[0]["event"]
    assert event["user"] == "U0ALICE" and event["reaction"] == "white_check_mark"
    assert event["item"] == {"type": "message", "channel": channel, "ts": posted["ts"]}
    assert event["item_user"] == "U0BOT"


async def test_failed_delivery_is_retried_with_retry_headers(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp, sandbox: SandboxServer
) -> None:
    channel = (await client.conversations_create(name="inc-retry"))["channel"]["id"]
    driver.wait_for_deliveries()
    recorder.received.clear()
    recorder.statuses[:] = [500, 500]
    posted = await client.chat_postMessage(channel=channel, text="status")
    await client.pins_add(channel=channel, timestamp=posted["ts"])
    driver.wait_for_deliveries()
    pins = [r for r in recorder.received if b'"pin_added"' in r.body]
    messages = [r for r in recorder.received if b'"pin_added"' not in r.body]
    assert len(messages) == 3 and len(pins) == 1  # the message event took both failures
    assert [r.headers.get("x-slack-retry-num") for r in messages] == [None, "1", "2"]
    assert messages[1].headers["x-slack-retry-reason"] == "http_error"
    assert len({json.loads(r.body)["event_id"] for r in messages}) == 1
    delivery = driver.deliveries("message")[-1]
    assert delivery["ok"] and [a["status"] for a in delivery["attempts"]] == [500, 500, 200]


async def test_gives_up_after_three_retries(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    recorder.statuses[:] = [503] * 4
    await client.conversations_create(name="inc-down")
    driver.wait_for_deliveries()
    created = driver.deliveries("channel_created")[0]
    assert not created["ok"] and len(created["attempts"]) == 4


async def test_events_reach_the_app_only_from_channels_the_bot_is_in(
    driver: SlackDriver, recorder: RecordingApp, sandbox: SandboxServer
) -> None:
    driver.post_message("alice", "incidents", "anyone?")
    driver.join(driver.add_user("dave"), "incidents")
    assert [e["queued"] for e in driver.events()] == [False, False, False]
    driver.wait_for_deliveries()
    assert recorder.received == []


async def test_messages_arrive_in_order_per_channel(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    channel = (await client.conversations_create(name="inc-order"))["channel"]["id"]
    await client.conversations_invite(channel=channel, users="U0CAROL")
    for i in range(8):
        driver.post_message("carol", channel, f"update {i}")
    driver.wait_for_deliveries()
    texts = [
        b["event"]["text"]
        for b in _events_of(recorder, "message")
        if b["event"].get("user") == "U0CAROL" and "subtype" not in b["event"]
    ]
    assert texts == [f"update {i}" for i in range(8)]
    last = _events_of(recorder, "message")[-1]["event"]
    assert last["channel_type"] == "channel" and last["client_msg_id"]


async def test_redeliver_sends_recorded_event_as_a_retry(
    client: AsyncWebClient, driver: SlackDriver, recorder: RecordingApp
) -> None:
    await client.conversations_create(name="inc-again")
    driver.wait_for_deliveries()
    created = driver.events("channel_created")[0]
    response = driver.redeliver(created["event_id"], retry_num=2, retry_reason="http_timeout")
    assert response.status_code == 200
    last = recorder.received[-1]
    assert json.loads(last.body)["event_id"] == created["event_id"]
    assert last.headers["x-slack-retry-num"] == "2"
    assert last.headers["x-slack-retry-reason"] == "http_timeout"


def test_send_event_is_signed(driver: SlackDriver, recorder: RecordingApp) -> None:
    driver.send_event({"type": "app_mention", "user": "U0ALICE", "text": "<@U0BOT> hi"})
    request = recorder.received[-1]
    assert SignatureVerifier(DEFAULT_SIGNING_SECRET).is_valid(
        body=request.body,
        timestamp=request.headers["x-slack-request-timestamp"],
        signature=request.headers["x-slack-signature"],
    )
    driver.send_event({"type": "app_mention"}, signature="v0=bad", timestamp=1)
    assert recorder.received[-1].headers["x-slack-signature"] == "v0=bad"
