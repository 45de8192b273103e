"""Changing an incident edits its status block, digest and topic in place."""

from harness import Harness

from bot.slack.ids import ActionId, BlockId
from storage.enums import EventKind, Severity, Status


def _edited(harness: Harness, channel: str, ts: str) -> bool:
    """Whether chat.update changed the message after it was posted (same ts)."""
    found = [m for m in harness.driver.messages(channel) if m["ts"] == ts]
    return len(found) == 1 and len(found[0]["versions"]) > 1


def test_severity_change_edits_everything_in_place(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, status_ts = incident.channel_id or "", incident.status_ts or ""
    harness.driver.wait_for(lambda: harness.driver.messages("incidents"))
    digest_ts = harness.incident().digest_ts or ""
    harness.driver.slash("alice", channel, "severity sev1")
    harness.driver.wait_for(lambda: "SEV1" in harness.driver.topic(channel), description="topic")
    after = harness.incident()
    assert after.severity == Severity.SEV1
    assert (after.status_ts, after.digest_ts) == (status_ts, digest_ts)
    assert "SEV1" in str(harness.status_message()["blocks"])
    assert _edited(harness, channel, status_ts)
    digest_channel = after.digest_channel_id or ""
    # The digest is edited by an effect of its own, after the channel's.
    harness.driver.wait_for(
        lambda: "SEV1" in str(harness.driver.message(digest_channel, digest_ts)["message"]),
        description="digest edited",
    )
    assert len(harness.driver.messages("incidents")) == 1
    assert len(harness.driver.pins(channel)) == 1
    kinds = [e.kind for e in harness.timeline()]
    assert kinds == [EventKind.DECLARED, EventKind.SEVERITY_CHANGED]
    assert harness.wait_for_ephemeral("now *SEV1*")


def test_whole_lifecycle_stamps_every_time(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    for text, status in [
        ("status identified", Status.IDENTIFIED),
        ("status mitigated", Status.MITIGATED),
        ("resolve Rolled back deploy 4812", Status.RESOLVED),
        ("close", Status.CLOSED),
    ]:
        driver.slash("alice", channel, text)
        driver.wait_for(lambda s=status: harness.incident().status == s, description=str(status))
    done = harness.incident()
    assert done.declared_at and done.identified_at and done.mitigated_at
    assert done.resolved_at and done.closed_at
    assert done.declared_at <= done.identified_at <= done.mitigated_at <= done.resolved_at
    assert done.resolution == "Rolled back deploy 4812"
    assert done.next_update_due_at is None
    driver.wait_for(lambda: "Closed" in str(harness.status_message()["blocks"]))
    actions = [b for b in harness.status_message()["blocks"] if b["type"] == "actions"]
    assert actions == []


def test_forbidden_transition_is_explained_and_changes_nothing(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    harness.driver.slash("alice", channel, "resolve Rolled back")
    harness.driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    harness.driver.slash("alice", channel, "close")
    harness.driver.wait_for(lambda: harness.incident().status == Status.CLOSED)
    events_before = len(harness.timeline())
    harness.driver.slash("alice", channel, "resolve again")
    text = harness.wait_for_ephemeral("cannot move to resolved")
    assert "closed" in text
    assert harness.incident().status == Status.CLOSED
    assert len(harness.timeline()) == events_before


def test_unknown_severity_and_status_list_the_valid_ones(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    answer = harness.driver.slash("alice", channel, "severity sev9").json()
    assert "sev1, sev2, sev3, sev4" in answer["text"]
    answer = harness.driver.slash("alice", channel, "status fixed").json()
    assert "triage, investigating, identified, mitigated, resolved, closed" in answer["text"]
    assert harness.incident().severity == Severity.SEV2


def test_channel_bound_command_outside_an_incident_channel(harness: Harness) -> None:
    harness.declare("sev2 Checkout is failing")
    harness.driver.slash("alice", "general", "severity sev1")
    assert "only inside an incident channel" in harness.wait_for_ephemeral("incident channel")
    assert harness.incident().severity == Severity.SEV2


def test_unknown_subcommand_shows_help(harness: Harness) -> None:
    answer = harness.driver.slash("alice", "general", "frobnicate").json()
    blocks = str(answer["blocks"])
    assert "frobnicate" in blocks and "declare" in blocks and "resolve" in blocks


def test_roles_notes_and_updates(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    bob, carol = driver.user("bob")["id"], driver.user("carol")["id"]
    driver.slash("alice", channel, f"commander <@{bob}|bob>")
    driver.slash("alice", channel, f"role comms <@{carol}|carol>")
    driver.slash("alice", channel, "note Failover started")
    driver.slash("alice", channel, "update Rolled back, watching error rates")
    driver.wait_for(lambda: harness.incident().last_update_at is not None, description="update")
    driver.wait_for(lambda: f"<@{bob}>" in driver.topic(channel), description="topic")
    alice = driver.user("alice")["id"]
    assert harness.roles() == [("commander", bob), ("comms", carol)]
    # Each role's invitation is an effect of its own, carried out after the role is stored.
    driver.wait_for(
        lambda: {bob, carol, alice} <= set(driver.channel(channel)["members"]),
        description="everyone with a role invited",
    )
    kinds = [e.kind for e in harness.timeline()]
    assert kinds.count(EventKind.ROLE_ASSIGNED) == 2
    assert EventKind.NOTE in kinds and EventKind.UPDATE in kinds
    status_ts = harness.incident().status_ts
    harness.settle()  # the update is posted after its commit
    posted = [
        m
        for m in driver.messages(channel)
        if "watching error rates" in str(m) and m["ts"] != status_ts
    ]
    assert len(posted) == 1
    driver.wait_for(lambda: "watching error rates" in str(harness.status_message()["blocks"]))
    assert harness.incident().next_update_due_at is not None


def test_update_button_opens_the_form_and_posts(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, ts = incident.channel_id or "", incident.status_ts or ""
    driver = harness.driver
    driver.click("bob", channel, ts, ActionId.POST_UPDATE)
    view = driver.wait_for(lambda: driver.latest_view("bob"), description="update modal")
    values = {"update_text": {"update_text": "DB failover complete"}}
    driver.submit_view("bob", view["id"], values)
    driver.wait_for(lambda: harness.incident().last_update_at is not None)
    # The update is committed before it is posted: wait for the post, don't race it.
    driver.wait_for(
        lambda: any("DB failover complete" in str(m) for m in driver.messages(channel)),
        description="the update posted in the channel",
    )


def test_acknowledge_keeps_the_first_click(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel, ts = incident.channel_id or "", incident.status_ts or ""
    driver = harness.driver
    shown = harness.status_message()
    driver.click("bob", channel, ts, ActionId.ACKNOWLEDGE)
    driver.wait_for(lambda: harness.incident().acknowledged_at is not None)
    harness.settle()  # the status block is edited after the commit
    first = harness.incident()
    bob = driver.user("bob")["id"]
    assert first.acknowledged_by == bob
    assert "Acknowledge" not in str(
        [b for b in harness.status_message()["blocks"] if b["type"] == "actions"]
    )
    # A second click lands on the copy a slow client still shows, with the button on it.
    response = driver.click("carol", channel, ts, ActionId.ACKNOWLEDGE, as_shown=shown)
    assert response.status_code == 200
    harness.wait_for_ephemeral("Already acknowledged", user="carol")
    again = harness.incident()
    assert (again.acknowledged_at, again.acknowledged_by) == (first.acknowledged_at, bob)
    acks = [e for e in harness.timeline() if e.kind == EventKind.ACKNOWLEDGED]
    assert len(acks) == 1


def test_list_shows_open_incidents(harness: Harness) -> None:
    harness.declare("sev2 Checkout is failing")
    harness.declare("sev1 Payments down")
    answer_text = str(harness.driver.slash("bob", "general", "list").status_code)
    assert answer_text == "200"
    listing = harness.driver.wait_for(
        lambda: [e for e in harness.driver.ephemerals("bob") if "Payments down" in str(e)]
    )
    text = str(listing[-1])
    assert text.index("Payments down") < text.index("Checkout is failing")


def test_severity_and_status_buttons_open_forms_that_apply(harness: Harness) -> None:
    incident = harness.declare("sev3 Search is slow")
    channel, ts = incident.channel_id or "", incident.status_ts or ""
    driver = harness.driver
    driver.click("bob", channel, ts, ActionId.CHANGE_SEVERITY)
    view = driver.wait_for(lambda: driver.latest_view("bob"), description="severity form")
    driver.submit_view("bob", view["id"], {BlockId.SEVERITY: {ActionId.SEVERITY: "sev2"}})
    driver.wait_for(lambda: harness.incident().severity == Severity.SEV2, description="SEV2")
    driver.click("bob", channel, ts, ActionId.CHANGE_STATUS)
    view = driver.wait_for(lambda: driver.latest_view("bob"), description="status form")
    options = str(driver.view(view["id"])["blocks"])
    assert "mitigated" in options and "closed" not in options  # only allowed moves
    driver.submit_view("bob", view["id"], {BlockId.STATUS: {ActionId.STATUS: "mitigated"}})
    driver.wait_for(lambda: harness.incident().status == Status.MITIGATED, description="status")


def test_resolve_button_resolves(harness: Harness) -> None:
    incident = harness.declare("sev3 Search is slow")
    channel, ts = incident.channel_id or "", incident.status_ts or ""
    harness.driver.click("bob", channel, ts, ActionId.RESOLVE)
    harness.driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    bob = harness.driver.user("bob")["id"]
    assert harness.timeline()[-1].actor == bob
