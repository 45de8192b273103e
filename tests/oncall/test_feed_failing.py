"""A failing iCal feed is shown wherever who is on call is: under its schedule in `/oncall` and
`/oncall <schedule>`, in `warroom oncall who` (a line, and `"feeds"` in JSON) and as a warning
of `warroom doctor`. The feed is served by a real local calendar server that starts failing."""

import asyncio
import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ical_server import FeedServer
from processes import WARROOM, free_port, warroom_env
from slack_oncall_app import WARROOM_YML, OncallApp, app_starter, message_text, on_record
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.oncall.config import load_schedules
from bot.oncall.feeds import FeedService
from bot.oncall.service import OncallService
from bot.ops.doctor import Outcome
from bot.ops.doctor_feeds import check_feeds
from bot.sandbox import SandboxServer
from bot.settings import Settings
from bot.slack.blocks.parts import date_token
from bot.web.ical_fetch import HttpFeedFetcher

FEED = (Path(__file__).parents[1] / "fixtures" / "ical" / "vendor_google.ics").read_bytes()
VENDOR = """\
  - name: vendor
    timezone: America/New_York
    layers:
      - {{name: imported, ical: "{url}"}}
"""
FETCHED = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)  # the last good copy
FAILED = FETCHED + timedelta(minutes=10)  # the first failure
BROKEN = "the feed answered HTTP 500"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer(FEED) as running:
        yield running


def schedules_yml(url: str) -> str:
    """The Slack tests' schedules, and the issue's vendor schedule reading `url`."""
    return WARROOM_YML + VENDOR.format(url=url)


async def fail_after_a_good_copy(
    feeds: FeedService, server: FeedServer, clock: list[datetime]
) -> None:
    """One good fetch at FETCHED, then the server breaks: failures at FAILED and 10 min on."""
    clock[0] = FETCHED
    assert await feeds.refresh_due() == 1
    server.plan.status, server.plan.body, server.plan.etag = 500, b"upstream error", None
    for at in (FAILED, FAILED + timedelta(minutes=10)):
        clock[0] = at
        assert await feeds.refresh_due() == 1


def services(engine: Engine, yml: Path, clock: list[datetime]) -> tuple[FeedService, OncallService]:
    schedules = load_schedules(str(yml))
    feeds = FeedService(engine, schedules, HttpFeedFetcher(timeout=2.0), clock=lambda: clock[0])
    return feeds, OncallService(engine, schedules, clock=lambda: clock[0], feeds=feeds)


async def test_the_service_names_the_failing_feeds_and_forgets_them_once_well(
    engine: Engine, server: FeedServer, tmp_path: Path
) -> None:
    (tmp_path / "warroom.yml").write_text(schedules_yml(server.url))
    clock = [FETCHED]
    feeds, oncall = services(engine, tmp_path / "warroom.yml", clock)
    assert await oncall.failing_feeds() == []  # never fetched yet: not failing
    await fail_after_a_good_copy(feeds, server, clock)
    (failing,) = await oncall.failing_feeds()
    assert (failing.schedule, failing.layer, failing.error) == ("vendor", "imported", BROKEN)
    assert (failing.failing_since, failing.fetched_at) == (FAILED, FETCHED)
    assert await oncall.failing_feeds("vendor") == [failing]
    assert await oncall.failing_feeds("sre") == []
    server.plan.status, server.plan.body = 200, FEED
    clock[0] += timedelta(minutes=10)
    await feeds.refresh_due()
    assert await oncall.failing_feeds() == []


# -- Slack ----------------------------------------------------------------------------------


@pytest.fixture
def app(
    database_url: str, oncall_sandbox: SandboxServer, tmp_path: Path, server: FeedServer
) -> Iterator[OncallApp]:
    """The app reading the vendor feed, which worked at FETCHED and fails since FAILED."""
    with app_starter(database_url, oncall_sandbox, tmp_path, schedules_yml(server.url)) as start:
        app = start(FETCHED)
        on_record(app)
        app.handle.run(app.warroom.feeds.refresh_due())
        server.plan.status, server.plan.body, server.plan.etag = 500, b"upstream error", None
        app.clock.advance(minutes=10)
        app.handle.run(app.warroom.feeds.refresh_due())
        yield app


