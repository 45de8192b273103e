"""`/incident stats`: the headline numbers with their trend and a chart, posted through the
outbox in the channel where it was asked; drills left out; a bad period refused in one line;
a post whose answer was lost is not repeated."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from insights.slack_insights_app import answered, insights_app, shared_files
from integration.harness import Harness

from bot.insights.posting import stats_chart
from bot.sandbox import SandboxServer
from bot.slack.surfaces.insights import NO_FILES
from storage.models import Effect

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def app(database_url: str, sandbox: SandboxServer) -> Iterator[Harness]:
    """The app on a fresh database."""
    with insights_app(database_url, sandbox) as harness:
        yield harness


def stats_posts(app: Harness, channel: str = "general") -> list[dict[str, Any]]:
    return [
        m
        for m in app.driver.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == "warroom_insights"
    ]


def texts(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], ensure_ascii=False)


def two_incidents_one_a_drill(app: Harness) -> str:
    """A SEV2 resolved after 10 minutes and a SEV1 drill; the drill's channel (the bot is in
    it, so files can be shared there)."""
    real = app.declare("sev2 Checkout is failing")
    app.clock.advance(minutes=10)
    answered(app, "alice", "resolve Rolled back", channel=real.channel_id or "")
    assert app.incident(1).resolved_at is not None
    return app.declare("--drill sev1 Game day").channel_id or ""


def test_stats_posts_the_figures_and_a_chart_where_asked(app: Harness) -> None:
    channel = two_incidents_one_a_drill(app)
    assert app.driver.slash("alice", channel, "stats 7d").status_code == 200
    app.settle()
    (post,) = stats_posts(app, channel)
    shown = texts(post)
    assert "Incident stats · last 7 days" in shown
    assert "*Incidents*\\n1 (new)" in shown
    assert "*By severity*\\nSEV2 1" in shown
    assert "*Drills and tests*\\n1 (left out of every figure)" in shown
    # Resolved ten minutes in by the app's clock, which runs on while the test waits.
    assert re.search(r"\*MTTR\* (10m 0\ds) / \1 / \1 \(new\) · n=1", shown), shown
    assert "median / mean / p90" in shown
    # The chart, in the post's thread, is the one the figures draw.
    (chart,) = shared_files(app)
    assert chart["filename"].startswith("severity-mix-7d-") and chart["filename"].endswith(".png")
    assert chart["shares"] == {channel: [reply_ts(app, channel, post)]}
    data = app.driver.file_bytes(chart["id"])
    assert data.startswith(PNG)
    service = app.warroom.insights.service  # type: ignore[union-attr]
    trend = app.handle.run(service.trend(service.period("7d")))
    assert data == stats_chart(trend.current).content


def reply_ts(app: Harness, channel: str, post: dict[str, Any]) -> str:
    replies = [
        m
        for m in app.driver.messages(channel)
        if m.get("thread_ts") == post["ts"] and m["ts"] != post["ts"]
    ]
    assert len(replies) == 1, replies
    return str(replies[0]["ts"])


def test_stats_defaults_to_30_days_and_counts_the_trend(app: Harness) -> None:
    channel = app.declare("sev3 Search is slow").channel_id or ""
    assert app.driver.slash("alice", channel, "stats").status_code == 200
    app.settle()
    (post,) = stats_posts(app, channel)
    assert "Incident stats · last 30 days" in texts(post)
    assert "trend against the 30 days before" in texts(post)
    (chart,) = shared_files(app)
    assert chart["filename"].startswith("incidents-per-week-30d-")


@pytest.mark.parametrize("period", ["12d", "month", "30d please"])
def test_an_unknown_period_gets_one_line_saying_what_is_accepted(app: Harness, period: str) -> None:
    response = app.driver.slash("alice", "general", f"stats {period}")
    assert response.status_code == 200
    assert "use `/incident stats [7d|30d|90d|quarter|year]`" in response.text
    assert "\n" not in response.json()["text"]
    app.settle()
    assert stats_posts(app) == []
    assert [e for e in app.rows(Effect) if e.kind == "insights.stats"] == []


def test_a_lost_answer_does_not_post_twice(app: Harness) -> None:
    channel = app.declare("sev2 Checkout is failing").channel_id or ""
    app.driver.inject("chat.postMessage", mode="drop_after")  # posted, the answer lost
    app.driver.inject("files.completeUploadExternal", mode="drop_after")
    assert app.driver.slash("alice", channel, "stats 90d").status_code == 200
    # The second lost answer's retry is 2 s off (more on a busy machine): wait for it.
    app.handle.run(app.warroom.settle(timeout=60.0, horizon=10.0))
    # The background loop may still be finishing the retry it claimed when settle returned.
    app.driver.wait_for(lambda: len(shared_files(app)) >= 1, description="the chart shared")
    app.settle()
    assert len(stats_posts(app, channel)) == 1
    assert len(shared_files(app)) == 1
    (effect,) = [e for e in app.rows(Effect) if e.kind == "insights.stats"]
    assert (effect.state, effect.attempts) == ("done", 3)


def test_without_the_bot_in_the_channel_the_figures_come_with_a_word_on_the_chart(
    app: Harness,
) -> None:
    assert app.driver.slash("alice", "general", "stats").status_code == 200
    app.settle()
    (post,) = stats_posts(app)
    replies = [
        m
        for m in app.driver.messages("general")
        if m.get("thread_ts") == post["ts"] and m["ts"] != post["ts"]
    ]
    assert [m["text"] for m in replies] == [NO_FILES.format(error="not_in_channel")]
    assert shared_files(app) == []


def test_stats_where_the_bot_cannot_post_tells_the_asker(app: Harness) -> None:
    app.driver.inject("chat.postMessage", "not_in_channel")
    assert app.driver.slash("alice", "general", "stats 7d").status_code == 200
    app.settle()
    assert stats_posts(app) == []
    told = app.wait_for_ephemeral("could not post the stats here")
    assert "`not_in_channel`" in told and "/invite @warroom" in told
