"""`warroom run` as an operator runs it, with WARROOM_LOG_FORMAT=json: every line it writes is
one JSON object, a Slack request's id is on its response and its log line, request bodies never
reach the log, and an idle process ticking every second says nothing at INFO."""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from processes import WarroomProcess, running_warroom
from prometheus_client.parser import text_string_to_metric_families

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver

SECRET = "log-format-signing-secret"
TOKEN = "log-format-webhook-token-0123"
MARKER = "Zq7-body-marker"  # in request bodies only: it must never reach the log


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[WarroomProcess, SandboxServer]]:
    with (
        SandboxServer() as sandbox,
        running_warroom(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-sandbox-token",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=sandbox.api_url.rstrip("/"),
            WARROOM_WEBHOOK_TOKEN=TOKEN,
            WARROOM_LOG_FORMAT="json",
            WARROOM_TICK_INTERVAL="1s",
        ) as running,
    ):
        yield running, sandbox


def records(process: WarroomProcess) -> list[dict[str, Any]]:
    """Every line written so far, each parsed as JSON (a line that is not fails the test)."""
    found = []
    for line in process.output().splitlines():
        try:
            found.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    return found


def reminder_runs(process: WarroomProcess) -> float:
    """How many times the reminders job ran, as `/metrics` says."""
    text = httpx.get(f"{process.url}/metrics").text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "warroom_job_duration_seconds_count" and sample.labels == {
                "job": "reminders"
            }:
                return sample.value
    return 0.0


@pytest.mark.slow
def test_json_lines_request_ids_no_bodies_and_quiet_ticks(
    app: tuple[WarroomProcess, SandboxServer],
) -> None:
    process, sandbox = app
    with SlackDriver(process.events_url, SECRET, sandbox.url) as driver:
        answer = driver.slash(
            "alice", "general", f"declare sev2 {MARKER}", headers={"X-Request-Id": "slash-42"}
        )
        assert answer.status_code == 200
        assert answer.headers["x-request-id"] == "slash-42"
        channel = driver.wait_for(
            lambda: driver.channel_by_name(f"inc-1-{MARKER.lower()}"), timeout=10
        )
        assert channel is not None
        driver.wait_for(lambda: driver.pins(channel["id"]), timeout=10)  # the room is done
    forged = httpx.post(
        process.events_url,
        content=f"payload={MARKER}".encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert forged.status_code == 401
    bad = httpx.post(
        f"{process.url}/webhooks/alertmanager",
        content=f'{{"alerts": "{MARKER}"}}'.encode(),
        headers={"authorization": f"Bearer {TOKEN}", "content-type": "application/json"},
    )
    assert bad.status_code == 400

    def served(request_id: str) -> list[dict[str, Any]]:
        return [r for r in records(process) if r.get("request_id") == request_id]

    # Each access line is written once its answer is sent: wait for all three.
    ids = ["slash-42", forged.headers["x-request-id"], bad.headers["x-request-id"]]
    driver.wait_for(
        lambda: all(any(r["logger"] == "warroom.http" for r in served(i)) for i in ids),
        timeout=10,
    )
    (line,) = served("slash-42")
    assert line["logger"] == "warroom.http" and line["level"] == "INFO"
    assert (line["route"], line["status"]) == ("/slack/events", 200)
    refusal = served(forged.headers["x-request-id"])
    assert [r["logger"] for r in refusal] == ["warroom.slack.guard", "warroom.http"]

    # An idle process: the jobs tick every second, and nothing is said at INFO or above.
    before, ran = len(records(process)), reminder_runs(process)
    driver.wait_for(lambda: reminder_runs(process) >= ran + 3, timeout=20)
    idle = records(process)[before:]
    assert idle == [], idle

    process.stop()
    everything = records(process)  # the shutdown's lines too
    assert MARKER not in process.output() and MARKER.lower() not in process.output()
    assert all({"time", "level", "logger", "message"} <= set(r) for r in everything)
