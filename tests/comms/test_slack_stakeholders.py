"""Stakeholder updates from Slack, end to end: the real app on real HTTP against the Slack
sandbox, every request signed, a real database (SQLite and PostgreSQL) and a real SMTP server.
`/incident stakeholders` posts in each audience's channel and mails its addresses, once;
`/incident impact customers yes` tells customer success at once."""

from comms_stack import CommsHarness
from integration.harness import Harness

from storage.enums import EventKind


def _exec_posts(app: Harness) -> list[dict]:
    return [m for m in app.driver.messages("exec") if m.get("bot_id")]


def _cs_posts(app: Harness) -> list[dict]:
    return [m for m in app.driver.messages("cs-alerts") if m.get("bot_id")]


def _setup_channels(app: CommsHarness) -> None:
    app.driver.create_channel("alice", "exec")
    app.driver.create_channel("alice", "cs-alerts")


def test_a_stakeholder_update_reaches_every_audience_of_a_sev1_once(app: CommsHarness) -> None:
    _setup_channels(app)
    incident = app.declare("sev1 Checkout is failing")
    assert incident.channel_id
    answer = app.command(
        "alice", incident.channel_id, "stakeholders Rolled back deploy 4812. ETA 14:30 UTC."
    )
    assert answer == ":mega: Shared with executives (1 channel, 2 e-mails)."

    (post,) = _exec_posts(app)
    shown = str(post)
    assert "Stakeholder update · INC-1" in shown and "Checkout is failing" in shown
    assert "Rolled back deploy 4812. ETA 14:30 UTC." in shown
    assert "*ETA* 14:30 UTC" in shown and f"<#{incident.channel_id}>" in shown
    assert _cs_posts(app) == []  # customers are not known to be affected
    mails = sorted(app.mails(), key=lambda m: m.rcpt_tos)
    assert [m.rcpt_tos for m in mails] == [["ceo@example.com"], ["cto@example.com"]]
    message = mails[0].message
    assert message["Subject"] == "[Warroom] INC-1 SEV1 · Investigating: Checkout is failing"
    body = message.get_content()
    assert "Rolled back deploy 4812. ETA 14:30 UTC." in body and "ETA: 14:30 UTC" in body
    assert f"https://slack.com/app_redirect?channel={incident.channel_id}" in body
    (event,) = app.events(EventKind.STAKEHOLDER_UPDATE)
    assert event.text == (
        "Stakeholder update to executives by @U0ALICE: Rolled back deploy 4812. ETA 14:30 UTC."
    )

    app.settle()  # nothing left to send, nothing sent again
    assert len(_exec_posts(app)) == 1 and len(app.mails()) == 2


def test_a_sev3_reaches_nobody_and_says_so(app: CommsHarness) -> None:
    _setup_channels(app)
    incident = app.declare("sev3 Search is slow")
    assert incident.channel_id
    answer = app.command("alice", incident.channel_id, "stakeholders All fine soon")
    assert answer == (
        ":warning: No stakeholder audience hears of SEV3 incidents unless customers are "
        "affected (audiences: executives, customer-success)."
    )
    assert app.events(EventKind.STAKEHOLDER_UPDATE) == []
    assert app.mails() == [] and _exec_posts(app) == []


def test_customers_affected_tells_customer_success_at_once(app: CommsHarness) -> None:
    _setup_channels(app)
    incident = app.declare("sev2 Payments time out")
    assert incident.channel_id
    answer = app.command("alice", incident.channel_id, "impact customers yes")
    assert answer == ":rotating_light: Recorded: customers are affected. Told customer-success."
    (post,) = _cs_posts(app)
    assert "Customers are affected by INC-1" in str(post)
    (mail,) = app.mails()
    assert mail.rcpt_tos == ["cs@example.com"]
    assert mail.message["Subject"] == "[Warroom] INC-1 SEV2 · Customers affected: Payments time out"
    assert app.incident().customers_affected_at is not None
    (event,) = app.events(EventKind.IMPACT)
    assert event.text == "Customers are affected (set by @U0ALICE); told customer-success"

    again = app.command("alice", incident.channel_id, "impact customers yes")
    assert again == "Already recorded: customers are affected."
    assert len(_cs_posts(app)) == 1 and len(app.mails()) == 1

    # Now a stakeholder update of this SEV2 reaches customer success too.
    shared = app.command("alice", incident.channel_id, "stakeholders Retrying payments")
    assert shared == ":mega: Shared with customer-success (1 channel, 1 e-mail)."
    assert len(_cs_posts(app)) == 2 and _exec_posts(app) == []
