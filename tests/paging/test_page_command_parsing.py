"""`/incident page`, `/incident ack`, `/oncall contact` and `/oncall test-page` as Slack sends
them, parsed into what the paging service takes; every mistake refused in one line."""

from datetime import timedelta

import pytest

from bot.kernel.errors import InvalidInput
from bot.paging.definitions import Method
from bot.slack.commands.incident import ShowHelp, parse_command
from bot.slack.commands.incident_page import AcknowledgePages, PagePeople
from bot.slack.commands.oncall import (
    OpenContactForm,
    SendTestPage,
    ShowContact,
    parse_oncall_command,
)
from bot.slack.handlers.incident_paging import describe_targets
from bot.slack.ids import ActionId, BlockId
from bot.slack.oncall_forms import contact_field, parse_contact_form


def page(text: str) -> PagePeople:
    parsed = parse_command(f"page {text}", user_id="U0ALICE")
    assert isinstance(parsed, PagePeople)
    return parsed


@pytest.mark.parametrize(
    ("text", "targets", "message"),
    [
        ("<@U0BOB|bob>", ("U0BOB",), ""),
        ("<@U0BOB>", ("U0BOB",), ""),
        ("<!subteam^S0DB|@db-team>", ("S0DB",), ""),
        ("<!subteam^S0DB>", ("S0DB",), ""),
        ("schedule:sre", ("schedule:sre",), ""),
        ("schedule:sre/primary", ("schedule:sre/primary",), ""),
        ("channel:db-alerts", ("channel:db-alerts",), ""),
        ("#db-alerts", ("channel:db-alerts",), ""),
        ("<#C0DB|db-alerts>", ("channel:db-alerts",), ""),
        ("production-api", ("production-api",), ""),
        (
            "<@U0BOB|bob> schedule:sre db is on fire",
            ("U0BOB", "schedule:sre"),
            "db is on fire",
        ),
        ("production-api checkout is down", ("production-api",), "checkout is down"),
        # After the first word, a bare word begins the message, mentions in it are words.
        ("<@U0BOB|bob> ask <@U0CAROL|carol> too", ("U0BOB",), "ask @U0CAROL too"),
        ("<@U0BOB|bob> <@U0BOB|bob> <!subteam^S0DB|@db>", ("U0BOB", "S0DB"), ""),
        ("<@U0BOB|bob> &lt;3 fix it", ("U0BOB",), "<3 fix it"),
        ("U0BOB", ("U0BOB",), ""),
    ],
)
def test_page_targets_then_the_message(text: str, targets: tuple[str, ...], message: str) -> None:
    assert page(text) == PagePeople(targets=targets, message=message)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "Say whom to page"),
        ("@bob", "reached me as plain text, not as a mention"),
        ("Hello!", "is not someone to page"),
        ("schedule:SRE!", "a schedule target is schedule:&lt;name&gt;"),
        ("schedule:", "a schedule target is schedule:&lt;name&gt;"),
        ("<#C0DB>", "Name the channel to page"),
        ("<#C0DB|>", "Name the channel to page"),
        ("#Bad!Name", "a channel target is channel:&lt;name&gt;"),
        ("<@U0BOB|bob> " + "x" * 1001, "keep it under 1000"),
    ],
)
def test_page_mistakes_are_one_line_each(text: str, said: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_command(f"page {text}", user_id="U0ALICE")
    assert said in refused.value.message
    assert "\n" not in refused.value.message
    assert "<" not in refused.value.message.replace("<@", "")  # shown as mrkdwn, escaped


def test_hostile_text_in_a_refusal_is_inert() -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_command("page <!channel>", user_id="U0ALICE")
    assert "<!channel>" not in refused.value.message


def test_twenty_targets_at_most() -> None:
    many = " ".join(f"<@U0P{i:03d}>" for i in range(21))
    with pytest.raises(InvalidInput, match="at most 20"):
        page(many)


@pytest.mark.parametrize("word", ["ack", "acknowledge", "ACK"])
def test_ack(word: str) -> None:
    assert parse_command(word, user_id="U0ALICE") == AcknowledgePages()


def test_ack_takes_nothing_after_it() -> None:
    with pytest.raises(InvalidInput, match="say no more"):
        parse_command("ack page 3", user_id="U0ALICE")


def test_help_is_still_help() -> None:
    assert parse_command("pager", user_id="U0ALICE") == ShowHelp(unknown="pager")


def test_whom_a_page_is_for_in_the_answer() -> None:
    whom, mentions = describe_targets(
        ["U0BOB", "S0DB", "schedule:sre/primary", "channel:db-alerts"]
    )
    assert whom == "@U0BOB, @S0DB, schedule:sre/primary, #db-alerts"
    assert mentions == ["U0BOB", "S0DB"]
    assert describe_targets(["production-api"]) == ("policy production-api", [])


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("contact", OpenContactForm()),
        ("contact show", ShowContact()),
        ("CONTACT Show", ShowContact()),
        ("test-page", SendTestPage()),
    ],
)
def test_oncall_contact_and_test_page(text: str, parsed: object) -> None:
    assert parse_oncall_command(text) == parsed


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("contact sms +15550002222 after 2m", "Use `/oncall contact` to open the form"),
        ("contact show everything", "Use `/oncall contact` to open the form"),
        ("test-page now", "takes nothing after it"),
    ],
)
def test_oncall_contact_with_text_points_at_the_form(text: str, said: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_oncall_command(text)
    assert said in refused.value.message


def contact_values(
    phone: str | None = "+15550002222",
    email: str | None = "bob@example.com",
    sms: str | None = "0s",
    voice: str | None = "5m",
    mail: str | None = None,
) -> dict[str, dict[str, dict[str, str | None]]]:
    """The contact form's state as Slack sends it (blank fields have no value)."""
    fields = [
        (BlockId.CONTACT_PHONE, ActionId.CONTACT_PHONE, phone),
        (BlockId.CONTACT_EMAIL, ActionId.CONTACT_EMAIL, email),
        (BlockId.CONTACT_SMS_AFTER, ActionId.CONTACT_SMS_AFTER, sms),
        (BlockId.CONTACT_VOICE_AFTER, ActionId.CONTACT_VOICE_AFTER, voice),
        (BlockId.CONTACT_EMAIL_AFTER, ActionId.CONTACT_EMAIL_AFTER, mail),
    ]
    return {
        block.value: {action.value: {"type": "plain_text_input", "value": value}}
        for block, action, value in fields
    }


def test_the_contact_form_read() -> None:
    form = parse_contact_form(contact_values(mail=" 1h 30m "))
    assert (form.phone, form.email) == ("+15550002222", "bob@example.com")
    assert form.rules == (
        (Method.SMS, timedelta(0)),
        (Method.VOICE, timedelta(minutes=5)),
        (Method.EMAIL, timedelta(minutes=90)),
    )


def test_a_blank_contact_form_uses_slack_alone() -> None:
    form = parse_contact_form(contact_values(None, None, None, None, None))
    assert (form.phone, form.email, form.rules) == (None, None, ())
    assert parse_contact_form({}).rules == ()


@pytest.mark.parametrize(
    ("values", "block", "said"),
    [
        (contact_values(sms="soon"), BlockId.CONTACT_SMS_AFTER, "SMS after: 'soon' is not"),
        (contact_values(voice="5"), BlockId.CONTACT_VOICE_AFTER, "Call after: '5' is not"),
        (contact_values(mail="200h"), BlockId.CONTACT_EMAIL_AFTER, "longer than"),
    ],
)
def test_a_bad_delay_lands_on_its_field(
    values: dict[str, dict[str, dict[str, str | None]]], block: BlockId, said: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_contact_form(values)
    assert contact_field(refused.value.field) == block.value
    assert said in refused.value.message


@pytest.mark.parametrize(
    ("field", "block"),
    [
        ("phone", BlockId.CONTACT_PHONE),
        ("email", BlockId.CONTACT_EMAIL),
        ("sms_after", BlockId.CONTACT_SMS_AFTER),
        ("voice_after", BlockId.CONTACT_VOICE_AFTER),
        ("email_after", BlockId.CONTACT_EMAIL_AFTER),
        (None, BlockId.CONTACT_PHONE),
    ],
)
def test_the_services_fields_map_to_the_forms_blocks(field: str | None, block: BlockId) -> None:
    assert contact_field(field) == block.value
