"""Impact, root cause, the resolve form, action items, overdue nags and the review."""

from datetime import timedelta

from harness import Harness
from sqlmodel import Session, select

from bot.cli import read_postmortem_context
from bot.incidents.postmortem.render import load_postmortem_renderer
from bot.slack.ids import ActionId, BlockId
from storage.enums import EventKind, Status
from storage.models import Postmortem


def _items_on_status_block(harness: Harness) -> str:
    return str(harness.status_message()["blocks"])


def test_impact_and_root_cause_are_recorded(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    harness.driver.slash("alice", channel, "impact 30% of checkouts failed for 40 min")
    harness.driver.slash("alice", channel, "rootcause Expired TLS certificate on the gateway")
    harness.driver.wait_for(lambda: harness.incident().root_cause)
    stored = harness.incident()
    assert stored.impact == "30% of checkouts failed for 40 min"
    assert stored.root_cause == "Expired TLS certificate on the gateway"
    kinds = [e.kind for e in harness.timeline()]
    assert EventKind.IMPACT in kinds and EventKind.ROOT_CAUSE in kinds
    answer = harness.driver.slash("alice", channel, "impact").json()
    assert "Describe the impact" in answer["text"]


def test_bare_resolve_opens_a_form_for_summary_root_cause_and_resolution(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    harness.driver.slash("alice", channel, "resolve")
    view = harness.driver.wait_for(lambda: harness.driver.latest_view("alice"))
    assert harness.incident().status == Status.INVESTIGATING  # nothing happens until submitted
    values = {
        BlockId.SUMMARY: {ActionId.SUMMARY: "Checkout failed for 40 minutes"},
        BlockId.ROOT_CAUSE: {ActionId.ROOT_CAUSE: "Expired certificate"},
        BlockId.RESOLUTION: {ActionId.RESOLUTION: "Rotated the certificate"},
    }
    harness.driver.submit_view("alice", view["id"], values)
    harness.driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    stored = harness.incident()
    assert (stored.summary, stored.root_cause, stored.resolution) == (
        "Checkout failed for 40 minutes",
        "Expired certificate",
        "Rotated the certificate",
    )


def test_resolve_with_a_summary_resolves_at_once(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    harness.driver.slash("alice", incident.channel_id or "", "resolve Rotated the cert")
    harness.driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    assert harness.incident().resolution == "Rotated the cert"


def test_action_items_from_command_and_form_show_and_complete(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    bob = driver.user("bob")["id"]
    driver.slash("alice", channel, f"action Alert on cert expiry <@{bob}|bob> due 2030-01-15")
    driver.wait_for(lambda: "Alert on cert expiry" in _items_on_status_block(harness))
    driver.slash("alice", channel, "action")
    view = driver.wait_for(lambda: driver.latest_view("alice"))
    values = {
        BlockId.ACTION_TEXT: {ActionId.ACTION_TEXT: "Automate cert rotation"},
        BlockId.ACTION_OWNER: {ActionId.ACTION_OWNER: bob},
        BlockId.ACTION_DUE: {ActionId.ACTION_DUE: "2030-02-01"},
    }
    driver.submit_view("alice", view["id"], values)
    driver.wait_for(lambda: "Automate cert rotation" in _items_on_status_block(harness))
    shown = _items_on_status_block(harness)
    assert f"<@{bob}>" in shown and "due 2030-01-15" in shown
    status_ts = harness.incident().status_ts or ""
    block = next(
        b
        for b in harness.status_message()["blocks"]
        if "Alert on cert expiry" in str(b.get("text"))
    )
    driver.click("bob", channel, status_ts, ActionId.ACTION_DONE, value=block["accessory"]["value"])
    driver.wait_for(lambda: "1 done" in _items_on_status_block(harness))
    assert "Alert on cert expiry" not in _items_on_status_block(harness)
    kinds = [e.kind for e in harness.timeline()]
    assert kinds.count(EventKind.ACTION_ADDED) == 2 and EventKind.ACTION_DONE in kinds


def test_bad_due_date_is_explained(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    answer = harness.driver.slash("alice", incident.channel_id or "", "action Fix it due soon")
    assert "YYYY-MM-DD" in answer.json()["text"]


def test_actions_lists_open_items_across_incidents_mine_first(harness: Harness) -> None:
    first = harness.declare("sev2 Checkout is failing")
    second = harness.declare("sev3 Search is slow")
    driver = harness.driver
    bob = driver.user("bob")["id"]
    driver.slash("alice", first.channel_id or "", "action Alice's follow-up")
    driver.slash("alice", second.channel_id or "", f"action Bob's follow-up <@{bob}>")
    driver.wait_for(lambda: "Bob's follow-up" in _items_on_status_block_of(harness, 2))
    driver.slash("bob", "general", "actions")
    listing = driver.wait_for(
        lambda: [e for e in driver.ephemerals("bob") if "Open action items" in str(e)]
    )
    text = str(listing[-1])
    assert text.index("Bob's follow-up") < text.index("Alice's follow-up")


def _items_on_status_block_of(harness: Harness, number: int) -> str:
    return str(harness.status_message(number)["blocks"])


def test_overdue_action_item_dms_its_owner_once_a_day(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    driver = harness.driver
    bob = driver.user("bob")["id"]
    due = (harness.clock() + timedelta(days=1)).date()
    driver.slash("alice", incident.channel_id or "", f"action Rotate certs <@{bob}> due {due}")
    driver.wait_for(lambda: "Rotate certs" in _items_on_status_block(harness))
    harness.tick()
    assert driver.dm_messages("bob") == []  # not overdue yet
    harness.clock.advance(days=2)
    harness.tick()
    harness.tick()
    assert len(driver.dm_messages("bob")) == 1  # one a day
    harness.clock.advance(days=1)
    harness.tick()
    dms = driver.dm_messages("bob")
    assert len(dms) == 2 and "Rotate certs" in str(dms[-1])
    value = next(
        e["value"] for b in dms[-1]["blocks"] if b["type"] == "actions" for e in b["elements"]
    )
    dm_channel = driver.dm_channel("bob") or ""
    driver.click("bob", dm_channel, dms[-1]["ts"], ActionId.ACTION_DONE, value=value)
    driver.wait_for(lambda: "1 done" in _items_on_status_block(harness))
    harness.clock.advance(days=1)
    harness.tick()
    assert len(driver.dm_messages("bob")) == 2  # done: no more nags


def test_close_schedules_the_review_and_reminds_unless_reviewed(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.slash("alice", channel, "resolve Fixed")
    driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    answer_before = driver.slash("alice", channel, "reviewed")
    assert answer_before.status_code == 200
    harness.wait_for_ephemeral("after closing")
    driver.slash("alice", channel, "close")
    driver.wait_for(lambda: harness.incident().status == Status.CLOSED)
    closed = harness.incident()
    assert closed.review_due_at is not None and closed.closed_at is not None
    assert closed.review_due_at - closed.closed_at == timedelta(days=7)
    harness.clock.advance(days=6)
    harness.tick()
    assert not [m for m in driver.messages(channel) if "review of the" in m.get("text", "")]
    harness.clock.advance(days=1, minutes=1)
    harness.tick()
    harness.tick()
    reminders = [m for m in driver.messages(channel) if "review of the" in m.get("text", "")]
    assert len(reminders) == 1
    assert any("review of the" in m.get("text", "") for m in driver.dm_messages("alice"))


def test_reviewed_stops_the_review_reminder(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.slash("alice", channel, "resolve Fixed")
    driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    driver.slash("alice", channel, "close")
    driver.wait_for(lambda: harness.incident().status == Status.CLOSED)
    driver.slash("alice", channel, "reviewed")
    driver.wait_for(lambda: harness.incident().reviewed_at)
    harness.clock.advance(days=8)
    harness.tick()
    assert not [m for m in driver.messages(channel) if "review of the" in m.get("text", "")]
    reviewed = harness.incident()
    assert reviewed.reviewed_by == driver.user("alice")["id"] and reviewed.reviewed_at
    assert EventKind.REVIEWED in [e.kind for e in harness.timeline()]


def test_close_drafts_uploads_and_links_the_postmortem(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.slash("alice", channel, "impact 30% of checkouts failed")
    driver.slash("alice", channel, "rootcause Expired certificate")
    driver.slash("alice", channel, "action Alert on cert expiry due 2030-01-15")
    driver.slash("alice", channel, "resolve Rotated the certificate")
    driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    driver.slash("alice", channel, "close")
    stored = driver.wait_for(lambda: harness.incident().postmortem_permalink and harness.incident())
    # Slack's current upload flow, and nothing else.
    assert len(driver.calls("files.getUploadURLExternal")) == 1
    assert len(driver.calls("files.completeUploadExternal")) == 1
    assert driver.calls("files.upload") == []
    shared = [m for m in driver.messages(channel) if m.get("subtype") == "file_share"]
    assert len(shared) == 1 and "review is due" in shared[0]["text"]
    file_id = stored.postmortem_file_id or ""
    markdown = driver.file_bytes(file_id).decode()
    assert markdown.startswith("# Incident Post-Mortem: #inc-1-checkout-is-failing")
    assert "@alice" in markdown and "U0ALICE" not in markdown  # people by name, not by id
    for fragment in (
        "30% of checkouts failed",
        "Expired certificate",
        "Rotated the certificate",
        "Alert on cert expiry",
        "2030-01-15",
    ):
        assert fragment in markdown
    with Session(harness.engine) as session:
        kept = session.exec(select(Postmortem)).one()
    assert kept.markdown == markdown
    driver.wait_for(lambda: "Postmortem draft" in str(harness.status_message()["blocks"]))
    driver.wait_for(  # the digest post is edited right after the status block
        lambda: (
            "Postmortem draft"
            in str(
                driver.message(stored.digest_channel_id or "", stored.digest_ts or "")["message"]
            )
        )
    )


def test_users_affected_and_cost_flow_into_the_postmortem(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.slash("alice", channel, "impact users 1,200")
    driver.slash("alice", channel, "impact cost $4,000 in refunds")
    driver.wait_for(lambda: harness.incident().estimated_cost)
    stored = harness.incident()
    assert (stored.users_affected, stored.estimated_cost) == (1200, "$4,000 in refunds")
    answer = driver.slash("alice", channel, "impact users many").json()
    assert "number of users" in answer["text"]
    driver.slash("alice", channel, "resolve Fixed")
    driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    driver.slash("alice", channel, "close")
    file_id = driver.wait_for(lambda: harness.incident().postmortem_file_id)
    markdown = driver.file_bytes(file_id).decode()
    assert "1,200" in markdown or "1200" in markdown
    assert "$4,000 in refunds" in markdown.replace("\\$", "$")  # Markdown escapes "$"


def test_review_date_shows_even_when_the_upload_fails(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.slash("alice", channel, "resolve Fixed")
    driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    driver.inject("files.getUploadURLExternal", "restricted_action", times=1)
    driver.slash("alice", channel, "close")
    driver.wait_for(lambda: harness.failures())
    assert [f.step for f in harness.failures()] == ["share_postmortem"]
    reported = driver.wait_for(
        lambda: [m for m in driver.messages(channel) if "share_postmortem" in m.get("text", "")]
    )
    assert "restricted_action" in reported[0]["text"]
    assert "`warroom postmortem 1`" in reported[0]["text"]  # the incident's own number
    driver.wait_for(lambda: "review due" in str(harness.status_message()["blocks"]))
    with Session(harness.engine) as session:
        assert session.exec(select(Postmortem)).one().markdown.startswith("# Incident Post-Mortem")


def test_the_cli_prints_the_same_document_the_channel_got(harness: Harness) -> None:
    # It used to print raw ids (@U0ALICE) where the shared document showed names.
    incident = harness.declare("sev2 Checkout is failing")
    channel = incident.channel_id or ""
    driver = harness.driver
    driver.slash("alice", channel, f"commander <@{driver.user('bob')['id']}>")
    driver.slash("alice", channel, "resolve Rotated the certificate")
    driver.wait_for(lambda: harness.incident().status == Status.RESOLVED)
    driver.slash("alice", channel, "close")
    file_id = driver.wait_for(lambda: harness.incident().postmortem_file_id)
    shared = driver.file_bytes(file_id)
    context = read_postmortem_context(harness.warroom.settings.database_url, 1)
    printed = load_postmortem_renderer(None).render(context).encode()
    assert printed == shared
    assert b"@alice" in printed and b"@bob" in printed and b"U0ALICE" not in printed
