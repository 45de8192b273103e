"""Slack failing after the commit: retried, reported, never losing the incident."""

import re

import httpx
import pytest
from conftest import MakeHarness
from harness import Harness

from storage.enums import Severity


def test_a_transient_pin_failure_is_retried_with_backoff_until_it_pins(
    harness: Harness,
) -> None:
    driver = harness.driver
    driver.inject("pins.add", "internal_error", times=3)
    incident = harness.declare("sev2 Checkout is failing")
    assert len(driver.calls("pins.add")) == 4  # three transient failures, then the pin
    assert harness.failures() == []
    assert [p["ts"] for p in driver.pins(incident.channel_id or "")] == [incident.status_ts]
    reports = [m for m in driver.messages(incident.channel_id or "") if ":warning:" in m["text"]]
    assert reports == []


def test_a_permanent_pin_failure_is_reported_once_and_repaired_by_the_next_change(
    harness: Harness,
) -> None:
    driver = harness.driver
    driver.inject("pins.add", "restricted_action", times=1)
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    channel = driver.wait_for(lambda: harness.incident().channel_id, description="channel")
    report = driver.wait_for(
        lambda: [m for m in driver.messages(channel) if "pin_status" in m.get("text", "")],
        description="a failure report in the channel",
    )
    assert "restricted_action" in report[0]["text"]
    assert len(report) == 1
    assert [f.step for f in harness.failures()] == ["pin_status"]
    stored = harness.incident()
    assert stored.status_ts and not stored.status_pinned
    # The next change repairs the missing pin.
    driver.slash("alice", channel, "severity sev1")
    driver.wait_for(lambda: harness.incident().status_pinned, description="pin repaired")
    assert [p["ts"] for p in driver.pins(channel)] == [stored.status_ts]
    assert harness.incident().severity == Severity.SEV1


def test_rate_limited_pin_honours_retry_after(harness: Harness) -> None:
    driver = harness.driver
    driver.inject("pins.add", "ratelimited", times=1, retry_after=1, status=429)
    incident = harness.declare("sev2 Checkout is failing")
    pins = driver.calls("pins.add")
    assert len(pins) == 2
    assert pins[1]["at"] - pins[0]["at"] >= 1.0
    assert harness.failures() == []
    assert driver.pins(incident.channel_id or "")


def test_channel_creation_failure_keeps_the_incident(harness: Harness) -> None:
    driver = harness.driver
    driver.inject("conversations.create", "restricted_action", times=1)
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    text = harness.wait_for_ephemeral("INC-1")
    assert "refused to create its channel (`restricted_action`)" in text
    stored = harness.incident()
    assert stored.channel_id is None and stored.title == "Checkout is failing"
    assert [f.step for f in harness.failures()] == ["create_channel"]


def test_digest_channel_missing_is_reported_in_the_incident_channel(
    make_harness: MakeHarness,
) -> None:
    harness = make_harness(warroom_announce_channel="no-such-channel")
    driver = harness.driver
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    channel = driver.wait_for(lambda: harness.incident().channel_id)
    report = driver.wait_for(
        lambda: [m for m in driver.messages(channel) if "post_digest" in m.get("text", "")]
    )
    assert "channel_not_found" in report[0]["text"]
    assert harness.incident().status_pinned


def test_unexpected_failure_after_ack_gives_a_reference_not_a_trace(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    incident = harness.declare("sev2 Checkout is failing")

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("statusupdate table is gone")

    monkeypatch.setattr(harness.warroom.updates, "post_update", broken)
    response = harness.driver.slash("alice", incident.channel_id or "", "update Still broken")
    assert response.status_code == 200
    shown = harness.wait_for_ephemeral("Something went wrong")
    assert re.search(r"reference `[0-9a-f]{8}`", shown)
    assert "Traceback" not in shown and "statusupdate" not in shown
    assert harness.incident().title == "Checkout is failing"


def test_deleted_status_message_is_posted_and_pinned_again(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, old_ts = incident.channel_id or "", incident.status_ts or ""
    api = harness.warroom.settings.slack_api_url
    # Someone (an admin) deletes the pinned status message.
    deleted = httpx.post(
        f"{api}chat.delete",
        headers={"Authorization": "Bearer xoxb-sandbox-token"},
        data={"channel": channel, "ts": old_ts},
    ).json()
    assert deleted["ok"], deleted
    harness.driver.slash("alice", channel, "severity sev1")
    fresh = harness.driver.wait_for(
        lambda: (i := harness.incident()).status_ts != old_ts and i.status_pinned and i,
        description="a new pinned status message",
    )
    assert [p["ts"] for p in harness.driver.pins(channel)] == [fresh.status_ts]
    assert "SEV1" in str(harness.status_message()["blocks"])


def test_refused_channel_is_created_by_a_later_tick(harness: Harness) -> None:
    driver = harness.driver
    driver.inject("conversations.create", "restricted_action", times=1)  # Slack says no, once
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    harness.wait_for_ephemeral("refused to create its channel")
    assert harness.incident().channel_id is None
    harness.tick()
    assert harness.incident().channel_id is None  # not while a declaration may be running
    harness.clock.advance(minutes=2)
    harness.tick()
    repaired = driver.wait_for(lambda: harness.incident().status_pinned and harness.incident())
    channel = driver.channel(repaired.channel_id or "")
    assert channel["name"] == "inc-1-checkout-is-failing"
    assert driver.user("alice")["id"] in channel["members"]
    assert len(driver.messages("incidents")) == 1


def test_a_transient_channel_failure_is_retried_at_once_without_a_word_to_the_declarer(
    harness: Harness,
) -> None:
    driver = harness.driver
    driver.inject("conversations.create", "internal_error", times=3)
    incident = harness.declare("sev2 Checkout is failing")
    assert driver.channel(incident.channel_id or "")["name"] == "inc-1-checkout-is-failing"
    assert len(driver.calls("conversations.create")) == 4
    harness.wait_for_ephemeral("is declared")
    assert not [t for t in harness.ephemeral_texts() if "refused" in t]


def test_a_channel_slack_keeps_refusing_is_not_retried_forever(harness: Harness) -> None:
    driver = harness.driver
    driver.inject("conversations.create", "restricted_action", times=100)
    driver.slash("alice", "general", "declare sev2 Checkout is failing")
    harness.wait_for_ephemeral("refused to create its channel")
    for _ in range(15):
        harness.clock.advance(minutes=2)
        harness.tick()
    steps = [f.step for f in harness.failures()]
    assert len(driver.calls("conversations.create")) == 10, steps  # declaration + 9 repairs
    assert harness.incident().title == "Checkout is failing"
