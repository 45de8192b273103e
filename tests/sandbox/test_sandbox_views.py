"""views.*: trigger_ids live 3 seconds and work once; hashes guard updates."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer


def modal(title: str = "Declare incident", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare",
        "title": {"type": "plain_text", "text": title},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}],
        **extra,
    }


async def test_open_returns_view_with_id_and_hash(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    trigger = sandbox.world.interactions.issue_trigger("U0ALICE")
    response = await client.views_open(trigger_id=trigger, view=modal(private_metadata="m1"))
    view = response["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["callback_id"] == "declare" and view["private_metadata"] == "m1"
    assert sandbox.world.views[view["id"]].user == "U0ALICE"


async def test_trigger_works_once(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    trigger = sandbox.world.interactions.issue_trigger("U0ALICE")
    await client.views_open(trigger_id=trigger, view=modal())
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id=trigger, view=modal())
    assert raised.value.response["error"] == "invalid_trigger_id"


async def test_trigger_expires_after_three_seconds(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    trigger = sandbox.world.interactions.issue_trigger("U0ALICE")
    sandbox.world.clock.advance(3.5)
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id=trigger, view=modal())
    assert raised.value.response["error"] == "expired_trigger_id"


async def test_unknown_trigger_is_invalid(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id="123.456.abc", view=modal())
    assert raised.value.response["error"] == "invalid_trigger_id"


async def test_modal_title_over_24_is_invalid_arguments(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    trigger = sandbox.world.interactions.issue_trigger("U0ALICE")
    with pytest.raises(SlackApiError) as raised:
        await client.views_open(trigger_id=trigger, view=modal("t" * 25))
    assert raised.value.response["error"] == "invalid_arguments"
    assert raised.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert sandbox.world.views == {}


async def test_update_with_stale_hash_conflicts(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    trigger = sandbox.world.interactions.issue_trigger("U0ALICE")
    opened = (await client.views_open(trigger_id=trigger, view=modal()))["view"]
    updated = await client.views_update(
        view_id=opened["id"], hash=opened["hash"], view=modal("Step 2")
    )
    assert updated["view"]["id"] == opened["id"]
    assert updated["view"]["hash"] != opened["hash"]
    with pytest.raises(SlackApiError) as raised:
        await client.views_update(view_id=opened["id"], hash=opened["hash"], view=modal("Step 3"))
    assert raised.value.response["error"] == "hash_conflict"
    assert sandbox.world.views[opened["id"]].data["title"]["text"] == "Step 2"


async def test_update_by_external_id_and_not_found(
    client: AsyncWebClient, sandbox: SandboxServer
) -> None:
    trigger = sandbox.world.interactions.issue_trigger("U0ALICE")
    await client.views_open(trigger_id=trigger, view=modal(external_id="inc-1-form"))
    updated = await client.views_update(external_id="inc-1-form", view=modal("Again"))
    assert updated["view"]["title"]["text"] == "Again"
    with pytest.raises(SlackApiError) as raised:
        await client.views_update(external_id="nope", view=modal())
    assert raised.value.response["error"] == "not_found"


async def test_push_stacks_at_most_three(client: AsyncWebClient, sandbox: SandboxServer) -> None:
    issue = sandbox.world.interactions.issue_trigger
    root = (await client.views_open(trigger_id=issue("U0BOB"), view=modal()))["view"]
    second = (await client.views_push(trigger_id=issue("U0BOB"), view=modal("2")))["view"]
    assert second["root_view_id"] == root["id"] and second["previous_view_id"] == root["id"]
    await client.views_push(trigger_id=issue("U0BOB"), view=modal("3"))
    with pytest.raises(SlackApiError) as raised:
        await client.views_push(trigger_id=issue("U0BOB"), view=modal("4"))
    assert raised.value.response["error"] == "push_limit_reached"