def test_slack_shows_the_failing_feed_under_its_schedule(app: OncallApp) -> None:
    (failing,) = app.handle.run(app.warroom.oncall.failing_feeds())
    assert failing.failing_since is not None and failing.fetched_at is not None
    # The app's clock runs on from FETCHED: the instants are a moment past the minute.
    warning = (
        ":warning: layer vendor/imported: its calendar feed has failed since "
        f"{date_token(failing.failing_since)} ({BROKEN}); showing the last good copy from "
        f"{date_token(failing.fetched_at)}"
    )
    assert "|2026-03-10 09:10 UTC>" in warning and "|2026-03-10 09:00 UTC>" in warning
    response = app.driver.slash("alice", "general", "", command="/oncall")
    blocks = response.json()["blocks"]
    vendor = next(i for i, b in enumerate(blocks) if "*vendor*" in str(b.get("text")))
    assert blocks[vendor + 1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": warning}],
    }
    assert message_text(response.json()).count(":warning: layer") == 1  # not under sre
    two_weeks = app.driver.slash("alice", "general", "vendor", command="/oncall").json()
    assert warning in message_text(two_weeks)
    assert "calendar feed" not in message_text(
        app.driver.slash("alice", "general", "sre", command="/oncall").json()
    )


# -- the command line -----------------------------------------------------------------------


@pytest.fixture
def failing_feed(
    nowhere: Path,
    database_url: str,
    engine: Engine,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """warroom.yml with the vendor feed, whose failure `warroom run` recorded."""
    config = nowhere / "warroom.yml"
    config.write_text(schedules_yml(server.url), encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(config))
    clock = [FETCHED]
    feeds, _ = services(engine, config, clock)
    asyncio.run(fail_after_a_good_copy(feeds, server, clock))
    return config


def test_oncall_who_prints_a_line_per_failing_feed(
    failing_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oncall", "who"]) == 0
    lines = capsys.readouterr().out.splitlines()
    vendor = next(i for i, line in enumerate(lines) if line.startswith("vendor: "))
    assert lines[vendor + 1].startswith("  imported: ")
    assert lines[vendor + 2] == (
        "  ! layer imported: its calendar feed has failed since 2026-03-10 05:10 -04:00 "
        f"({BROKEN}); showing the last good copy from 2026-03-10 05:00 -04:00"
    )
    assert sum("calendar feed" in line for line in lines) == 1
    assert main(["oncall", "who", "sre"]) == 0
    assert "calendar feed" not in capsys.readouterr().out


def test_oncall_who_json_lists_the_failing_feeds(
    failing_feed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oncall", "who", "--json"]) == 0
    found = {entry["schedule"]: entry for entry in json.loads(capsys.readouterr().out)}
    assert found["vendor"]["feeds"] == [
        {
            "layer": "imported",
            "error": BROKEN,
            "failing_since": "2026-03-10T05:10:00-04:00",
            "last_good_copy": "2026-03-10T05:00:00-04:00",
        }
    ]
    assert found["sre"]["feeds"] == []


def test_doctor_warns_of_each_failing_feed(failing_feed: Path, database_url: str) -> None:
    settings = Settings(
        slack_bot_token="xoxb-1",
        slack_signing_secret="s",
        database_url=database_url,
        warroom_config=str(failing_feed),
    )
    (found,) = check_feeds(settings)
    assert (found.check, found.outcome) == ("calendar feed", Outcome.WARN)
    assert found.detail == (
        f"vendor/imported: failing since 2026-03-10 09:10 UTC ({BROKEN}); its last good copy, "
        "from 2026-03-10 09:00 UTC, is in use"
    )


def test_doctor_as_run_shows_the_warning(failing_feed: Path, database_url: str) -> None:
    result = subprocess.run(
        [*WARROOM, "doctor"],
        cwd=failing_feed.parent,
        env=warroom_env(
            SLACK_BOT_TOKEN="xoxb-1",
            SLACK_SIGNING_SECRET="0123456789abcdef0123456789abcdef",
            SLACK_API_URL=f"http://127.0.0.1:{free_port()}/api/",  # Slack is not the point here
            DATABASE_URL=database_url,
            WARROOM_CONFIG=str(failing_feed),
            PYTHONIOENCODING="utf-8",
        ),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    (line,) = [line for line in result.stdout.splitlines() if "calendar feed" in line]
    assert line.startswith("!") and "vendor/imported: failing since 2026-03-10 09:10 UTC" in line


def test_doctor_says_nothing_is_failing_when_the_feed_is_well(
    nowhere: Path, database_url: str, engine: Engine, server: FeedServer
) -> None:
    config = nowhere / "warroom.yml"
    config.write_text(schedules_yml(server.url), encoding="utf-8")
    settings = Settings(
        slack_bot_token="xoxb-1",
        slack_signing_secret="s",
        database_url=database_url,
        warroom_config=str(config),
    )
    (waiting,) = check_feeds(settings)
    assert (waiting.outcome, waiting.detail) == (
        Outcome.PASS,
        "1 iCal feed, none failing; 1 not fetched yet (`warroom run` fetches them)",
    )
    feeds, _ = services(engine, config, [FETCHED])
    asyncio.run(feeds.refresh_due())
    (well,) = check_feeds(settings)
    assert (well.outcome, well.detail) == (Outcome.PASS, "1 iCal feed, none failing")
