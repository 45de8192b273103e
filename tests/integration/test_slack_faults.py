"""A flaky Slack loses nothing and doubles nothing: proxy error pages, rate limits, answers
lost after Slack did the work, and refusals that no retry can help."""

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from conftest import MakeHarness
from harness import Harness
from slack_sdk.web.async_client import AsyncWebClient
from sqlmodel import Session, col, select
from test_alert_incidents import DECLARE_CRITICAL, start, two_alerts

from bot.kernel.outbox import Transient
from bot.sandbox.driver import SlackDriver
from bot.slack.calls import SlackCalls
from bot.slack.ids import ActionId
from bot.slack.surfaces.alerts import PAGE_EVENT
from bot.slack.surfaces.announcements import DIGEST_EVENT
from bot.slack.surfaces.room import STATUS_EVENT, UPDATE_EVENT
from storage.models import Effect, InboxItem

# Slack did the work, then the answer was lost: a proxy's 502 page, or a connection closed.
LOST = ["after", "drop_after"]
STEPS = ("conversations.create", "chat.postMessage", "pins.add")


def marked(driver: SlackDriver, channel: str, event_type: str) -> list[dict[str, Any]]:
    """The messages of a channel the bot marked (in their metadata) as `event_type`."""
    return [
        m
        for m in driver.messages(channel)
        if (m.get("metadata") or {}).get("event_type") == event_type
    ]


def rooms(driver: SlackDriver, number: int) -> list[str]:
    """Ids of the channels named for incident `number`."""
    channels = driver.state("channels")["channels"]
    return [c["id"] for c in channels if c["name"].startswith(f"inc-{number}-")]


def lose(driver: SlackDriver, method: str, mode: str) -> None:
    """Slack does the next `method` call's work, and its answer is lost on the way back."""
    driver.inject(method, mode=mode, status=502 if mode == "after" else None)


def hold_then_lose(driver: SlackDriver, gate: str, method: str, mode: str) -> None:
    """Rate-limit `gate` for a second, and while the effect waits to retry, plan a lost
    answer for the next `method` call: the one that follows `gate` in that effect."""
    seen = len(driver.calls(gate))
    driver.inject(gate, "ratelimited", retry_after=1)
    driver.wait_for(lambda: len(driver.calls(gate)) > seen, description=f"{gate} limited")
    lose(driver, method, mode)


def faulted(driver: SlackDriver, method: str, mode: str) -> list[dict[str, Any]]:
    return [c for c in driver.calls(method) if c["fault"] == mode]


def quiet(app: Harness) -> None:
    """Wait until every stored request is carried out and no effect is pending. (`settle`
    alone may return early on PostgreSQL: its claim skips a row the app's own loop is
    locking at that moment.)"""
    app.driver.wait_for(
        lambda: (
            all(i.done_at for i in app.rows(InboxItem))
            and all(e.state != "pending" for e in app.rows(Effect))
        ),
        timeout=20,
        description="every request carried out and every effect ended",
    )
    app.settle()


def effects(harness: Harness, kind: str) -> list[Effect]:
    with Session(harness.engine) as session:
        return list(
            session.exec(select(Effect).where(Effect.kind == kind).order_by(col(Effect.id)))
        )


