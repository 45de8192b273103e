"""`warroom run` with an app-level token: a real process that Slack reaches over Socket Mode."""

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from bot.sandbox import SandboxServer
from bot.sandbox.socket_driver import SocketModeDriver
from bot.sandbox.socket_mode import DEFAULT_APP_TOKEN

WARROOM = [sys.executable, "-m", "bot"]
ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())


def _env(**values: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
    keep.pop("DATABASE_URL", None)
    keep["PYTHONPATH"] = str(ROOT)
    return {**keep, **values}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"warroom run did not come up:\n{log.read_text()}"
        time.sleep(0.1)


def _pinned_rows(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute(
            "SELECT kind, text FROM timelineevent WHERE kind = 'pinned'"
        ).fetchall()
    return [(str(kind), str(text)) for kind, text in rows]


@pytest.fixture
def socket_app(tmp_path: Path) -> Iterator[SocketModeDriver]:
    """`warroom run` in Socket Mode as its own process, connected to an in-process sandbox."""
    with SandboxServer() as sandbox, SocketModeDriver(sandbox.url) as driver:
        driver.configure(subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"])
        port, log = _free_port(), tmp_path / "warroom.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [*WARROOM, "run"],
                cwd=tmp_path,
                env=_env(
                    SLACK_BOT_TOKEN="xoxb-sandbox-token",
                    SLACK_SIGNING_SECRET="process-secret",
                    SLACK_APP_TOKEN=DEFAULT_APP_TOKEN,
                    SLACK_API_URL=sandbox.api_url,
                    WARROOM_PORT=str(port),
                    WARROOM_LOG_LEVEL="WARNING",
                ),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            _wait_healthy(f"http://127.0.0.1:{port}", process, log)
            driver.wait_for_connection(timeout=20)
            yield driver
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_run_declares_over_socket_mode_and_hears_pins(
    socket_app: SocketModeDriver, tmp_path: Path
) -> None:
    slack = socket_app
    assert slack.calls("apps.connections.open")[-1]["ok"] is True

    answer = slack.slash("alice", "general", "declare sev2 Over the socket")
    assert isinstance(answer, dict)
    assert slack.envelopes("slash_commands")[-1]["acked"] is True

    channel = slack.wait_for(
        lambda: slack.channel_by_name("inc-1-over-the-socket"), timeout=10, description="channel"
    )
    status = slack.wait_for(lambda: slack.pins(channel["id"]), timeout=10, description="pin")[0]
    assert status["user"] == "U0BOT"

    if "U0ALICE" not in slack.channel(channel["id"])["members"]:
        slack.join("alice", channel["id"])
    ts = slack.post_message("alice", channel["id"], "Rolled back checkout to 4.2.1")
    slack.pin("alice", channel["id"], ts)

    rows = slack.wait_for(
        lambda: _pinned_rows(tmp_path / "warroom.db"), timeout=10, description="pinned row"
    )
    assert rows == [("pinned", "Rolled back checkout to 4.2.1")]
    pins = [
        e for e in slack.envelopes("events_api") if e["payload"]["event"]["type"] == "pin_added"
    ]
    assert pins and all(e["acked"] for e in pins)
    assert slack.deliveries() == []  # nothing went over HTTP
