"""Stakeholder updates from Slack, end to end: the real app on real HTTP against the Slack
sandbox, every request signed, a real database (SQLite and PostgreSQL) and a real SMTP server.
`/incident stakeholders` posts in each audience's channel and mails its addresses, once;
`/incident impact customers yes` tells customer success at once."""

from datetime import timedelta
from typing import Any

import pytest
from comms.comms_stack import CommsHarness
from integration.harness import Harness
from sqlmodel import Session, select

from bot.comms.service import POST
from bot.slack.blocks.modals import CUSTOMERS_OPTION, SHARE_OPTION
from bot.slack.ids import ActionId, BlockId
from storage.enums import EventKind
from storage.models import Effect


def _exec_posts(app: Harness) -> list[dict]:
    return [m for m in app.driver.messages("exec") if m.get("bot_id")]


def _cs_posts(app: Harness) -> list[dict]:
    return [m for m in app.driver.messages("cs-alerts") if m.get("bot_id")]


def _setup_channels(app: CommsHarness, *, invite_bot: bool = False) -> None:
    """The audiences' channels; the bot posts in them with chat:write.public, and reads them
    (to find a post a lost answer hid) once it is invited."""
    for name in ("exec", "cs-alerts"):
        channel = app.driver.create_channel("alice", name)
        if invite_bot:  # `/invite @warroom`, as the sandbox's control API does it
            body = {"user": "U0ALICE", "channel": channel, "invitee": "U0BOT"}
            app.driver._post_control("/act/invite", body)


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


def _form(app: CommsHarness, channel: str, text: str) -> dict:
    app.driver.slash("alice", channel, text)
    return app.driver.wait_for(lambda: app.driver.latest_view("alice"), description=text)


def test_the_declare_form_can_say_customers_are_affected(app: CommsHarness) -> None:
    _setup_channels(app)
    view = _form(app, "general", "declare")
    values = {
        BlockId.TITLE: {ActionId.TITLE: "Logins fail"},
        BlockId.SEVERITY: {ActionId.SEVERITY: "sev2"},
        BlockId.CUSTOMERS_AFFECTED: {ActionId.CUSTOMERS_AFFECTED: [CUSTOMERS_OPTION]},
    }
    assert app.driver.submit_view("alice", view["id"], values).status_code == 200
    app.driver.wait_for(
        lambda: [i for i in app.incidents() if i.status_pinned], description="the incident"
    )
    app.settle()
    incident = app.incident()
    assert incident.customers_affected_at == incident.declared_at
    (post,) = _cs_posts(app)
    assert "Customers are affected by INC-1" in str(post) and "Logins fail" in str(post)
    assert [m.rcpt_tos for m in app.mails()] == [["cs@example.com"]]
    kinds = [e.kind for e in app.timeline()]
    assert kinds[:2] == [EventKind.DECLARED, EventKind.IMPACT]


def test_an_update_form_shared_with_stakeholders_posts_and_shares(app: CommsHarness) -> None:
    _setup_channels(app)
    incident = app.declare("sev1 Checkout is failing")
    assert incident.channel_id
    view = _form(app, incident.channel_id, "update")
    values = {
        BlockId.UPDATE_TEXT: {ActionId.UPDATE_TEXT: "Failover done; ETA 10 minutes"},
        BlockId.SHARE_STAKEHOLDERS: {ActionId.SHARE_STAKEHOLDERS: [SHARE_OPTION]},
    }
    assert app.driver.submit_view("alice", view["id"], values).status_code == 200
    app.wait_for_ephemeral("Shared with executives (1 channel, 2 e-mails).")
    (post,) = _exec_posts(app)
    assert "Failover done; ETA 10 minutes" in str(post) and "*ETA* 10 minutes" in str(post)
    app.settle()  # each address's mail is an effect of its own, carried out after the post
    assert len(app.mails()) == 2
    assert len(app.events(EventKind.UPDATE)) == 1
    assert len(app.events(EventKind.STAKEHOLDER_UPDATE)) == 1
    now = app.incident()
    assert now.last_update_at and now.last_stakeholder_update_at
    assert now.last_stakeholder_update_at >= now.last_update_at
    assert now.stakeholder_update_due_at == now.last_stakeholder_update_at + timedelta(minutes=30)


