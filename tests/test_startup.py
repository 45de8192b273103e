"""`warroom run` meeting Slack at start: a refused token stops it with one line, an unreachable
Slack does not (requests are acknowledged and stored meanwhile), and Socket Mode connects in the
background while HTTP serves. Real processes against the sandbox."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from processes import WARROOM, free_port, own_session, running_warroom, warroom_env
from sqlmodel import select

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import DEFAULT_TOKEN
from bot.sandbox.socket_driver import SocketModeDriver
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN
from storage.models import InboxItem, Incident

SECRET = "0123456789abcdef0123456789abcdef"
WEBHOOK_TOKEN = "startup-webhook-token-0123456789"


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def _settings(api_url: str, tmp_path: Path, **more: str) -> dict[str, str]:
    return {
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'warroom.db'}",
        "WARROOM_LOG_LEVEL": "WARNING",
        **more,
    }


def _run_until_exit(cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env.setdefault("WARROOM_PORT", str(free_port()))
    return subprocess.run(
        [*WARROOM, "run"],
        cwd=cwd,
        env=warroom_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def _closed_port_url() -> str:
    return f"http://127.0.0.1:{free_port()}/api/"


@pytest.mark.parametrize("code", ["invalid_auth", "account_inactive", "token_revoked"])
def test_a_refused_bot_token_stops_run_with_one_line(
    sandbox: SandboxServer, tmp_path: Path, code: str
) -> None:
    env = _settings(sandbox.api_url, tmp_path)
    if code == "invalid_auth":
        env["SLACK_BOT_TOKEN"] = "xoxb-not-the-workspaces-token"
    else:
        sandbox.world.inject("auth.test", code)
    line = _one_line(_run_until_exit(tmp_path, env))
    assert line.startswith(f"warroom: SLACK_BOT_TOKEN was refused by Slack ({code}): ")
    assert "OAuth Token" in line
    assert [c.method for c in sandbox.world.calls] == ["auth.test"]  # once, then nothing


@pytest.mark.parametrize("down", ["outage", "closed port"])
def test_slash_commands_are_acknowledged_and_stored_while_slack_is_down(
    sandbox: SandboxServer, tmp_path: Path, down: str
) -> None:
    api_url = sandbox.api_url if down == "outage" else _closed_port_url()
    with SlackDriver("http://unused", SECRET, sandbox.url) as control:
        control.outage(down == "outage")
    env = _settings(api_url, tmp_path)
    with running_warroom(tmp_path, **env) as app:
        with SlackDriver(app.events_url, SECRET, sandbox.url) as driver:
            answer = driver.slash("alice", "general", "declare sev2 Slack is down too")
        assert answer.status_code == 200
        with own_session(env["DATABASE_URL"]) as session:
            stored = session.exec(select(InboxItem)).all()
        assert [item.payload.get("text") for item in stored] == ["declare sev2 Slack is down too"]
        output = app.output()
    assert output.count("Slack cannot be reached at") == 1, output
    assert "Traceback" not in output


@pytest.mark.slow
def test_once_slack_is_back_the_token_is_checked_and_stored_work_is_done(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = _settings(sandbox.api_url, tmp_path)
    with SlackDriver("http://unused", SECRET, sandbox.url) as control:
        control.outage(True)
        with running_warroom(tmp_path, **env) as app:
            with SlackDriver(app.events_url, SECRET, sandbox.url) as driver:
                assert driver.slash("alice", "general", "declare sev2 Back").status_code == 200
                control.outage(False)
                driver.wait_for(
                    lambda: "Slack reached again" in app.output(), 30, description="recheck"
                )
                driver.wait_for(lambda: driver.channel_by_name("inc-1-back"), 30)
            output = app.output()
    assert "the bot is @warroom (U0BOT)" in output
    assert "Traceback" not in output
    with own_session(env["DATABASE_URL"]) as session:
        assert [i.title for i in session.exec(select(Incident)).all()] == ["Back"]


def test_a_refused_app_token_stops_run_with_one_line(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = _settings(sandbox.api_url, tmp_path, SLACK_APP_TOKEN="xapp-not-the-apps-token")
    line = _one_line(_run_until_exit(tmp_path, env))
    assert line.startswith("warroom: SLACK_APP_TOKEN was refused by Slack (invalid_auth): ")
    assert "connections:write" in line


@pytest.mark.slow
def test_socket_mode_serves_http_at_once_and_connects_once_slack_is_back(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = _settings(
        sandbox.api_url,
        tmp_path,
        SLACK_APP_TOKEN=DEFAULT_APP_TOKEN,
        WARROOM_WEBHOOK_TOKEN=WEBHOOK_TOKEN,
    )
    with SocketModeDriver(sandbox.url) as slack:
        slack.outage(True)
        with running_warroom(tmp_path, **env) as app:  # returns once /healthz answers
            alert = httpx.post(
                f"{app.url}/webhooks/generic",
                json={"title": "Checkout is slow", "dedup_key": "checkout-slow"},
                headers={"Authorization": f"Bearer {WEBHOOK_TOKEN}"},
            )
            assert alert.status_code < 300, alert.text
            slack.wait_for(
                lambda: "Socket Mode cannot connect yet" in app.output(), 10, description="warn"
            )
            assert slack.connections() == []
            slack.outage(False)
            slack.wait_for_connection(timeout=30)
            answer = slack.slash("alice", "general", "declare sev3 Over the socket at last")
            assert isinstance(answer, dict)
            output = app.output()
    assert output.count("Socket Mode cannot connect yet") == 1, output
    assert "connected to Slack over Socket Mode" in output
    assert "Traceback" not in output
