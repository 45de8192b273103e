"""The monthly report post: when the app's clock crosses the 1st at the report time in the
team's zone, the month's summary is posted in the report channel with its charts (PNG) and its
incidents (CSV) in the thread; exactly once across ticks, a second app on the same database, a
restart and a lost answer; never for an old month on a fresh install."""

import csv
import io
import json
import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from insights.slack_insights_app import SettableClock, answered, insights_app, shared_files
from integration.harness import Harness

from bot.insights.monthly import report_files
from bot.sandbox import SandboxServer
from storage.models import Effect

PARIS = ZoneInfo("Europe/Paris")
ROOM = "inc-1-checkout-is-failing"  # the first incident's channel: the bot is in it
KEY = "insights.monthly_report:2026-02"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


def settings() -> dict[str, Any]:
    return {
        "warroom_timezone": "Europe/Paris",
        "warroom_report_channel": ROOM,
        "warroom_report_time": "09:00",
    }


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def february(app: Harness) -> None:
    """In February: a SEV2 resolved after 30 minutes, and a drill."""
    app.clock.set(paris(2026, 2, 10, 10, 0))  # type: ignore[attr-defined]
    room = app.declare("sev2 Checkout is failing").channel_id or ""
    app.clock.advance(minutes=30)
    answered(app, "alice", "resolve Rolled back", channel=room)
    app.declare("--drill sev1 Game day")


def tick(app: Harness) -> str | None:
    assert app.warroom.insights is not None
    key = app.handle.run(app.warroom.insights.monthly.tick())
    app.settle()
    return key


def reports(app: Harness) -> list[dict[str, Any]]:
    return [
        m
        for m in app.driver.messages(ROOM)
        if (m.get("metadata") or {}).get("event_payload", {}).get("key") == KEY
    ]


def test_the_report_is_posted_once_the_clock_crosses_the_first_at_nine(
    database_url: str, sandbox: SandboxServer
) -> None:
    with insights_app(database_url, sandbox, **settings()) as app:
        february(app)
        app.clock.set(paris(2026, 3, 1, 8, 59, 30))  # type: ignore[attr-defined]
        assert tick(app) is None  # January's report was due a month ago: long past
        assert reports(app) == []
        app.clock.set(paris(2026, 3, 1, 9, 0, 5))  # type: ignore[attr-defined]
        assert tick(app) == KEY
        (post,) = reports(app)
        shown = json.dumps(post["blocks"], ensure_ascii=False)
        assert "Monthly incident report · February 2026" in shown
        assert "*Incidents*\\n1 (new)" in shown
        assert "*Drills and tests*\\n1" in shown
        # Thirty minutes by the app's clock, which runs on while the test waits.
        assert re.search(r"\*MTTR\* (30m 0\ds) / \1 / \1", shown), shown
        assert "trend against January 2026" in shown

        files = {f["filename"]: f for f in shared_files(app)}
        assert sorted(files) == [
            "incidents-2026-02.csv",
            "incidents-per-week-2026-02.png",
            "response-times-2026-02.png",
            "severity-mix-2026-02.png",
        ]
        room = app.driver.channel(ROOM)["id"]
        (thread_reply,) = [
            m
            for m in app.driver.messages(ROOM)
            if m.get("thread_ts") == post["ts"] and m["ts"] != post["ts"]
        ]
        assert all(f["shares"] == {room: [thread_reply["ts"]]} for f in files.values())

        rows = list(
            csv.DictReader(
                io.StringIO(app.driver.file_bytes(files["incidents-2026-02.csv"]["id"]).decode())
            )
        )
        assert [(r["number"], r["title"], r["severity"], r["status"]) for r in rows] == [
            ("1", "Checkout is failing", "sev2", "resolved")
        ]
        assert 1800 <= int(rows[0]["mttr_s"]) < 1830  # 30 minutes (the clock runs on)
        assert rows[0]["impact_start"].startswith("2026-02-10T09:00:")  # 10:00 in Paris

        # The PNGs are the charts of the month's figures, byte for byte.
        assert app.warroom.insights is not None
        report = app.handle.run(app.warroom.insights.service.monthly_report(2026, 2))
        for expected in report_files(report):
            data = app.driver.file_bytes(files[expected.filename]["id"])
            assert data == expected.content
            assert expected.filename.endswith(".csv") or data.startswith(PNG)

        # Later ticks the same day change nothing.
        app.clock.advance(hours=3)
        assert tick(app) == KEY
        assert len(reports(app)) == 1 and len(shared_files(app)) == 4


def test_two_apps_and_a_restart_on_one_database_post_once(
    database_url: str, sandbox: SandboxServer
) -> None:
    clock = SettableClock()
    with insights_app(database_url, sandbox, clock=clock, **settings()) as first:
        february(first)
        clock.set(paris(2026, 3, 1, 9, 1))
        with insights_app(database_url, sandbox, clock=clock, reset=False, **settings()) as second:
            keys = [
                first.handle.run(first.warroom.insights.monthly.tick()),  # type: ignore[union-attr]
                second.handle.run(second.warroom.insights.monthly.tick()),  # type: ignore[union-attr]
            ]
            first.settle()
            second.settle()
            assert keys == [KEY, KEY]
            assert len(reports(first)) == 1
    clock.advance(hours=20)
    with insights_app(database_url, sandbox, clock=clock, reset=False, **settings()) as restarted:
        assert tick(restarted) == KEY
        assert len(reports(restarted)) == 1
        assert len(shared_files(restarted)) == 4
        effects = [e for e in restarted.rows(Effect) if e.kind == "insights.monthly_report"]
        assert [(e.key, e.state) for e in effects] == [(KEY, "done")]


def test_a_lost_answer_posts_the_report_and_its_files_once(
    database_url: str, sandbox: SandboxServer
) -> None:
    with insights_app(database_url, sandbox, **settings()) as app:
        february(app)
        app.driver.inject("chat.postMessage", mode="drop_after")
        app.driver.inject("files.completeUploadExternal", mode="drop_after")
        app.clock.set(paris(2026, 3, 1, 9, 0, 1))  # type: ignore[attr-defined]
        assert tick(app) == KEY
        # Each lost answer is retried after a back-off (1 s, then 2 s for the effect's next
        # try): wait for retries further off than settle's default 2 s.
        app.handle.run(app.warroom.settle(timeout=60.0, horizon=10.0))
        assert len(reports(app)) == 1
        assert len(shared_files(app)) == 4


def test_an_old_month_is_not_posted_and_without_a_channel_nothing_is(
    database_url: str, sandbox: SandboxServer
) -> None:
    with insights_app(database_url, sandbox, **settings()) as app:
        february(app)
        # A fresh install (or a long stop) on 3 March: February's time has passed.
        app.clock.set(paris(2026, 3, 3, 12, 0))  # type: ignore[attr-defined]
        assert tick(app) is None
        assert reports(app) == []
        assert [e for e in app.rows(Effect) if e.kind == "insights.monthly_report"] == []
    quiet = {**settings(), "warroom_report_channel": None}
    with insights_app(database_url, sandbox, **quiet) as app:
        app.clock.set(paris(2026, 3, 1, 9, 0, 1))  # type: ignore[attr-defined]
        assert tick(app) is None