def test_an_update_shared_where_nobody_hears_is_posted_and_says_why(app: CommsHarness) -> None:
    incident = app.declare("sev4 Docs typo")
    assert incident.channel_id
    view = _form(app, incident.channel_id, "update")
    values = {
        BlockId.UPDATE_TEXT: {ActionId.UPDATE_TEXT: "Fixed the typo"},
        BlockId.SHARE_STAKEHOLDERS: {ActionId.SHARE_STAKEHOLDERS: [SHARE_OPTION]},
    }
    assert app.driver.submit_view("alice", view["id"], values).status_code == 200
    said = app.wait_for_ephemeral("The update is posted, but not shared with stakeholders")
    assert "No stakeholder audience hears of SEV4 incidents" in said
    assert len(app.events(EventKind.UPDATE)) == 1
    assert app.events(EventKind.STAKEHOLDER_UPDATE) == [] and app.mails() == []


def test_hostile_text_is_inert_in_the_post_and_plain_in_the_mail(app: CommsHarness) -> None:
    _setup_channels(app)
    incident = app.declare("sev1 <!channel> title & <https://evil.example|click>")
    assert incident.channel_id
    hostile = '<!here> "><img src=x onerror=alert(1)> *bold* ' + "x" * 2900
    app.command("alice", incident.channel_id, f"stakeholders {hostile}")
    (post,) = _exec_posts(app)
    everything = str(post)
    for bad in ("<!here>", "<!channel>", "<https://evil.example", "<img"):
        assert bad not in everything
    assert "&lt;img src=x onerror=alert(1)&gt;" in everything
    body = app.mails()[0].message.get_content()
    assert '@here "><img src=x onerror=alert(1)> *bold*' in body  # plain text, as written
    assert app.mails()[0].message.get_content_type() == "text/plain"


def test_a_refused_address_is_written_on_the_timeline(app: CommsHarness) -> None:
    _setup_channels(app)
    assert app.smtp is not None
    app.smtp.collector.refuse_recipients = "550 5.1.1 No such user"
    incident = app.declare("sev1 Checkout is failing")
    assert incident.channel_id
    app.command("alice", incident.channel_id, "stakeholders Still on it")
    app.settle()
    failed = [e.text for e in app.events(EventKind.STAKEHOLDER_UPDATE) if "not delivered" in e.text]
    assert sorted(failed) == [
        "Stakeholder update not delivered to executives (ceo@example.com): "
        "smtp 550: 5.1.1 No such user",
        "Stakeholder update not delivered to executives (cto@example.com): "
        "smtp 550: 5.1.1 No such user",
    ]
    assert len(_exec_posts(app)) == 1  # the channel still heard


def test_a_replayed_command_and_a_retry_after_a_lost_answer_post_once(
    app: CommsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    _setup_channels(app, invite_bot=True)
    incident = app.declare("sev1 Checkout is failing")
    assert incident.channel_id
    sent: list[tuple[str, str]] = []
    original = app.driver.post_signed

    def recording(body: str, content_type: str, **options: Any) -> object:
        sent.append((body, content_type))
        return original(body, content_type, **options)

    monkeypatch.setattr(app.driver, "post_signed", recording)
    app.command("alice", incident.channel_id, "stakeholders Rolled back")
    assert app.driver.post_signed(*sent[-1]).status_code == 200  # Slack's retry of it
    app.settle()
    assert len(_exec_posts(app)) == 1 and len(app.mails()) == 2
    # The process died after posting, before it recorded the post: the effect comes back.
    with Session(app.engine) as session:
        for effect in session.exec(select(Effect).where(Effect.kind == POST)):
            effect.state, effect.next_try_at = "pending", app.clock()
            session.add(effect)
        session.commit()
    app.settle()
    assert len(_exec_posts(app)) == 1  # found by its key in the channel, not posted again
    assert len(app.events(EventKind.STAKEHOLDER_UPDATE)) == 1
