"""Interaction payloads and response_url semantics, seen from a recording app."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import httpx
import pytest

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxActionError
from bot.sandbox.driver import SlackDriver
from bot.sandbox.methods.views import parse_view, store_view

if TYPE_CHECKING:
    from conftest import RecordingApp

SELECT = {
    "type": "static_select",
    "action_id": "severity",
    "placeholder": {"type": "plain_text", "text": "Severity"},
    "options": [
        {"text": {"type": "plain_text", "text": "SEV1"}, "value": "sev1"},
        {"text": {"type": "plain_text", "text": "SEV2"}, "value": "sev2"},
    ],
}


def _payload(recorder: RecordingApp) -> dict[str, Any]:
    form = parse_qs(recorder.received[-1].body.decode())
    payload: dict[str, Any] = json.loads(form["payload"][0])
    return payload


def test_select_sends_selected_option(
    driver: SlackDriver, recorder: RecordingApp, sandbox: SandboxServer
) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    message = sandbox.world.post_message(
        incidents,
        user="U0BOT",
        bot_id="B0BOT",
        text="pick",
        blocks=[
            {
                "type": "section",
                "block_id": "sev",
                "text": {"type": "mrkdwn", "text": "Sev"},
                "accessory": SELECT,
            }
        ],
    )
    driver.select("alice", "incidents", message.ts, "severity", "SEV2")
    payload = _payload(recorder)
    assert payload["type"] == "block_actions"
    action = payload["actions"][0]
    assert action["type"] == "static_select" and action["selected_option"]["value"] == "sev2"
    assert payload["state"]["values"]["sev"]["severity"]["type"] == "static_select"
    assert payload["response_url"].startswith(sandbox.url)


def test_click_in_view_sends_view_container(
    driver: SlackDriver, recorder: RecordingApp, sandbox: SandboxServer
) -> None:
    view = store_view(
        sandbox.world,
        "U0BOB",
        parse_view(
            sandbox.world,
            {
                "type": "modal",
                "callback_id": "edit",
                "title": {"type": "plain_text", "text": "Edit"},
                "blocks": [{"type": "actions", "block_id": "a", "elements": [SELECT]}],
            },
        ),
    )
    driver.click_in_view("bob", view.id, "severity", "sev1")
    payload = _payload(recorder)
    assert payload["container"] == {"type": "view", "view_id": view.id}
    assert payload["view"]["callback_id"] == "edit"
    assert "response_url" not in payload and "channel" not in payload


def _response_url(sandbox: SandboxServer, **context: Any) -> str:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    return sandbox.world.interactions.issue_response_url(
        sandbox.url, incidents.id, "U0ALICE", **context
    )


def test_response_url_defaults_to_ephemeral_and_can_replace_it(sandbox: SandboxServer) -> None:
    url = _response_url(sandbox)
    first = httpx.post(url, json={"text": "Only you can see this"}).json()
    assert first["outcome"] == "ephemeral"
    assert [(e.user, e.text) for e in sandbox.world.ephemerals] == [
        ("U0ALICE", "Only you can see this")
    ]
    again = _response_url(sandbox, message_ts=first["ts"], is_ephemeral=True)
    httpx.post(again, json={"text": "Updated", "replace_original": True})
    assert [e.text for e in sandbox.world.ephemerals] == ["Updated"]


def test_response_url_deletes_original_message(sandbox: SandboxServer) -> None:
    incidents = sandbox.world.find_channel("incidents")
    assert incidents is not None
    message = sandbox.world.post_message(incidents, user="U0BOT", bot_id="B0BOT", text="old")
    url = _response_url(sandbox, message_ts=message.ts)
    assert httpx.post(url, json={"delete_original": True}).json()["outcome"] == "deleted"
    assert sandbox.world.find_message(incidents.id, message.ts) is None


def test_response_url_works_five_times_and_checks_blocks(sandbox: SandboxServer) -> None:
    url = _response_url(sandbox)
    bad = httpx.post(url, json={"blocks": [{"type": "header"}]})
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_blocks"
    for _ in range(4):
        assert httpx.post(url, json={"text": "ok"}).status_code == 200
    used = httpx.post(url, json={"text": "sixth"})
    assert used.status_code == 404 and used.json()["error"] == "used_url"


def test_people_cannot_post_where_they_are_not(driver: SlackDriver) -> None:
    secret = driver.create_channel("alice", "secret-room", is_private=True)
    with pytest.raises(SandboxActionError, match="channel_not_found"):
        driver.post_message("bob", secret, "let me in")
    with pytest.raises(SandboxActionError, match="name_taken"):
        driver.create_channel("bob", "secret-room")
    ts = driver.post_message("alice", secret, "hello")
    assert [m["text"] for m in driver.messages(secret)] == ["hello"]
    assert driver.messages(secret, include_system=True)[0]["subtype"] == "channel_join"
    assert ts == driver.messages(secret)[0]["ts"]


def test_state_values_cover_every_input_kind() -> None:
    from bot.sandbox.payloads import build_state_values

    options = [{"text": {"type": "plain_text", "text": n}, "value": n.lower()} for n in "AB"]
    blocks = [
        {
            "type": "input",
            "block_id": "t",
            "element": {"type": "plain_text_input", "action_id": "v", "initial_value": "x"},
        },
        {
            "type": "input",
            "block_id": "c",
            "element": {"type": "checkboxes", "action_id": "v", "options": options},
        },
        {"type": "input", "block_id": "u", "element": {"type": "users_select", "action_id": "v"}},
        {"type": "input", "block_id": "d", "element": {"type": "datepicker", "action_id": "v"}},
    ]
    values = build_state_values(
        blocks, {"c": {"v": ["A", "b"]}, "u": {"v": {"selected_user": "U0BOB"}}}
    )
    assert values["t"]["v"] == {"type": "plain_text_input", "value": "x"}
    assert [o["value"] for o in values["c"]["v"]["selected_options"]] == ["a", "b"]
    assert values["u"]["v"] == {"type": "users_select", "selected_user": "U0BOB"}
    assert values["d"]["v"] == {"type": "datepicker", "selected_date": None}
    with pytest.raises(LookupError, match="no input 'x'/'v'"):
        build_state_values(blocks, {"x": {"v": "?"}})
