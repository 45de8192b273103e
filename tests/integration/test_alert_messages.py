"""Monitoring posts in watched Slack channels: an offer in the post's thread, or an incident."""

import json
from pathlib import Path
from typing import Any

from conftest import MakeHarness
from harness import Harness
from sqlmodel import Session, col, select
from test_alert_incidents import declare_from_offer, start

from bot.slack.ids import ActionId
from storage.enums import AlertSource, AlertState, Status
from storage.models import InboxItem

SLACK_POSTS = Path(__file__).resolve().parents[1] / "fixtures" / "alerts" / "slack"
DECLARE_SLACK_ALERTS = """
routes:
  - name: slack-alerts-declare
    match: {source: slack}
    action: declare
    severity: sev2
"""


def watching(make_harness: MakeHarness, tmp_path: Path, routing: str | None = None) -> Harness:
    """The app watching #alerts, with the bot invited there as the README asks."""
    app = start(make_harness, tmp_path, routing)
    app.driver.invite("alice", "alerts", "warroom")
    return app


def post(app: Harness, fixture: str, channel: str = "alerts") -> str:
    """An integration posts a recorded real alert message; its ts."""
    recorded = json.loads((SLACK_POSTS / f"{fixture}.json").read_text())
    return app.driver.post_integration_message(
        channel,
        text=recorded.get("text", ""),
        attachments=recorded.get("attachments"),
        blocks=recorded.get("blocks"),
        username=recorded.get("username", "Alertmanager"),
    )


def offers_in_thread(app: Harness, ts: str) -> list[dict[str, Any]]:
    return [
        m
        for m in app.driver.messages("alerts")
        if m.get("thread_ts") == ts and m["ts"] != ts and ActionId.DECLARE_FROM_ALERT in str(m)
    ]


def claims(app: Harness) -> int:
    with Session(app.engine) as session:
        rows = session.exec(select(InboxItem).where(col(InboxItem.key).startswith("event:")))
        return len(rows.all())


def test_an_alert_post_gets_a_declare_button_in_its_thread_and_a_prefilled_form(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = watching(make_harness, tmp_path)
    ts = post(app, "alertmanager_firing")
    offer = app.driver.wait_for(lambda: offers_in_thread(app, ts), description="the offer")[0]
    (alert,) = app.alerts()
    assert (alert.source, alert.state) == (AlertSource.SLACK, AlertState.FIRING)
    assert "HighLatency" in alert.title and app.incidents() == []

    declare_from_offer(app, offer["ts"], prefilled="HighLatency")
    app.driver.wait_for(
        lambda: "Declared" in str(offers_in_thread(app, ts)), description="the offer says so"
    )


def test_the_resolved_post_resolves_the_same_alert_and_edits_the_offer(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = watching(make_harness, tmp_path)
    ts = post(app, "alertmanager_firing")
    app.driver.wait_for(lambda: offers_in_thread(app, ts), description="the offer")
    post(app, "alertmanager_resolved")
    app.driver.wait_for(
        lambda: [a.state for a in app.alerts()] == [AlertState.RESOLVED],
        description="the same alert, resolved",
    )
    app.driver.wait_for(lambda: "resolved" in str(offers_in_thread(app, ts)).lower())
    app.settle()
    assert len(offers_in_thread(app, ts)) == 1  # edited in place, not posted again
    assert len(app.groups()) == 1


def test_a_route_that_declares_opens_the_incident_from_the_post(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = watching(make_harness, tmp_path, DECLARE_SLACK_ALERTS)
    post(app, "alertmanager_firing")
    incident = app.driver.wait_for(
        lambda: app.incidents() and app.incident().status_pinned and app.incident(),
        description="an incident declared by the route",
    )
    assert incident.status == Status.TRIAGE
    assert "HighLatency" in incident.title
    assert app.groups()[0].incident_id == incident.id


def test_chatter_and_unwatched_channels_make_no_alert_and_no_claim(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = watching(make_harness, tmp_path)
    app.driver.create_channel("alice", "random")
    app.driver.invite("alice", "random", "warroom")
    app.driver.wait_for_deliveries()
    before = claims(app)
    ts = app.driver.post_message("alice", "alerts", "[FIRING:1] anyone else seeing this?")
    app.driver.react("bob", "alerts", ts, "eyes")
    post(app, "alertmanager_firing", channel="random")
    app.driver.wait_for_deliveries()
    app.settle()
    assert app.alerts() == []
    # People's messages and reactions other than :pushpin: are never written down; an
    # integration's post in an unwatched channel is (it looks like an alert until the channel
    # is checked), so the claims grew by exactly that one.
    assert claims(app) == before + 1


def test_a_redelivered_alert_post_counts_once(make_harness: MakeHarness, tmp_path: Path) -> None:
    app = watching(make_harness, tmp_path)
    ts = post(app, "alertmanager_firing")
    app.driver.wait_for(lambda: offers_in_thread(app, ts), description="the offer")
    (event,) = [e for e in app.driver.events("message") if e["envelope"]["event"].get("ts") == ts]
    assert app.driver.redeliver(event["event_id"], retry_num=1).status_code == 200
    app.driver.wait_for_deliveries()
    app.settle()
    assert [a.repeats for a in app.alerts()] == [0]
    assert len(offers_in_thread(app, ts)) == 1
