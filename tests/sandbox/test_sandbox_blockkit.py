"""Block Kit limits: the sandbox rejects what Slack rejects, and says why."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.blockkit import validate_message_blocks, validate_view


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(text: str = "Ack", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": {"type": "plain_text", "text": text}, **extra}


def modal(title: str = "Declare", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": [section("hello")],
        **extra,
    }


@pytest.mark.parametrize(
    ("blocks", "pointer"),
    [
        ([section("x")] * 51, "/blocks]"),
        ([section("x" * 3001)], "/blocks/0/text/text]"),
        ([section("")], "/blocks/0/text/text]"),
        ([{"type": "section"}], "/blocks/0]"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}], "/fields]"),
        ([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}], "/0/text]"),
        ([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}], "/text/text]"),
        ([{"type": "header", "text": {"type": "mrkdwn", "text": "*h*"}}], "/text/type]"),
        ([{"type": "actions", "elements": [button("b" * 76)]}], "/elements/0/text/text]"),
        ([{"type": "actions", "elements": [button(action_id="a" * 256)]}], "/action_id]"),
        ([{"type": "actions", "elements": [button(value="v" * 2001)]}], "/value]"),
        ([{"type": "actions", "elements": [button(url="u" * 3001)]}], "/url]"),
        (
            [{"type": "actions", "elements": [button(action_id=f"a{i}") for i in range(26)]}],
            "/elements]",
        ),
        ([{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}], "/elements]"),
        ([section("a", block_id="b" * 256)], "/block_id]"),
        ([section("a", block_id="same"), section("b", block_id="same")], "/1/block_id]"),
        ([{"type": "carousel"}], "/blocks/0/type]"),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "options": [
                                {"text": {"type": "plain_text", "text": "o" * 76}, "value": "v"}
                            ],
                        }
                    ],
                }
            ],
            "/text/text]",
        ),
        (
            [
                {
                    "type": "actions",
                    "elements": [
                        {
                            "type": "static_select",
                            "options": [
                                {"text": {"type": "plain_text", "text": "o"}, "value": "v" * 151}
                            ],
                        }
                    ],
                }
            ],
            "/value]",
        ),
    ],
)
def test_message_blocks_over_limits_are_rejected(blocks: list[Any], pointer: str) -> None:
    problems = validate_message_blocks(blocks)
    assert problems, "Slack would reject these blocks"
    assert any(p.endswith(pointer) for p in problems), problems


def test_blocks_at_the_limits_are_accepted() -> None:
    blocks = [section("x" * 3000)] * 49 + [
        {"type": "actions", "elements": [button("b" * 75, action_id="a" * 255, value="v" * 2000)]}
    ]
    assert validate_message_blocks(blocks) == []


@pytest.mark.parametrize(
    ("view", "pointer"),
    [
        (modal("t" * 25), "/view/title/text]"),
        (modal(submit={"type": "plain_text", "text": "s" * 25}), "/view/submit/text]"),
        (modal(close={"type": "plain_text", "text": "c" * 25}), "/view/close/text]"),
        (modal(private_metadata="m" * 3001), "/view/private_metadata]"),
        (modal(callback_id="c" * 256), "/view/callback_id]"),
        ({**modal(), "blocks": [section("x")] * 101}, "/view/blocks]"),
        (
            {
                **modal(),
                "blocks": [
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "L"},
                        "element": {"type": "plain_text_input"},
                    }
                ],
            },
            "/view/submit]",
        ),
    ],
)
def test_views_over_limits_are_rejected(view: dict[str, Any], pointer: str) -> None:
    problems = validate_view(view)
    assert any(p.endswith(pointer) for p in problems), problems


def test_modal_with_24_character_title_is_accepted() -> None:
    assert validate_view(modal("t" * 24)) == []


async def test_post_message_with_51_blocks_is_invalid_blocks(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="incidents", text="x", blocks=[section("x")] * 51)
    assert raised.value.response["error"] == "invalid_blocks"
    messages = raised.value.response["response_metadata"]["messages"]
    assert messages == ["[ERROR] no more than 50 items allowed [json-pointer:/blocks]"]
    assert sandbox.world.calls[-1].error == "invalid_blocks"


async def test_update_with_long_section_and_button_is_rejected(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="incidents", text="x")
    too_long = [section("x" * 3001), {"type": "actions", "elements": [button("b" * 76)]}]
    with pytest.raises(SlackApiError) as raised:
        await client.chat_update(
            channel=posted["channel"], ts=posted["ts"], text="x", blocks=too_long
        )
    messages = raised.value.response["response_metadata"]["messages"]
    assert len(messages) == 2
    assert "must be less than 3001 characters" in messages[0]
    assert "must be less than 76 characters" in messages[1]


async def test_blocks_as_form_string_are_validated_too(sandbox: SandboxServer) -> None:
    from slack_sdk import WebClient

    web = WebClient(token="xoxb-sandbox-token", base_url=sandbox.api_url)
    with pytest.raises(SlackApiError) as raised:
        web.api_call(
            "chat.postMessage",
            params={"channel": "incidents", "blocks": '[{"type": "header"}]'},
        )
    assert raised.value.response["error"] == "invalid_blocks"
    with pytest.raises(SlackApiError) as raised:
        web.api_call("chat.postMessage", params={"channel": "incidents", "blocks": "[{"})
    assert raised.value.response["error"] == "invalid_blocks_format"


async def test_missing_block_ids_are_filled_in_like_slack(client: AsyncWebClient) -> None:
    blocks = [section("a"), {"type": "actions", "elements": [button()]}]
    posted = await client.chat_postMessage(channel="incidents", text="x", blocks=blocks)
    stored = posted["message"]["blocks"]
    assert all(b["block_id"] for b in stored)
    assert stored[1]["elements"][0]["action_id"]
