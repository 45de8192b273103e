"""The outage switch: Slack unreachable for every Web API method until switched off."""

from __future__ import annotations

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxActionError, SandboxClient
from bot.sandbox.model import DEFAULT_TOKEN
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN


def _post(sandbox: SandboxServer, method: str, token: str = DEFAULT_TOKEN) -> httpx.Response:
    return httpx.post(f"{sandbox.api_url}{method}", headers={"Authorization": f"Bearer {token}"})


async def test_every_method_fails_until_the_outage_ends(
    client: AsyncWebClient, sandbox: SandboxServer, control: SandboxClient
) -> None:
    control.outage(True)
    for method, token in [
        ("auth.test", DEFAULT_TOKEN),
        ("conversations.list", DEFAULT_TOKEN),
        ("conversations.teleport", DEFAULT_TOKEN),
        ("auth.test", "xoxb-wrong"),
        ("apps.connections.open", DEFAULT_APP_TOKEN),
    ]:
        response = _post(sandbox, method, token)
        assert response.status_code == 503, method
        assert response.headers["content-type"].startswith("text/html")
    with pytest.raises(SlackApiError) as raised:
        await client.conversations_create(name="inc-during-outage")
    assert raised.value.response.status_code == 503
    assert sandbox.world.find_channel("inc-during-outage") is None
    assert control.faults()["outage"] == {"mode": "plain", "status": 503}
    assert control.state("config")["config"]["outage"] == {"mode": "plain", "status": 503}

    control.outage(False)
    assert (await client.auth_test())["ok"]
    assert (await client.conversations_create(name="inc-during-outage"))["ok"]
    outage_calls = [c for c in control.calls() if c["fault"] == "outage"]
    assert len(outage_calls) == 6
    assert not any(c["work_done"] or c["ok"] for c in outage_calls)


def test_a_drop_outage_answers_nothing(sandbox: SandboxServer, control: SandboxClient) -> None:
    control.outage(True, mode="drop")
    with pytest.raises(httpx.RemoteProtocolError):
        _post(sandbox, "auth.test")
    with pytest.raises(httpx.RemoteProtocolError):
        _post(sandbox, "apps.connections.open", DEFAULT_APP_TOKEN)
    assert [(c["method"], c["status"]) for c in control.calls()] == [
        ("auth.test", None),
        ("apps.connections.open", None),
    ]
    control.outage(False)
    assert _post(sandbox, "auth.test").json()["ok"] is True


def test_planned_faults_wait_out_the_outage(sandbox: SandboxServer, control: SandboxClient) -> None:
    control.inject("auth.test", "invalid_auth")
    control.outage(True, status=502)
    assert _post(sandbox, "auth.test").status_code == 502
    control.outage(False)
    assert _post(sandbox, "auth.test").json()["error"] == "invalid_auth"
    assert _post(sandbox, "auth.test").json()["ok"] is True


def test_reset_and_clear_end_the_outage(sandbox: SandboxServer, control: SandboxClient) -> None:
    control.outage(True)
    sandbox.reset()
    assert _post(sandbox, "auth.test").json()["ok"] is True
    control.outage(True, mode="drop")
    control.clear_faults()
    assert _post(sandbox, "auth.test").json()["ok"] is True


@pytest.mark.parametrize(
    ("mode", "status"), [("after", 503), ("error", 503), ("plain", 42), ("drop_after", 503)]
)
def test_outage_modes_are_plain_or_drop(control: SandboxClient, mode: str, status: int) -> None:
    with pytest.raises(SandboxActionError) as raised:
        control.outage(True, mode=mode, status=status)
    assert raised.value.error == "invalid_fault"
    assert control.faults()["outage"] is None