def test_a_proxy_error_page_during_a_declaration_is_retried_to_one_of_everything(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    driver = harness.driver
    for method in STEPS:
        driver.inject(method, mode="plain")  # an HTML 502 page, the work not done
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    quiet(harness)
    incident = harness.incident()
    channel = incident.channel_id or ""
    assert rooms(driver, 1) == [channel]
    assert [m["ts"] for m in marked(driver, channel, STATUS_EVENT)] == [incident.status_ts]
    assert [p["ts"] for p in driver.pins(channel)] == [incident.status_ts]
    assert len(marked(driver, "incidents", DIGEST_EVENT)) == 1
    for method in STEPS:
        failed = faulted(driver, method, "plain")
        assert [(c["status"], c["work_done"]) for c in failed] == [(502, False)]
        assert [c for c in driver.calls(method) if c["ok"]], f"{method} never succeeded"
    assert harness.failures() == []
    assert "AttributeError" not in caplog.text


@pytest.mark.parametrize(
    ("error", "mode", "status"),
    [("ratelimited", "error", 429), (None, "plain", 429), (None, "plain", 503)],
    ids=["slack-429", "proxy-429", "proxy-503"],
)
def test_retry_after_is_honoured(
    harness: Harness, error: str | None, mode: str, status: int
) -> None:
    driver = harness.driver
    driver.inject("chat.postMessage", error, retry_after=2, status=status, mode=mode)
    incident = harness.declare("sev2 Checkout is failing")
    posts = driver.calls("chat.postMessage")
    assert posts[0]["status"] == status and not posts[0]["work_done"]
    # The fast test policy would try again within 50 ms; Slack asked for two seconds.
    assert posts[1]["at"] - posts[0]["at"] >= 2.0
    assert [m["ts"] for m in marked(driver, incident.channel_id or "", STATUS_EVENT)] == [
        incident.status_ts
    ]
    assert harness.failures() == []


@pytest.mark.parametrize("mode", LOST)
def test_a_channel_made_before_its_answer_was_lost_is_adopted(harness: Harness, mode: str) -> None:
    driver = harness.driver
    lose(driver, "conversations.create", mode)
    incident = harness.declare("sev2 Checkout is failing")
    assert rooms(driver, 1) == [incident.channel_id]  # no orphan channel
    creates = driver.calls("conversations.create")
    assert [(c["work_done"], c["error"]) for c in creates] == [(True, None), (False, "name_taken")]
    assert driver.user("alice")["id"] in driver.channel(incident.channel_id or "")["members"]
    assert harness.failures() == []


@pytest.mark.parametrize("mode", LOST)
def test_a_status_block_posted_before_its_answer_was_lost_is_found_and_pinned_once(
    harness: Harness, mode: str
) -> None:
    driver = harness.driver
    lose(driver, "chat.postMessage", mode)  # the first post is the status block
    incident = harness.declare("sev2 Checkout is failing")
    quiet(harness)
    channel = incident.channel_id or ""
    assert [c["work_done"] for c in faulted(driver, "chat.postMessage", mode)] == [True]
    assert [m["ts"] for m in marked(driver, channel, STATUS_EVENT)] == [incident.status_ts]
    # Found again by its metadata, and edited rather than posted anew.
    assert incident.status_ts in [c["params"].get("ts") for c in driver.calls("chat.update")]
    assert [p["ts"] for p in driver.pins(channel)] == [incident.status_ts]
    assert len([c for c in driver.calls("pins.add") if c["work_done"]]) == 1
    assert harness.failures() == []


@pytest.mark.parametrize("mode", LOST)
def test_a_digest_post_whose_answer_was_lost_is_found_again(harness: Harness, mode: str) -> None:
    driver = harness.driver
    driver.invite("alice", "incidents", "warroom")  # a retry searches the channel's history
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    hold_then_lose(driver, "pins.add", "chat.postMessage", mode)  # the pin precedes the digest
    driver.wait_for(lambda: harness.incident().digest_ts, description="the digest post")
    quiet(harness)
    assert [c["work_done"] for c in faulted(driver, "chat.postMessage", mode)] == [True]
    digests = marked(driver, "incidents", DIGEST_EVENT)
    assert [m["ts"] for m in digests] == [harness.incident().digest_ts]


def test_without_the_bot_in_the_announce_channel_a_lost_digest_answer_may_post_it_twice(
    harness: Harness,
) -> None:
    # De-duplicating a digest post needs the bot in the announce channel: the retry searches
    # its history, and Slack answers `not_in_channel` to a bot that was never invited (as in
    # the sandbox's seed, where #incidents has people only). What the code guarantees then:
    # one extra post at most per lost answer, and the incident keeps (and edits) the newest.
    driver = harness.driver
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    hold_then_lose(driver, "pins.add", "chat.postMessage", "after")
    driver.wait_for(lambda: harness.incident().digest_ts, description="the digest post")
    quiet(harness)
    digests = marked(driver, "incidents", DIGEST_EVENT)
    assert 1 <= len(digests) <= 2
    kept = harness.incident().digest_ts
    assert kept == digests[-1]["ts"]
    driver.slash("alice", harness.incident().channel_id or "", "severity sev1")
    driver.wait_for(lambda: "SEV1" in str(driver.message("incidents", kept or "")["message"]))
    assert len(marked(driver, "incidents", DIGEST_EVENT)) == len(digests)


@pytest.mark.parametrize("mode", LOST)
def test_a_status_update_whose_answer_was_lost_is_posted_once(harness: Harness, mode: str) -> None:
    driver = harness.driver
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    quiet(harness)
    lose(driver, "chat.postMessage", mode)
    driver.slash("alice", channel, "update Rolled back the deploy")
    driver.wait_for(lambda: marked(driver, channel, UPDATE_EVENT), description="the update")
    quiet(harness)
    assert [c["work_done"] for c in faulted(driver, "chat.postMessage", mode)] == [True]
    updates = marked(driver, channel, UPDATE_EVENT)
    assert len(updates) == 1 and "Rolled back the deploy" in str(updates[0])
    assert [e.state for e in effects(harness, "incident.post_update")] == ["done"]


@pytest.mark.parametrize("mode", LOST)
def test_a_page_whose_answer_was_lost_is_one_dm(
    make_harness: MakeHarness, tmp_path: Path, mode: str
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    assert app.webhook("alertmanager", two_alerts()).status_code == 202
    # The page opens the DM first: held there, its post is the next chat.postMessage.
    hold_then_lose(app.driver, "conversations.open", "chat.postMessage", mode)
    app.driver.wait_for(lambda: app.pages()[0].sent_at, description="the page sent")
    quiet(app)
    assert [c["work_done"] for c in faulted(app.driver, "chat.postMessage", mode)] == [True]
    pages = [m for m in app.driver.dm_messages("bob") if ActionId.ACKNOWLEDGE_PAGE in str(m)]
    assert len(pages) == 1
    assert [m["metadata"]["event_type"] for m in pages] == [PAGE_EVENT]
    assert app.pages()[0].messages == [[app.driver.dm_channel("bob"), pages[0]["ts"]]]


@pytest.mark.parametrize("mode", LOST)
def test_an_offer_whose_answer_was_lost_is_posted_once(
    make_harness: MakeHarness, tmp_path: Path, mode: str
) -> None:
    app = start(make_harness, tmp_path)  # the default routing offers a Declare button
    app.driver.invite("alice", "alerts", "warroom")  # as the README asks
    lose(app.driver, "chat.postMessage", mode)
    assert app.webhook("alertmanager", two_alerts()).status_code == 202
    app.driver.wait_for(lambda: app.groups() and app.groups()[0].offer_ts, description="offer")
    quiet(app)
    assert [c["work_done"] for c in faulted(app.driver, "chat.postMessage", mode)] == [True]
    offers = [m for m in app.driver.messages("alerts") if ActionId.DECLARE_FROM_ALERT in str(m)]
    assert [m["ts"] for m in offers] == [app.groups()[0].offer_ts]


def test_a_refused_update_post_is_tried_once(harness: Harness) -> None:
    driver = harness.driver
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    quiet(harness)
    before = len(driver.calls("chat.postMessage"))
    driver.inject("chat.postMessage", "channel_not_found")  # Slack says no: no retry helps
    driver.slash("alice", channel, "update Rolled back the deploy")
    driver.wait_for(lambda: effects(harness, "incident.post_update"), description="the effect")
    quiet(harness)
    harness.clock.advance(minutes=5)  # anything pending would be due by now
    harness.tick()
    posts = driver.calls("chat.postMessage")[before:]
    # Tried once, then reported once in the channel (the report is the second post).
    assert [c["error"] for c in posts] == ["channel_not_found", None]
    assert [(e.state, e.attempts) for e in effects(harness, "incident.post_update")] == [
        ("failed", 1)
    ]
    reports = [m for m in driver.messages(channel) if "post_update" in m.get("text", "")]
    assert len(reports) == 1 and "channel_not_found" in reports[0]["text"]
    assert [f.step for f in harness.failures()] == ["post_update"]


async def test_a_5xx_whose_body_says_json_but_is_not_is_transient() -> None:
    # The sandbox's error pages are labelled text/html; some proxies label theirs JSON. The
    # SDK then fails to parse the body and hands over aiohttp's own response (no `status_code`).
    async def bad_gateway(_request: web.Request) -> web.Response:
        body = b"<html>502 Bad Gateway</html>"
        return web.Response(status=502, body=body, content_type="application/json")

    api = web.Application()
    api.router.add_post("/api/{method}", bad_gateway)
    runner = web.AppRunner(api)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        client = AsyncWebClient(token="xoxb-x", base_url=f"http://127.0.0.1:{port}/api/")
        calls = SlackCalls(client)
        with pytest.raises(Transient, match="http_502"):
            await calls.call(lambda: client.chat_postMessage(channel="C1", text="hello"))
    finally:
        await runner.cleanup()
