"""Pinned and :pushpin:-marked messages join the timeline once, at their own time."""

from harness import Harness
from sqlmodel import Session

from bot.kernel.timing import slack_ts_to_datetime
from storage.enums import EventKind
from storage.models import TimelineEvent


def _pinned_events(harness: Harness) -> list:
    return [e for e in harness.timeline() if e.kind == EventKind.PINNED]


def test_pinned_message_joins_the_timeline_with_time_and_permalink(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.join("carol", channel)
    ts = driver.post_message("carol", channel, "Error rate back to 0.1% &lt;phew&gt;")
    driver.pin("carol", channel, ts)
    events = driver.wait_for(lambda: _pinned_events(harness), description="pinned event")
    assert len(events) == 1
    event = events[0]
    assert event.source_ts == ts
    assert event.occurred_at == slack_ts_to_datetime(ts)
    assert event.text == "Error rate back to 0.1% <phew>"
    assert event.actor == driver.user("carol")["id"]
    assert event.permalink and ts.replace(".", "") in event.permalink


def test_pin_and_pushpin_on_the_same_message_count_once(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    ts = driver.post_message("alice", channel, "Deploy 4812 rolled back")
    driver.react("bob", channel, ts, "pushpin")
    driver.wait_for(lambda: _pinned_events(harness), description="pushpin event")
    driver.pin("alice", channel, ts)
    driver.wait_for_deliveries()
    events = _pinned_events(harness)
    assert len(events) == 1 and events[0].permalink
    assert events[0].text == "Deploy 4812 rolled back"


def test_other_reactions_and_the_status_pin_are_ignored(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    ts = driver.post_message("alice", channel, "just chatting")
    driver.react("bob", channel, ts, "eyes")
    driver.wait_for_deliveries()
    # The bot's own pin of the status block produced a pin_added event as well.
    assert driver.deliveries("pin_added")
    assert _pinned_events(harness) == []


def test_redelivered_event_changes_nothing(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    ts = driver.post_message("alice", channel, "Root cause: expired cert")
    driver.pin("alice", channel, ts)
    event = driver.wait_for(lambda: _pinned_events(harness))[0]
    # Take the timeline row away, so only the delivery filter can keep a retry from
    # adding it again: a redelivered event must not reach the listener at all.
    with Session(harness.engine) as session:
        session.delete(session.get(TimelineEvent, event.id))
        session.commit()
    user_pin = next(
        e
        for e in driver.events("pin_added")
        if e["envelope"]["event"]["item"]["message"]["ts"] == ts
    )
    response = driver.redeliver(user_pin["event_id"], retry_num=1)
    assert response.status_code == 200
    response = driver.redeliver(user_pin["event_id"], retry_num=2, retry_reason="http_error")
    assert response.status_code == 200
    assert _pinned_events(harness) == []
    # A different event about the same message is new, and is recorded.
    driver.react("bob", channel, ts, "pushpin")
    driver.wait_for(lambda: _pinned_events(harness), description="pushpin event")


def test_pins_outside_incident_channels_are_ignored(harness: Harness) -> None:
    harness.declare("sev2 Checkout is failing")
    driver = harness.driver
    driver.join("alice", "general")
    ts = driver.post_message("alice", "general", "unrelated")
    driver.pin("alice", "general", ts)
    driver.wait_for_deliveries()
    assert _pinned_events(harness) == []
