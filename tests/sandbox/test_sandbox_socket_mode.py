"""Socket Mode: a real Bolt app connects with its app-level token and acks envelopes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from bot.sandbox import SandboxActionError, SandboxServer
from bot.sandbox.model import DEFAULT_SIGNING_SECRET, DEFAULT_TOKEN
from bot.sandbox.socket_driver import SocketAckMissing, SocketModeDriver
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN

if TYPE_CHECKING:
    from conftest import RecordingApp

T = TypeVar("T")
TITLE_MODAL = {
    "type": "modal",
    "callback_id": "declare",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


async def _ignore() -> None:
    return None


def build_bolt_app(api_url: str, seen: list[dict[str, Any]]) -> AsyncApp:
    """A small Bolt app: the listener kinds Warroom uses, answering through its acks."""
    app = AsyncApp(
        client=AsyncWebClient(token=DEFAULT_TOKEN, base_url=api_url),
        signing_secret=DEFAULT_SIGNING_SECRET,
    )

    @app.command("/incident")
    async def declare(ack: Any, command: dict[str, Any]) -> None:
        await ack(f"Declaring: {command['text']}")

    @app.command("/modal")
    async def modal(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=TITLE_MODAL)

    @app.view("declare")
    async def submitted(ack: Any, view: dict[str, Any]) -> None:
        if view["state"]["values"]["title"]["value"]["value"] == "x":
            await ack(response_action="errors", errors={"title": "Too short"})
            return
        await ack()
        seen.append({"submitted": view["id"]})

    @app.event("pin_added")
    async def pinned(event: dict[str, Any]) -> None:
        seen.append(event)

    for kind in ("message", "member_joined_channel", "channel_created", "reaction_added"):
        # an event no listener takes is not acked by Bolt, so Slack would send it again
        app.event(kind)(_ignore)

    return app


class BoltOverSocket:
    """A Bolt app connected over Socket Mode, on its own event loop in a thread."""

    def __init__(self, api_url: str, app_token: str = DEFAULT_APP_TOKEN) -> None:
        self.seen: list[dict[str, Any]] = []
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.handler = self.run(self._connect(api_url, app_token))

    def run(self, work: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout=15)

    async def _connect(self, api_url: str, app_token: str) -> AsyncSocketModeHandler:
        handler = AsyncSocketModeHandler(build_bolt_app(api_url, self.seen), app_token)
        await handler.connect_async()
        return handler

    def stop(self) -> None:
        self.run(self.handler.close_async())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()


@pytest.fixture
def bolt(sandbox: SandboxServer) -> Iterator[BoltOverSocket]:
    app = BoltOverSocket(sandbox.api_url)
    yield app
    app.stop()


@pytest.fixture
def slack(sandbox: SandboxServer) -> Iterator[SocketModeDriver]:
    with SocketModeDriver(sandbox.url) as driver:
        yield driver


def _open_socket(api_url: str) -> ClientConnection:
    url = WebClient(base_url=api_url).apps_connections_open(app_token=DEFAULT_APP_TOKEN)["url"]
    return connect(url)


def _incident_channel(sync_client: WebClient, name: str) -> str:
    channel = str(sync_client.conversations_create(name=name)["channel"]["id"])
    sync_client.conversations_invite(channel=channel, users="U0ALICE")
    return channel


def test_connections_open_returns_a_websocket_url_for_the_app_token(
    sandbox: SandboxServer,
) -> None:
    answer = WebClient(base_url=sandbox.api_url).apps_connections_open(app_token=DEFAULT_APP_TOKEN)
    port = sandbox.url.rsplit(":", 1)[1]
    assert answer["ok"] is True
    assert answer["url"].startswith(f"ws://127.0.0.1:{port}/_sandbox/socket/")
    assert [c.ok for c in sandbox.world.calls_to("apps.connections.open")] == [True]


@pytest.mark.parametrize(
    ("token", "error"),
    [
        (DEFAULT_TOKEN, "not_allowed_token_type"),
        ("xapp-1-A0OTHER-1-abc", "invalid_auth"),
        ("xoxb-not-this-workspace", "invalid_auth"),
    ],
)
def test_connections_open_refuses_any_other_token(
    sandbox: SandboxServer, token: str, error: str
) -> None:
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=sandbox.api_url).apps_connections_open(app_token=token)
    assert refused.value.response["error"] == error


def test_connections_open_reads_the_token_from_the_header_only(sandbox: SandboxServer) -> None:
    client = WebClient(base_url=sandbox.api_url)
    with pytest.raises(SlackApiError) as refused:
        client.api_call("apps.connections.open", data={"token_in_body": DEFAULT_APP_TOKEN})
    assert refused.value.response["error"] == "not_authed"


def test_bad_app_token_keeps_bolt_from_connecting(sandbox: SandboxServer) -> None:
    async def connect_with_bot_token() -> None:
        app = build_bolt_app(sandbox.api_url, [])
        handler = AsyncSocketModeHandler(app, DEFAULT_TOKEN)
        try:
            await handler.client.issue_new_wss_url()
        finally:
            await handler.close_async()

    with pytest.raises(SlackApiError) as refused:
        asyncio.run(connect_with_bot_token())
    assert refused.value.response["error"] == "not_allowed_token_type"
    assert sandbox.world.socket_mode.is_connected() is False


def test_hello_comes_first_and_a_ticket_works_once(sandbox: SandboxServer) -> None:
    client = WebClient(base_url=sandbox.api_url)
    url = client.apps_connections_open(app_token=DEFAULT_APP_TOKEN)["url"]
    with connect(url) as socket:
        hello = json.loads(socket.recv(timeout=5))
        assert hello["type"] == "hello" and hello["num_connections"] == 1
        assert hello["connection_info"] == {"app_id": "A0SANDBOX"}
        assert {"host", "build_number", "approximate_connection_time"} <= set(hello["debug_info"])
        with pytest.raises(InvalidStatus):
            connect(url)


def test_bolt_acks_a_slash_command_and_its_reply_is_shown(
    bolt: BoltOverSocket, slack: SocketModeDriver
) -> None:
    slack.wait_for_connection()
    answer = slack.slash("alice", "general", "declare sev2 Over the socket")

    assert answer == {"text": "Declaring: declare sev2 Over the socket"}
    envelope = slack.envelopes("slash_commands")[-1]
    assert envelope["accepts_response_payload"] is True and envelope["acked"] is True
    assert envelope["payload"]["command"] == "/incident"
    assert envelope["payload"]["text"] == "declare sev2 Over the socket"
    assert "retry_attempt" not in envelope  # only events carry retry fields
    shown = [e["text"] for e in slack.ephemerals("alice", "general")]
    assert shown == ["Declaring: declare sev2 Over the socket"]


def test_view_submission_errors_come_back_in_the_ack(
    bolt: BoltOverSocket, slack: SocketModeDriver
) -> None:
    slack.wait_for_connection()
    assert slack.slash("alice", "general", "", command="/modal") == {}
    view = slack.wait_for(lambda: slack.latest_view("alice"), description="the modal")

    refused = slack.submit_view("alice", view["id"], {"title": {"value": "x"}})
    assert refused == {"response_action": "errors", "errors": {"title": "Too short"}}
    shown = slack.latest_view("alice")
    assert shown is not None and shown["errors"] == {"title": "Too short"}

    assert slack.submit_view("alice", view["id"], {"title": {"value": "Checkout down"}}) == {}
    assert slack.latest_view("alice") is None
    assert {"submitted": view["id"]} in bolt.seen


def test_events_go_over_the_socket_instead_of_http(
    bolt: BoltOverSocket,
    slack: SocketModeDriver,
    sync_client: WebClient,
    recorder: RecordingApp,
) -> None:
    slack.configure(event_url=recorder.url)
    slack.wait_for_connection()
    channel = _incident_channel(sync_client, "inc-socket")
    ts = slack.post_message("alice", channel, "Rolled back the deploy")
    slack.pin("alice", channel, ts)

    slack.wait_for(lambda: [e for e in bolt.seen if e.get("type") == "pin_added"])
    slack.wait_for_deliveries()
    pinned = next(e for e in slack.envelopes("events_api") if "pin_added" in json.dumps(e))
    assert pinned["accepts_response_payload"] is False and pinned["acked"] is True
    assert pinned["retry_attempt"] == 0 and pinned["retry_reason"] == ""
    assert pinned["payload"]["type"] == "event_callback"
    assert pinned["payload"]["event"]["item"]["message"]["ts"] == ts
    assert recorder.received == []
    assert slack.deliveries() == []


def test_driver_events_and_retries_are_marked_like_slack(
    bolt: BoltOverSocket, slack: SocketModeDriver
) -> None:
    slack.wait_for_connection()
    event = {"type": "pin_added", "user": "U0ALICE", "channel_id": "C1", "event_ts": "1.2"}
    assert slack.send_event(event, event_id="EvSOCKET1") == {}
    assert slack.send_event(event, event_id="EvSOCKET1", retry_num=2) == {}
    first, retry = slack.envelopes("events_api")[-2:]
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert (retry["retry_attempt"], retry["retry_reason"]) == (2, "timeout")
    assert first["envelope_id"] != retry["envelope_id"]


def test_unacknowledged_event_is_sent_again(
    sandbox_server: SandboxServer, sync_client: WebClient
) -> None:
    world = sandbox_server.reset(delivery_timeout=0.3, retry_delays=(0.05, 0.05))
    with _open_socket(sandbox_server.api_url) as socket:
        assert json.loads(socket.recv(timeout=5))["type"] == "hello"
        channel = _incident_channel(sync_client, "inc-retry")
        ts = sync_client.chat_postMessage(channel=channel, text="Anyone there?")["ts"]
        ours: list[dict[str, Any]] = []
        while len(ours) < 2:  # ack everything but the first try of our message event
            frame = json.loads(socket.recv(timeout=5))
            if frame["payload"]["event"].get("ts") == ts:
                ours.append(frame)
            else:
                socket.send(json.dumps({"envelope_id": frame["envelope_id"]}))
        socket.send(json.dumps({"envelope_id": ours[1]["envelope_id"]}))
        deadline = time.monotonic() + 5
        while world.socket_mode.pending() and time.monotonic() < deadline:
            time.sleep(0.01)

    first, retry = ours
    assert (first["retry_attempt"], first["retry_reason"]) == (0, "")
    assert (retry["retry_attempt"], retry["retry_reason"]) == (1, "timeout")
    assert retry["payload"]["event_id"] == first["payload"]["event_id"]
    assert retry["envelope_id"] != first["envelope_id"]
    records = {e.envelope_id: e for e in world.socket_mode.envelopes()}
    assert records[first["envelope_id"]].failure == "timeout"
    assert records[retry["envelope_id"]].acked is True


def test_slash_command_nobody_acks_fails_after_the_deadline(
    sandbox_server: SandboxServer,
) -> None:
    sandbox_server.reset(delivery_timeout=0.3)
    bolt = BoltOverSocket(sandbox_server.api_url)
    try:
        with SocketModeDriver(sandbox_server.url) as slack:
            slack.wait_for_connection()
            with pytest.raises(SocketAckMissing) as missing:
                slack.slash("alice", "general", "", command="/not-handled")
            assert missing.value.envelope["failure"] == "timeout"
    finally:
        bolt.stop()


def test_driver_needs_an_open_connection(slack: SocketModeDriver) -> None:
    with pytest.raises(SandboxActionError) as refused:
        slack.slash("alice", "general", "declare sev2 Nobody listening")
    assert refused.value.error == "not_connected"


def test_app_token_on_a_bot_method_is_the_wrong_token_type() -> None:
    with SandboxServer() as sandbox:
        answer = httpx.post(
            f"{sandbox.api_url}chat.postMessage",
            headers={"Authorization": f"Bearer {sandbox.world.app_token}"},
            data={"channel": "general", "text": "hi"},
        ).json()
    assert answer["ok"] is False and answer["error"] == "not_allowed_token_type"
