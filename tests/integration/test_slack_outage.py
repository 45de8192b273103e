"""Slack unreachable for a while: what arrives meanwhile is kept, and delivered once, in order,
when Slack is back; what waits longer than the give-up age is reported once."""

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST, MakeHarness
from harness import WEBHOOK_TOKEN, Harness
from test_alert_incidents import two_alerts
from test_slack_faults import marked, quiet, rooms

from bot.sandbox.driver import SlackDriver
from bot.slack.surfaces.alerts import PAGE_EVENT
from bot.slack.surfaces.announcements import DIGEST_EVENT
from bot.slack.surfaces.reminders import REMINDER_EVENT
from bot.slack.surfaces.room import STATUS_EVENT, UPDATE_EVENT
from storage.models import Effect, InboxItem, Reminder

PAGE_BOB = """
routes:
  - name: critical-pages-bob
    match: {severity: critical}
    action: declare
    severity: sev2
    page: [U0BOB]
"""


@contextmanager
def outage(driver: SlackDriver, mode: str = "plain") -> Iterator[None]:
    """Every Web API call fails (a 503 page, or a connection closed unanswered), the work not
    done, until the block ends."""
    driver.outage(True, mode=mode)
    try:
        yield
    finally:
        driver.outage(False)


def pass_minutes(app: Harness, minutes: int) -> None:
    """Let app time pass a minute at a time: the scheduler ticks, the outbox keeps retrying
    (its back-off runs on the app's clock). No settling: nothing can settle while Slack is down."""
    for _ in range(minutes):
        app.clock.advance(minutes=1)
        app.handle.run(app.warroom.reminders.tick())
        time.sleep(0.1)


def by_incident(messages: list[dict[str, Any]]) -> Counter[int]:
    return Counter(m["metadata"]["event_payload"]["incident_id"] for m in messages)


@pytest.mark.parametrize("mode", ["plain", "drop"])
def test_ten_minutes_without_slack_lose_nothing_and_double_nothing(
    make_harness: MakeHarness, tmp_path: Path, mode: str
) -> None:
    config = tmp_path / "warroom.yml"
    config.write_text(PAGE_BOB)
    app = make_harness(
        warroom_config=str(config),
        warroom_webhook_token=WEBHOOK_TOKEN,
        warroom_update_interval_sev3="6m",  # incident 2's update reminder falls in the outage
        warroom_commander_reminder="1h",
        warroom_channels_per_minute=1000,  # failed creations must not eat the pacing budget
    )
    driver = app.driver
    first = app.declare("sev2 Database is slow")
    quiet(app)
    with outage(driver, mode):
        started = len(driver.calls())
        asked = [
            driver.slash("alice", "general", "declare sev3 Checkout is failing"),
            driver.slash("carol", "general", "declare sev2 Search is down"),
            app.webhook("alertmanager", two_alerts()),  # declares, and pages bob
            driver.slash("alice", first.channel_id or "", "update Rolled back the deploy"),
        ]
        assert [r.status_code for r in asked] == [200, 200, 202, 200]
        driver.wait_for(lambda: all(i.done_at for i in app.rows(InboxItem)), description="requests")
        pass_minutes(app, 11)
        assert len(app.incidents()) == 4 and len(app.rows(Reminder)) == 1
        during = driver.calls()[started:]
        assert during and all(c["fault"] == "outage" and not c["work_done"] for c in during)
    quiet(app)
    _assert_delivered_once_in_order(app)


def _assert_delivered_once_in_order(app: Harness) -> None:
    driver = app.driver
    incidents = app.incidents()
    for shown in incidents:
        channel = shown.channel_id or ""
        assert rooms(driver, shown.number) == [channel]
        assert [m["ts"] for m in marked(driver, channel, STATUS_EVENT)] == [shown.status_ts]
        assert [p["ts"] for p in driver.pins(channel)] == [shown.status_ts]
    digests = marked(driver, "incidents", DIGEST_EVENT)
    assert by_incident(digests) == Counter({i.id: 1 for i in incidents})
    first, second, _, alerted = incidents
    (update,) = marked(driver, first.channel_id or "", UPDATE_EVENT)
    assert "Rolled back the deploy" in str(update)
    assert float(update["ts"]) > float(first.status_ts or "inf")
    shown = [len(marked(driver, i.channel_id or "", REMINDER_EVENT)) for i in incidents]
    assert shown == [0, 1, 0, 0]
    (reminder,) = marked(driver, second.channel_id or "", REMINDER_EVENT)
    assert float(reminder["ts"]) > float(second.status_ts or "inf")  # after its status block
    pages = [m for m in driver.dm_messages("bob") if m["metadata"]["event_type"] == PAGE_EVENT]
    assert len(pages) == 1 and alerted.channel_id in str(pages[0]["blocks"])  # channel first
    assert app.failures() == []
    assert {e.state for e in app.rows(Effect)} == {"done"}


def test_a_publish_older_than_the_give_up_age_is_given_up_and_reported_once(
    make_harness: MakeHarness,
) -> None:
    app = make_harness(outbox_policy=replace(FAST, max_age=timedelta(minutes=5)))
    driver = app.driver
    channel = app.declare("sev2 Checkout is failing").channel_id or ""
    quiet(app)
    with outage(driver):
        driver.slash("alice", channel, "severity sev1")
        driver.wait_for(lambda: _publishes(app)[1].attempts > 0, description="a failed try")
        pass_minutes(app, 6)
        driver.wait_for(lambda: _publishes(app)[1].state == "failed", description="given up")
    quiet(app)
    (failure,) = app.failures()
    assert failure.step == "publish" and "gave up after retrying" in failure.error
    reports = [m for m in driver.messages(channel) if ":warning:" in m.get("text", "")]
    assert len(reports) == 1 and "`publish`" in reports[0]["text"]
    # The change itself is kept: the next one shows it.
    driver.slash("alice", channel, "status mitigated")
    driver.wait_for(lambda: "SEV1" in str(app.status_message()["blocks"]))


def _publishes(app: Harness) -> list[Effect]:
    return [e for e in app.rows(Effect) if e.kind == "incident.publish"]
