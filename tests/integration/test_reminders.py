"""Update nags, the commander's DM, the digest thread, and response targets, on a moved clock."""

from harness import Harness
from sqlmodel import Session, select

from bot.incidents.service import DeclareRequest
from bot.slack.ids import ActionId
from storage.enums import EventKind, Severity, Status
from storage.models import Effect, Incident


def _acknowledge(harness: Harness) -> None:
    incident = harness.incident()
    harness.driver.click(
        "bob", incident.channel_id or "", incident.status_ts or "", ActionId.ACKNOWLEDGE
    )
    harness.driver.wait_for(lambda: harness.incident().acknowledged_at)


def _reminders(harness: Harness, channel: str) -> list[dict]:
    return [
        m
        for m in harness.driver.messages(channel)
        if m.get("text", "").startswith("Status update due")
    ]


def test_missed_update_posts_one_reminder_mentioning_the_commander(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    alice = harness.driver.user("alice")["id"]
    _acknowledge(harness)  # only the update reminder is due at 31 minutes, not the ack target
    harness.clock.advance(minutes=29)
    assert harness.tick().claimed == []
    harness.clock.advance(minutes=2)
    assert len(harness.tick().claimed) == 1
    assert len(harness.tick().claimed) == 0  # never twice for one due time
    reminders = _reminders(harness, channel)
    assert len(reminders) == 1
    shown = str(reminders[0]["blocks"])
    assert f"<@{alice}>" in shown
    for action in (
        ActionId.POST_UPDATE,
        ActionId.SNOOZE_15,
        ActionId.SNOOZE_30,
        ActionId.SNOOZE_60,
    ):
        assert action.value in shown
    harness.driver.wait_for(lambda: "overdue" in str(harness.status_message()["blocks"]).lower())
    assert [e.kind for e in harness.timeline()][-1] == EventKind.UPDATE_MISSED


def test_second_reminder_dms_the_commander_and_third_tells_the_digest_thread(
    harness: Harness,
) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    harness.driver.wait_for(lambda: harness.incident().digest_ts)
    _acknowledge(harness)
    for _ in range(3):
        harness.clock.advance(minutes=31)
        harness.tick()
    assert len(_reminders(harness, channel)) == 3
    assert "3 reminders in a row" in str(_reminders(harness, channel)[-1]["blocks"])
    dms = harness.driver.dm_messages("alice")
    assert len(dms) == 2  # the 2nd and 3rd reminders
    digest = harness.incident()
    thread = [
        m
        for m in harness.driver.messages(digest.digest_channel_id or "")
        if m.get("thread_ts") == digest.digest_ts and m["ts"] != digest.digest_ts
    ]
    assert len(thread) == 1 and "unattended" in thread[0]["text"]


def test_posting_an_update_resets_the_reminders(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    harness.clock.advance(minutes=31)
    harness.tick()
    harness.driver.slash("alice", channel, "update Rolled back")
    harness.driver.wait_for(lambda: harness.incident().missed_updates == 0)
    harness.clock.advance(minutes=29)
    assert harness.tick().claimed == []
    harness.clock.advance(minutes=2)
    harness.tick()
    latest = _reminders(harness, channel)[-1]
    assert "in a row" not in str(latest["blocks"])  # the count started again
    assert harness.driver.dm_messages("alice") == []


def _update_marks(harness: Harness) -> tuple[int, int]:
    with Session(harness.engine) as session:
        row = session.exec(select(Incident).where(Incident.number == 1)).one()
        return row.updates_on_time, row.updates_missed


def test_the_incident_counts_updates_on_time_and_reminders_as_they_happen(
    harness: Harness,
) -> None:
    """Insights read these counts from the incident row: an update is on time unless a
    reminder came since the update before (or the declaration)."""
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""

    def posted(text: str, updates: int) -> None:
        harness.driver.slash("alice", channel, f"update {text}")
        harness.driver.wait_for(
            lambda: sum(e.kind == EventKind.UPDATE for e in harness.timeline()) == updates
        )

    _acknowledge(harness)  # the update reminders alone are due
    posted("Looking into it", 1)  # before any reminder: on time
    for _ in range(2):  # two reminders, then a late update
        harness.clock.advance(minutes=31)
        assert len(harness.tick().claimed) == 1
    posted("Rolled back", 2)
    posted("Error rates are normal", 3)  # no reminder since the last one: on time
    kinds = [e.kind for e in harness.timeline() if e.kind.startswith("update")]
    assert kinds == ["update", "update_missed", "update_missed", "update", "update"]
    assert _update_marks(harness) == (2, 2)


def test_snooze_holds_the_reminder(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    harness.clock.advance(minutes=31)
    harness.tick()
    reminder = _reminders(harness, channel)[0]
    harness.driver.click("alice", channel, reminder["ts"], ActionId.SNOOZE_60)
    harness.wait_for_ephemeral("snoozed for 60 minutes")
    harness.clock.advance(minutes=45)  # past the normal 30-minute cadence
    assert harness.tick().claimed == []
    harness.clock.advance(minutes=16)
    assert len(harness.tick().claimed) == 1


def test_resolved_incidents_are_never_nagged(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    harness.driver.slash("alice", incident.channel_id or "", "resolve Fixed")
    harness.driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    harness.clock.advance(hours=10)
    assert harness.tick().claimed == []
    assert _reminders(harness, incident.channel_id or "") == []


def test_unacknowledged_sev1_past_its_target_escalates_once(harness: Harness) -> None:
    incident = harness.declare("sev1 Payments down")
    channel = incident.channel_id or ""
    harness.driver.wait_for(lambda: harness.incident().digest_ts)
    harness.clock.advance(minutes=14)
    assert harness.tick().claimed == []
    harness.clock.advance(minutes=2)
    harness.tick()
    harness.tick()
    posts = [
        m
        for m in harness.driver.messages(channel)
        if "not acknowledged within" in m.get("text", "")
    ]
    assert len(posts) == 1 and "15m target" in posts[0]["text"]
    stored = harness.incident()
    assert stored.ack_breached_at is not None
    thread = [
        m
        for m in harness.driver.messages(stored.digest_channel_id or "")
        if m.get("thread_ts") == stored.digest_ts and "not acknowledged" in m.get("text", "")
    ]
    assert len(thread) == 1
    assert EventKind.ACK_TARGET_MISSED in [e.kind for e in harness.timeline()]


def test_acknowledged_in_time_never_escalates(harness: Harness) -> None:
    incident = harness.declare("sev1 Payments down")
    harness.driver.click(
        "bob", incident.channel_id or "", incident.status_ts or "", ActionId.ACKNOWLEDGE
    )
    harness.driver.wait_for(lambda: harness.incident().acknowledged_at)
    harness.clock.advance(minutes=16)
    harness.tick()
    assert harness.incident().ack_breached_at is None


def test_severity_change_moves_the_cadence(harness: Harness) -> None:
    incident = harness.declare("sev3 Search is slow")
    harness.driver.slash("alice", incident.channel_id or "", "status mitigated")
    harness.driver.wait_for(lambda: harness.incident().status == Status.MITIGATED)
    harness.clock.advance(minutes=45)
    assert harness.tick().claimed == []  # mitigated: 60-minute cadence from the declaration
    harness.clock.advance(minutes=16)
    assert len(harness.tick().claimed) == 1


def test_nobody_leading_gets_a_take_command_reminder(harness: Harness) -> None:
    bob = harness.driver.user("bob")["id"]
    request = DeclareRequest(
        title="Disk full on db-3", declared_by=bob, severity=Severity.SEV3, leaderless=True
    )
    harness.handle.run(harness.warroom.incidents.declare(request))
    channel = harness.driver.wait_for(
        lambda: harness.incident().status_pinned and harness.incident().channel_id
    )
    harness.clock.advance(minutes=4)
    assert harness.tick().claimed == []
    harness.clock.advance(minutes=2)
    harness.tick()
    asks = [m for m in harness.driver.messages(channel) if "Who is leading" in m.get("text", "")]
    assert len(asks) == 1
    harness.driver.click("carol", channel, asks[0]["ts"], ActionId.TAKE_COMMAND)
    carol = harness.driver.user("carol")["id"]
    harness.driver.wait_for(lambda: ("commander", carol) in harness.roles())
    harness.clock.advance(minutes=10)
    harness.tick()
    assert (
        len([m for m in harness.driver.messages(channel) if "Who is leading" in m.get("text", "")])
        == 1
    )
    # The question is answered: its button goes, a line says who leads.
    asked = harness.driver.wait_for(
        lambda: next(
            m
            for m in harness.driver.messages(channel)
            if m["ts"] == asks[0]["ts"] and "actions" not in str(m["blocks"])
        )
    )
    assert f"<@{carol}> is leading" in str(asked["blocks"])
    assert "Who is leading" in str(asked["blocks"])  # what was asked stays readable


def _buttons(message: dict) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def test_reminders_lose_their_buttons_once_the_incident_is_resolved(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    _acknowledge(harness)
    for _ in range(2):  # the second also reaches the commander by DM, with a button
        harness.clock.advance(minutes=31)
        harness.tick()
    assert [_buttons(m) != [] for m in _reminders(harness, channel)] == [True, True]
    assert [_buttons(m) for m in harness.driver.dm_messages("alice")] == [
        [ActionId.POST_UPDATE.value]
    ]
    harness.driver.slash("alice", channel, "resolve Fixed")
    harness.driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    harness.settle()
    reminders = _reminders(harness, channel)
    assert [_buttons(m) for m in reminders] == [[], []]
    assert all("is resolved" in str(m["blocks"]) for m in reminders)
    assert all("status update" in str(m["blocks"]) for m in reminders)  # the words stay
    assert [_buttons(m) for m in harness.driver.dm_messages("alice")] == [[]]
    # Edited once: a later change (closing) edits nothing more.
    edits = len(harness.driver.calls("chat.update"))
    harness.driver.slash("alice", channel, "close")
    harness.driver.wait_for(lambda: harness.incident().status == Status.CLOSED)
    harness.settle()
    reminder_ts = {m["ts"] for m in reminders}
    later = [
        c
        for c in harness.driver.calls("chat.update")[edits:]
        if c["params"].get("ts") in reminder_ts
    ]
    assert later == []


def test_failed_delivery_is_retried_with_backoff_and_posted_once(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    _acknowledge(harness)
    harness.driver.inject("chat.postMessage", "internal_error", times=1)
    harness.clock.advance(minutes=31)
    report = harness.tick()
    assert len(report.claimed) == 1
    assert len(_reminders(harness, channel)) == 1
    (delivery,) = [e for e in harness.rows(Effect) if e.kind == "reminder.deliver"]
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("done", 2, None)
    assert harness.tick().claimed == []
    assert len(_reminders(harness, channel)) == 1


def test_post_update_on_the_reminder_opens_the_form(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    _acknowledge(harness)
    harness.clock.advance(minutes=31)
    harness.tick()
    reminder = _reminders(harness, channel)[0]
    harness.driver.click("alice", channel, reminder["ts"], ActionId.POST_UPDATE)
    view = harness.driver.wait_for(lambda: harness.driver.latest_view("alice"))
    harness.driver.submit_view(
        "alice", view["id"], {"update_text": {"update_text": "Back to normal"}}
    )
    harness.driver.wait_for(lambda: harness.incident().missed_updates == 0)


def test_a_failed_dm_never_repeats_the_channel_reminder(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    _acknowledge(harness)
    harness.clock.advance(minutes=31)
    harness.tick()
    harness.driver.inject("conversations.open", "internal_error", times=1)
    harness.clock.advance(minutes=31)
    harness.tick()
    for _ in range(3):
        harness.clock.advance(seconds=130)  # past any retry back-off
        harness.tick()
    harness.clock.advance(minutes=31)
    harness.tick()
    seqs = [
        3 if "3 reminders" in str(m["blocks"]) else 2 if "2 reminders" in str(m["blocks"]) else 1
        for m in _reminders(harness, channel)
    ]
    assert seqs == [1, 2, 3]
    assert len(harness.driver.dm_messages("alice")) == 1  # the 3rd; the 2nd's DM failed


def test_raising_the_severity_moves_the_acknowledgement_target(harness: Harness) -> None:
    # A SEV3 has two hours to be acknowledged; raised to SEV1 it has fifteen minutes, still
    # counted from the declaration.
    incident = harness.declare("sev3 Search is slow")
    channel = incident.channel_id or ""
    harness.driver.slash("alice", channel, "severity sev1")
    harness.driver.wait_for(lambda: harness.incident().severity == Severity.SEV1)
    harness.clock.advance(minutes=16)
    claimed = harness.tick().claimed
    assert len(claimed) == 1
    breach = [m for m in harness.driver.messages(channel) if "15m target" in m.get("text", "")]
    assert len(breach) == 1 and "is SEV1" in breach[0]["text"]
    assert harness.incident().ack_breached_at is not None
