"""Fault modes: a proxy's error page, a lost answer, a dropped connection, and outages."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxActionError, SandboxClient
from bot.sandbox.model import DEFAULT_TOKEN

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}


@pytest.fixture
async def bare_client(sandbox: SandboxServer) -> AsyncIterator[AsyncWebClient]:
    """A slack-sdk client that never retries, so each fault shows as it happened."""
    web = AsyncWebClient(token=DEFAULT_TOKEN, base_url=sandbox.api_url, retry_handlers=[])
    yield web
    if web.session is not None:
        await web.session.close()


def _post(sandbox: SandboxServer, method: str, **form: str) -> httpx.Response:
    return httpx.post(f"{sandbox.api_url}{method}", data=form, headers=AUTH)


def _texts(sandbox: SandboxServer, channel: str = "general") -> list[str]:
    found = sandbox.world.find_channel(channel)
    assert found is not None
    return [m.text for m in sandbox.world.channel_messages(found.id) if m.subtype is None]


def test_plain_answers_an_html_page_without_doing_the_work(
    sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("conversations.create", mode="plain", status=503, retry_after=4)
    response = _post(sandbox, "conversations.create", name="inc-plain")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["Retry-After"] == "4"
    assert "<h1>503 Service Unavailable</h1>" in response.text
    assert "X-OAuth-Scopes" not in response.headers
    assert sandbox.world.find_channel("inc-plain") is None
    assert _post(sandbox, "conversations.create", name="inc-plain").json()["ok"] is True


async def test_plain_defaults_to_502_and_slack_sdk_raises(
    bare_client: AsyncWebClient, sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("chat.postMessage", mode="plain")
    with pytest.raises(SlackApiError) as raised:
        await bare_client.chat_postMessage(channel="general", text="lost")
    assert raised.value.response.status_code == 502
    assert _texts(sandbox) == []


async def test_after_does_the_work_then_loses_the_answer(
    bare_client: AsyncWebClient, sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("chat.postMessage", mode="after", status=504)
    with pytest.raises(SlackApiError) as raised:
        await bare_client.chat_postMessage(channel="general", text="posted anyway")
    assert raised.value.response.status_code == 504
    assert _texts(sandbox) == ["posted anyway"]
    [call] = control.calls("chat.postMessage")
    assert (call["ok"], call["status"], call["work_done"], call["fault"]) == (
        False,
        504,
        True,
        "after",
    )


def test_drop_after_closes_the_connection_after_the_work(
    sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("conversations.create", mode="drop_after")
    with httpx.Client(headers=AUTH) as http:
        # A kept-alive connection too: the drop must not turn into a 500 or a late answer.
        assert http.post(f"{sandbox.api_url}auth.test").json()["ok"] is True
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(f"{sandbox.api_url}conversations.create", data={"name": "inc-drop"})
        assert http.post(f"{sandbox.api_url}auth.test").json()["ok"] is True
    assert sandbox.world.find_channel("inc-drop") is not None
    [call] = control.calls("conversations.create")
    assert (call["ok"], call["status"], call["work_done"], call["fault"]) == (
        False,
        None,
        True,
        "drop_after",
    )


async def test_drop_is_a_server_disconnect_for_aiohttp_and_does_nothing(
    sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("chat.postMessage", mode="drop")
    async with aiohttp.ClientSession(headers=AUTH) as session:
        with pytest.raises(aiohttp.ServerDisconnectedError):
            async with session.post(
                f"{sandbox.api_url}chat.postMessage", data={"channel": "general", "text": "x"}
            ) as response:
                await response.read()
    assert _texts(sandbox) == []
    [call] = control.calls("chat.postMessage")
    assert (call["status"], call["work_done"], call["fault"]) == (None, False, "drop")


async def test_slack_sdk_default_retry_repeats_a_call_whose_answer_was_dropped(
    client: AsyncWebClient, sandbox: SandboxServer, control: SandboxClient
) -> None:
    # slack-sdk retries a dropped connection once by default: Slack did the work twice.
    control.inject("chat.postMessage", mode="drop_after")
    assert (await client.chat_postMessage(channel="general", text="twice"))["ok"]
    assert _texts(sandbox) == ["twice", "twice"]
    calls = control.calls("chat.postMessage")
    assert [(c["work_done"], c["fault"]) for c in calls] == [(True, "drop_after"), (True, None)]


async def test_aiohttp_quietly_retries_a_dropped_get_once(
    bare_client: AsyncWebClient, control: SandboxClient
) -> None:
    # slack-sdk reads conversations.list with GET, which aiohttp resends after a disconnect:
    # one `drop` goes unnoticed by the caller but shows in the call log.
    control.inject("conversations.list", mode="drop")
    assert (await bare_client.conversations_list())["ok"]
    assert [c["fault"] for c in control.calls("conversations.list")] == ["drop", None]
    control.inject("conversations.list", mode="drop", times=2)
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await bare_client.conversations_list()


async def test_faults_are_taken_in_order_per_method(
    bare_client: AsyncWebClient, sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("chat.postMessage", mode="after", times=2)
    control.inject("chat.postMessage", "internal_error", status=500)
    control.inject("users.info", mode="drop")
    assert [(f["method"], f["mode"], f["times"]) for f in control.faults()["faults"]] == [
        ("chat.postMessage", "after", 2),
        ("chat.postMessage", "error", 1),
        ("users.info", "drop", 1),
    ]
    statuses = []
    for _ in range(4):
        try:
            await bare_client.chat_postMessage(channel="general", text="x")
            statuses.append(200)
        except SlackApiError as error:
            statuses.append(error.response.status_code)
    assert statuses == [502, 502, 500, 200]
    assert [c["work_done"] for c in control.calls("chat.postMessage")] == [
        True,
        True,
        False,
        True,
    ]
    assert control.faults()["faults"] == [
        {
            "method": "users.info",
            "error": None,
            "times": 1,
            "status": 502,
            "mode": "drop",
            "retry_after": None,
        }
    ]
    control.clear_faults()
    assert control.faults() == {"ok": True, "faults": [], "outage": None}
    assert (await bare_client.users_info(user="U0ALICE"))["ok"]


def test_a_slack_error_from_the_work_stays_in_the_log_behind_a_lost_answer(
    sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.inject("conversations.create", mode="after")
    assert _post(sandbox, "conversations.create", name="incidents").status_code == 502
    [call] = control.calls("conversations.create")
    assert (call["error"], call["work_done"], call["status"]) == ("name_taken", False, 502)


@pytest.mark.parametrize(
    "body",
    [
        {"method": "chat.postMessage", "mode": "sideways"},
        {"method": "chat.postMessage"},
        {"method": "chat.postMessage", "mode": "plain", "status": 999},
        {"method": "chat.postMessage", "error": "x", "times": 0},
        {"error": "internal_error"},
    ],
)
def test_nonsense_faults_are_refused(control: SandboxClient, body: dict[str, object]) -> None:
    with pytest.raises(SandboxActionError) as raised:
        control._post_control("/inject", body)
    assert (raised.value.error, raised.value.status) == ("invalid_fault", 400)
    assert control.faults()["faults"] == []


def test_world_inject_takes_a_mode_too(sandbox: SandboxServer) -> None:
    sandbox.world.inject("auth.test", mode="plain", status=504)
    assert _post(sandbox, "auth.test").status_code == 504
    assert _post(sandbox, "auth.test").json()["ok"] is True
