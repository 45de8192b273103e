"""The driver against a real Bolt app: Bolt accepts its signed requests and payload shapes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI, Request
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer, ServerHandle, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import DEFAULT_SIGNING_SECRET, DEFAULT_TOKEN

SEVERITIES = [("SEV1", "sev1"), ("SEV2", "sev2")]


def declare_modal(channel_id: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": t}, "value": v} for t, v in SEVERITIES]
    return {
        "type": "modal",
        "callback_id": "declare",
        "private_metadata": channel_id,
        "title": {"type": "plain_text", "text": "Declare incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "blocks": [
            {
                "type": "input",
                "block_id": "title",
                "label": {"type": "plain_text", "text": "Title"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "severity",
                "label": {"type": "plain_text", "text": "Severity"},
                "element": {"type": "static_select", "action_id": "value", "options": options},
            },
            {
                "type": "input",
                "block_id": "lead",
                "optional": True,
                "label": {"type": "plain_text", "text": "Lead"},
                "element": {"type": "users_select", "action_id": "value"},
            },
        ],
    }


def build_bolt_app(api_url: str, seen: list[dict[str, Any]]) -> FastAPI:
    bolt = AsyncApp(
        client=AsyncWebClient(token=DEFAULT_TOKEN, base_url=api_url),
        signing_secret=DEFAULT_SIGNING_SECRET,
        process_before_response=True,
    )

    @bolt.command("/incident")
    async def declare(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(
            trigger_id=body["trigger_id"], view=declare_modal(body["channel_id"])
        )

    @bolt.command("/status")
    async def status(ack: Any) -> None:
        await ack("All quiet.")

    @bolt.command("/announce")
    async def announce(ack: Any, respond: Any, command: dict[str, Any]) -> None:
        await ack()
        await respond(response_type="in_channel", text=f"Announcement: {command['text']}")

    @bolt.view("declare")
    async def submitted(ack: Any, view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        if values["title"]["value"]["value"] == "x":
            await ack(response_action="errors", errors={"title": "Too short"})
            return
        await ack()
        seen.append({"values": values, "metadata": view["private_metadata"]})

    @bolt.action("ack")
    async def acked(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        seen.append(body)
        await respond(replace_original=True, text="Acknowledged")

    @bolt.event("pin_added")
    async def pinned(event: dict[str, Any]) -> None:
        seen.append(event)

    handler = AsyncSlackRequestHandler(bolt)
    api = FastAPI()

    @api.post("/slack/events")
    async def events(request: Request) -> Any:
        return await handler.handle(request)

    return api


@pytest.fixture(scope="module")
def bolt_app(sandbox_server: SandboxServer) -> Iterator[tuple[ServerHandle, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []
    handle = serve_in_thread(build_bolt_app(sandbox_server.api_url, seen))
    yield handle, seen
    handle.stop()


@pytest.fixture
def slack(
    sandbox: SandboxServer, bolt_app: tuple[ServerHandle, list[dict[str, Any]]]
) -> Iterator[SlackDriver]:
    bolt_app[1].clear()
    events_url = f"{bolt_app[0].url}/slack/events"
    with SlackDriver(events_url, DEFAULT_SIGNING_SECRET, sandbox.url) as driver:
        driver.connect_events()
        yield driver


@pytest.fixture
def seen(bolt_app: tuple[ServerHandle, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return bolt_app[1]


def test_slash_opens_modal_and_submission_reaches_handler(
    slack: SlackDriver, seen: list[dict[str, Any]]
) -> None:
    response = slack.slash("alice", "incidents", "db down")
    assert response.status_code == 200
    view = slack.latest_view("alice")
    assert view is not None and view["callback_id"] == "declare"
    answer = slack.submit_view(
        "alice",
        view["id"],
        {"title": {"value": "DB down"}, "severity": {"value": "SEV1"}, "lead": {"value": "U0BOB"}},
    )
    assert answer.status_code == 200
    values = seen[-1]["values"]
    assert values["title"]["value"] == {"type": "plain_text_input", "value": "DB down"}
    assert values["severity"]["value"]["selected_option"]["value"] == "sev1"
    assert values["lead"]["value"] == {"type": "users_select", "selected_user": "U0BOB"}
    assert seen[-1]["metadata"] == slack.channel("incidents")["id"]
    assert slack.latest_view("alice") is None, "an empty ack closes the modal"


def test_submission_errors_keep_modal_open(slack: SlackDriver) -> None:
    slack.slash("bob", "incidents", "")
    view = slack.latest_view("bob")
    assert view is not None
    answer = slack.submit_view(
        "bob", view["id"], {"title": {"value": "x"}, "severity": {"value": "sev2"}}
    )
    assert answer.json() == {"response_action": "errors", "errors": {"title": "Too short"}}
    still_open = slack.latest_view("bob")
    assert still_open is not None and still_open["errors"] == {"title": "Too short"}


def test_driver_refuses_what_slack_would_not_submit(slack: SlackDriver) -> None:
    slack.slash("carol", "incidents", "")
    view = slack.latest_view("carol")
    assert view is not None
    with pytest.raises(ValueError, match="required input 'severity'"):
        slack.submit_view("carol", view["id"], {"title": {"value": "API slow"}})
    with pytest.raises(LookupError, match="not an option"):
        slack.submit_view("carol", view["id"], {"severity": {"value": "SEV9"}})


def test_immediate_ack_text_shows_as_ephemeral(slack: SlackDriver) -> None:
    slack.slash("alice", "general", "", command="/status")
    assert [e["text"] for e in slack.ephemerals("alice")] == ["All quiet."]


def test_respond_in_channel_posts_message(slack: SlackDriver) -> None:
    slack.slash("alice", "general", "maintenance at 5", command="/announce")
    texts = [m["text"] for m in slack.messages("general")]
    assert texts == ["Announcement: maintenance at 5"]


def test_click_finds_button_and_respond_replaces_message(
    slack: SlackDriver, sandbox: SandboxServer, seen: list[dict[str, Any]]
) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": "Ack"},
        "action_id": "ack",
        "value": "inc-1",
    }
    posted = sandbox.world.post_message(
        incidents,
        user="U0BOT",
        bot_id="B0BOT",
        text="Page",
        blocks=[{"type": "actions", "block_id": "page", "elements": [button]}],
    )
    with pytest.raises(LookupError, match="no element with action_id 'resolve'"):
        slack.click("bob", "incidents", posted.ts, "resolve")
    response = slack.click("bob", "incidents", posted.ts, "ack")
    assert response.status_code == 200
    body = seen[-1]
    assert body["actions"][0]["value"] == "inc-1" and body["actions"][0]["block_id"] == "page"
    assert body["container"]["message_ts"] == posted.ts and body["user"]["id"] == "U0BOB"
    assert body["message"]["blocks"][0]["elements"][0]["action_id"] == "ack"
    replaced = slack.message("incidents", posted.ts)["message"]
    assert replaced["text"] == "Acknowledged" and replaced["ts"] == posted.ts


@pytest.mark.parametrize(
    "options",
    [{"signature": "v0=" + "0" * 64}, {"timestamp": 1_000_000_000}, {"unsigned": True}],
)
def test_bolt_rejects_bad_signatures(slack: SlackDriver, options: dict[str, Any]) -> None:
    response = slack.slash("alice", "incidents", "db down", **options)
    assert response.status_code == 401
    assert slack.latest_view("alice") is None


def test_pin_by_a_person_reaches_bolt_listener(
    slack: SlackDriver, sandbox: SandboxServer, seen: list[dict[str, Any]]
) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    slack.configure(
        subscriptions=["pin_added"]
    )  # Bolt answers 404 to events it has no listener for
    sandbox.world.add_member(incidents, "U0BOT")
    ts = slack.post_message("carol", "incidents", "root cause found")
    slack.pin("carol", "incidents", ts)
    event = slack.wait_for(lambda: [e for e in seen if e.get("type") == "pin_added"])[0]
    assert event["user"] == "U0CAROL" and event["item"]["message"]["ts"] == ts
