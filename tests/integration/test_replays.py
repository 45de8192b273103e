"""Replays and double clicks change things once: a request's key (trigger id, view id and hash,
event id) makes a replay a no-op, and the rules make a second click on the same button one."""

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

import pytest
from harness import Harness

from bot.kernel.retention import INBOX_RETENTION
from bot.slack.ids import ActionId, BlockId
from bot.slack.listeners.commands import SLASH
from bot.slack.listeners.events import EVENT
from bot.slack.listeners.views import VIEW
from storage.enums import EventKind, Severity, Status
from storage.models import InboxItem

Sent = list[tuple[str, str]]
T = TypeVar("T")


@pytest.fixture
def sent(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Every body the driver posts to the app, to send again as Slack would replay it."""
    bodies: Sent = []
    original = harness.driver.post_signed

    def recording(body: str, content_type: str, **options: object) -> object:
        bodies.append((body, content_type))
        return original(body, content_type, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(harness.driver, "post_signed", recording)
    return bodies


def replay(harness: Harness, body: tuple[str, str]) -> None:
    """Send a recorded body again, signed afresh: only its content, and so its key, is old."""
    response = harness.driver.post_signed(*body)
    assert response.status_code == 200, response.text
    assert response.content.strip() in (b"", b"{}", b"null"), response.text  # a bare ack


def stored(harness: Harness, kind: str) -> list[InboxItem]:
    return [row for row in harness.rows(InboxItem) if row.kind == kind]


def settle_until(harness: Harness, done: Callable[[], T]) -> T:
    """Settle, then wait for an outcome: a claim the background loop holds may still be
    finishing when settle returns."""
    harness.settle()
    return harness.driver.wait_for(done)


def kinds(harness: Harness) -> list[EventKind]:
    return [event.kind for event in harness.timeline()]


def test_the_same_slash_command_three_times_declares_once(harness: Harness, sent: Sent) -> None:
    response = harness.driver.slash("alice", "general", "declare sev2 Checkout is failing")
    assert response.status_code == 200
    first = sent[-1]
    replay(harness, first)
    replay(harness, first)
    settle_until(harness, lambda: [i for i in harness.incidents() if i.status_pinned])
    assert len(harness.incidents()) == 1
    assert len(stored(harness, SLASH)) == 1
    assert len(harness.driver.calls("conversations.create")) == 1
    assert kinds(harness).count(EventKind.DECLARED) == 1


def _open_form(harness: Harness, channel: str, text: str) -> dict:
    harness.driver.slash("alice", channel, text)
    return harness.driver.wait_for(lambda: harness.driver.latest_view("alice"), description=text)


def test_an_update_form_submitted_twice_posts_one_update(harness: Harness, sent: Sent) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, status_ts = incident.channel_id or "", incident.status_ts
    view = _open_form(harness, channel, "update")
    values = {BlockId.UPDATE_TEXT: {ActionId.UPDATE_TEXT: "Rolled back, watching errors"}}
    harness.driver.submit_view("alice", view["id"], values)
    replay(harness, sent[-1])
    settle_until(harness, lambda: EventKind.UPDATE in kinds(harness))
    assert kinds(harness).count(EventKind.UPDATE) == 1
    messages = [m for m in harness.driver.messages(channel) if m["ts"] != status_ts]
    posted = [m for m in messages if "watching errors" in str(m)]
    assert len(posted) == 1
    assert len(stored(harness, VIEW)) == 1


def test_an_action_form_submitted_twice_adds_one_item(harness: Harness, sent: Sent) -> None:
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    view = _open_form(harness, channel, "action")
    values = {BlockId.ACTION_TEXT: {ActionId.ACTION_TEXT: "Automate cert rotation"}}
    harness.driver.submit_view("alice", view["id"], values)
    replay(harness, sent[-1])
    settle_until(harness, lambda: "Automate cert rotation" in str(harness.status_message()))
    assert kinds(harness).count(EventKind.ACTION_ADDED) == 1
    assert str(harness.status_message()["blocks"]).count("Automate cert rotation") == 1
    assert len(stored(harness, VIEW)) == 1


def test_a_late_replay_of_a_severity_form_undoes_nothing(harness: Harness, sent: Sent) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    harness.driver.click("alice", channel, status_ts, ActionId.CHANGE_SEVERITY)
    view = harness.driver.wait_for(lambda: harness.driver.latest_view("alice"))
    harness.driver.submit_view("alice", view["id"], {BlockId.SEVERITY: {ActionId.SEVERITY: "sev1"}})
    submission = sent[-1]
    settle_until(harness, lambda: harness.incident().severity == Severity.SEV1)
    harness.driver.slash("alice", channel, "severity sev3")
    settle_until(harness, lambda: harness.incident().severity == Severity.SEV3)
    replay(harness, submission)  # the same view id and hash: the sev1 form, once more
    harness.settle()
    assert harness.incident().severity == Severity.SEV3
    assert kinds(harness).count(EventKind.SEVERITY_CHANGED) == 2  # sev2→sev1, sev1→sev3
    assert len(stored(harness, VIEW)) == 1


def test_an_event_delivered_three_times_joins_the_timeline_once(harness: Harness) -> None:
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    driver = harness.driver
    ts = driver.post_message("alice", channel, "Root cause: expired cert")
    driver.pin("alice", channel, ts)
    driver.wait_for_deliveries()
    pin = next(
        e
        for e in driver.events("pin_added")
        if e["envelope"]["event"]["item"]["message"]["ts"] == ts
    )
    assert driver.redeliver(pin["event_id"], retry_num=1).status_code == 200
    assert driver.redeliver(pin["event_id"], retry_num=2).status_code == 200
    settle_until(harness, lambda: EventKind.PINNED in kinds(harness))
    assert kinds(harness).count(EventKind.PINNED) == 1
    mine = [r for r in stored(harness, EVENT) if r.payload.get("event_id") == pin["event_id"]]
    assert len(mine) == 1


def test_a_double_clicked_acknowledge_counts_once(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    shown = harness.status_message()  # both clickers still see the button
    driver = harness.driver
    for user in ("alice", "bob"):  # two clicks, two trigger ids, one button
        response = driver.click(user, channel, status_ts, ActionId.ACKNOWLEDGE, as_shown=shown)
        assert response.status_code == 200
    first = settle_until(harness, lambda: harness.incident().acknowledged_by)
    assert kinds(harness).count(EventKind.ACKNOWLEDGED) == 1
    ids = {driver.user(name)["id"]: name for name in ("alice", "bob")}
    assert first in ids
    second = next(name for user_id, name in ids.items() if user_id != first)
    told = harness.wait_for_ephemeral("Already acknowledged", user=second)
    assert f"<@{first}>" in told


def test_resolve_clicked_three_times_resolves_once(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    shown = harness.status_message()
    for _ in range(3):
        harness.driver.click("alice", channel, status_ts, ActionId.RESOLVE, as_shown=shown)
    settle_until(
        harness,
        lambda: len([t for t in harness.ephemeral_texts("alice") if "already resolved" in t]) == 2,
    )
    assert harness.incident().status == Status.RESOLVED
    assert kinds(harness).count(EventKind.RESOLVED) == 1


def test_request_keys_are_kept_long_enough_to_refuse_replays(harness: Harness, sent: Sent) -> None:
    assert timedelta(minutes=10) <= INBOX_RETENTION
    channel = harness.declare("sev2 Checkout is failing").channel_id or ""
    harness.driver.slash("alice", channel, "note Failover started")
    note = sent[-1]
    settle_until(harness, lambda: EventKind.NOTE in kinds(harness))
    # Ten minutes on, the retention tick has run, and the request is replayed.
    harness.clock.advance(minutes=10)
    harness.handle.run(harness.warroom.retention.tick())
    kept = len(harness.rows(InboxItem))
    replay(harness, note)
    assert len(harness.rows(InboxItem)) == kept  # refused as a replay, not stored again
    harness.settle()
    assert kinds(harness).count(EventKind.NOTE) == 1
    # Past the retention, the tick does prune carried-out requests: the check above was real.
    harness.clock.advance(seconds=INBOX_RETENTION.total_seconds())
    report = harness.handle.run(harness.warroom.retention.tick())
    assert report.inbox_items >= 1
