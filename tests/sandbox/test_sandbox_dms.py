"""Direct messages: conversations.open and user ids as `channel`, through slack-sdk over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.sandbox import SandboxClient, SandboxServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import DEFAULT_SCOPES

if TYPE_CHECKING:
    from conftest import RecordingApp


@pytest.fixture
def people(sandbox: SandboxServer) -> Iterator[SandboxClient]:
    """A sandbox client for reading back what people see."""
    reader = SandboxClient(sandbox.url)
    yield reader
    reader.close()


def _error(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as raised:
        call(**kwargs)
    return str(raised.value.response["error"])


def test_open_twice_gives_the_same_dm(sync_client: WebClient, people: SandboxClient) -> None:
    first = sync_client.conversations_open(users="U0ALICE")
    dm = first["channel"]["id"]
    assert dm.startswith("D")
    assert "already_open" not in first.data

    again = sync_client.conversations_open(users=["U0ALICE"], return_im=True)
    assert again["already_open"] is True and again["no_op"] is True
    assert again["channel"]["id"] == dm
    assert again["channel"]["is_im"] is True and again["channel"]["user"] == "U0ALICE"

    state = people.channel(dm)
    assert state["is_im"] is True and state["user"] == "U0ALICE"
    assert state["members"] == ["U0ALICE", "U0BOT"]
    assert people.dm_channel("alice") == dm
    assert people.dm_channel("bob") is None


def test_post_to_dm_and_read_it_back(sync_client: WebClient, people: SandboxClient) -> None:
    dm = sync_client.conversations_open(users="U0BOB")["channel"]["id"]
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Reminder* for you"}}]
    sync_client.chat_postMessage(channel=dm, text="first")
    sync_client.chat_postMessage(channel=dm, text="second", blocks=blocks)
    people.post_message("bob", dm, "thanks")

    sent = people.dm_messages("bob")
    assert [m["text"] for m in sent] == ["first", "second"]
    assert sent[1]["blocks"][0]["text"]["text"] == "*Reminder* for you"
    assert people.dm_messages("carol") == []
    history = sync_client.conversations_history(channel=dm)
    assert [m["text"] for m in history["messages"]] == ["thanks", "second", "first"]


def test_dm_blocks_are_validated(sync_client: WebClient) -> None:
    dm = sync_client.conversations_open(users="U0BOB")["channel"]["id"]
    bad = [{"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}]
    assert _error(sync_client.chat_postMessage, channel=dm, text="t", blocks=bad) == (
        "invalid_blocks"
    )


def test_posting_to_a_user_id_goes_to_their_dm(
    sync_client: WebClient, people: SandboxClient
) -> None:
    posted = sync_client.chat_postMessage(channel="U0CAROL", text="hello")
    dm = posted["channel"]
    assert dm.startswith("D")
    assert posted["message"]["text"] == "hello"
    assert sync_client.conversations_open(users="U0CAROL")["channel"]["id"] == dm
    sync_client.chat_postMessage(channel=dm, text="again")
    assert [m["text"] for m in people.dm_messages("carol")] == ["hello", "again"]


def test_posting_to_a_user_id_needs_only_chat_write(
    sync_client: WebClient, people: SandboxClient
) -> None:
    people.configure(scopes=["chat:write"])
    posted = sync_client.chat_postMessage(channel="U0ALICE", text="hi")
    assert posted["channel"].startswith("D")


@pytest.mark.parametrize("user", ["U0NOBODY", "U0BOT"])
def test_posting_to_a_user_the_bot_cannot_dm(sync_client: WebClient, user: str) -> None:
    assert _error(sync_client.chat_postMessage, channel=user, text="hi") == "channel_not_found"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"users": "U0NOBODY"}, "user_not_found"),
        ({"users": "U0BOT"}, "cannot_dm_bot"),
        ({"users": ""}, "users_list_not_supplied"),
        ({"users": ",".join(f"U{i}" for i in range(9))}, "too_many_users"),
        ({"users": "U0ALICE,U0BOB"}, "method_not_supported_for_channel_type"),
        ({"channel": "C0000000001"}, "method_not_supported_for_channel_type"),
        ({"channel": "D0NOPE"}, "channel_not_found"),
        ({"users": "U0ALICE", "prevent_creation": True}, "channel_not_found"),
    ],
)
def test_open_errors(sync_client: WebClient, kwargs: dict[str, Any], error: str) -> None:
    assert _error(sync_client.conversations_open, **kwargs) == error


def test_open_needs_im_write(sync_client: WebClient, people: SandboxClient) -> None:
    people.configure(scopes=sorted(DEFAULT_SCOPES - {"im:write"}))
    with pytest.raises(SlackApiError) as raised:
        sync_client.conversations_open(users="U0ALICE")
    assert raised.value.response["error"] == "missing_scope"
    assert raised.value.response["needed"] == "im:write"


def test_reading_a_dm_needs_im_scopes(sync_client: WebClient, people: SandboxClient) -> None:
    dm = sync_client.conversations_open(users="U0ALICE")["channel"]["id"]
    people.configure(scopes=sorted(DEFAULT_SCOPES - {"im:history", "im:read"}))
    assert _error(sync_client.conversations_history, channel=dm) == "missing_scope"
    assert _error(sync_client.conversations_info, channel=dm) == "missing_scope"
    assert _error(sync_client.conversations_list, types="im") == "missing_scope"
    channel = sync_client.conversations_create(name="inc-dm-scopes")["channel"]["id"]
    assert sync_client.conversations_history(channel=channel)["ok"]


def test_dms_are_listed_only_when_asked_for(sync_client: WebClient) -> None:
    dm = sync_client.conversations_open(users="U0ALICE")["channel"]["id"]
    default = sync_client.conversations_list(types="public_channel,private_channel")
    assert dm not in [c["id"] for c in default["channels"]]
    ims = sync_client.conversations_list(types="im")["channels"]
    assert [(c["id"], c["is_im"], c["user"]) for c in ims] == [(dm, True, "U0ALICE")]
    assert sync_client.conversations_info(channel=dm)["channel"]["user"] == "U0ALICE"


def test_channel_methods_refuse_a_dm(sync_client: WebClient) -> None:
    dm = sync_client.conversations_open(users="U0ALICE")["channel"]["id"]
    expected = "method_not_supported_for_channel_type"
    assert _error(sync_client.conversations_invite, channel=dm, users="U0BOB") == expected
    assert _error(sync_client.conversations_archive, channel=dm) == expected


def test_dm_message_events_need_the_message_im_subscription(
    sync_client: WebClient, sandbox: SandboxServer, driver: SlackDriver, recorder: RecordingApp
) -> None:
    dm = sync_client.conversations_open(users="U0ALICE")["channel"]["id"]
    sync_client.chat_postMessage(channel=dm, text="unsubscribed")
    queued = [
        e["queued"] for e in sandbox.world.events if e["envelope"]["event"]["type"] == "message"
    ]
    assert queued == [False]

    driver.configure(subscriptions=["message", "message.im"])
    driver.post_message("alice", dm, "subscribed")

    def delivered() -> list[dict[str, Any]]:
        return [b["event"] for b in recorder.bodies() if b["event"].get("text") == "subscribed"]

    event = driver.wait_for(delivered, description="message.im delivery")[0]
    assert event["channel"] == dm and event["channel_type"] == "im"
    assert event["user"] == "U0ALICE"
