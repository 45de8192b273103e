"""The `/oncall contact` form, filled in with what a person has, and a person's methods in a few
words; within Block Kit's limits (checked here and by the sandbox's validator, as Slack would)."""

from datetime import timedelta
from typing import Any

from bot.paging.definitions import ContactDef, ContactRule, Method
from bot.sandbox.blockkit import validate_view
from bot.slack.blocks.help import build_help_blocks
from bot.slack.blocks.oncall import build_oncall_help
from bot.slack.blocks.paging_contact import build_contact_modal, describe_contact
from bot.slack.ids import ActionId, BlockId, CallbackId

CAROL = ContactDef(
    user="U0CAROL",
    phone="+15550002222",
    email="carol@example.com",
    rules=(
        ContactRule(Method.SMS, timedelta(0)),
        ContactRule(Method.VOICE, timedelta(minutes=5)),
        ContactRule(Method.EMAIL, timedelta(hours=1, minutes=30)),
    ),
)
FIELDS = [
    (BlockId.CONTACT_PHONE, ActionId.CONTACT_PHONE),
    (BlockId.CONTACT_EMAIL, ActionId.CONTACT_EMAIL),
    (BlockId.CONTACT_SMS_AFTER, ActionId.CONTACT_SMS_AFTER),
    (BlockId.CONTACT_VOICE_AFTER, ActionId.CONTACT_VOICE_AFTER),
    (BlockId.CONTACT_EMAIL_AFTER, ActionId.CONTACT_EMAIL_AFTER),
]


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The form's input blocks by block id."""
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}


def initial(view: dict[str, Any]) -> dict[str, str | None]:
    """What each field starts with."""
    return {
        block_id: block["element"].get("initial_value") for block_id, block in inputs(view).items()
    }


def test_the_form_is_filled_in_with_what_the_person_has(block_kit: Any) -> None:
    view = build_contact_modal(CAROL)
    block_kit.modal(view)
    assert validate_view(view) == []
    assert view["callback_id"] == CallbackId.ONCALL_CONTACT
    assert initial(view) == {
        BlockId.CONTACT_PHONE: "+15550002222",
        BlockId.CONTACT_EMAIL: "carol@example.com",
        BlockId.CONTACT_SMS_AFTER: "0s",
        BlockId.CONTACT_VOICE_AFTER: "5m",
        BlockId.CONTACT_EMAIL_AFTER: "1h 30m",
    }


def test_every_field_is_optional_and_read_back_by_its_ids(block_kit: Any) -> None:
    view = build_contact_modal(None)
    block_kit.modal(view)
    assert validate_view(view) == []
    blocks = inputs(view)
    assert [(b, blocks[b]["element"]["action_id"]) for b in blocks] == FIELDS
    assert all(block["optional"] for block in blocks.values())
    assert set(initial(view).values()) == {None}


def test_labels_and_hints_say_how_to_write_each_field() -> None:
    blocks = inputs(build_contact_modal(None))
    labels = [block["label"]["text"] for block in blocks.values()]
    assert labels == ["Phone", "E-mail", "SMS after", "Call after", "E-mail after"]
    assert "E.164" in blocks[BlockId.CONTACT_PHONE]["hint"]["text"]
    for block_id in (BlockId.CONTACT_SMS_AFTER, BlockId.CONTACT_EMAIL_AFTER):
        hint = blocks[block_id]["hint"]["text"]
        assert "Blank: not used" in hint and "2m" in hint


def test_a_person_without_a_delay_for_a_method_gets_a_blank_field() -> None:
    only_sms = ContactDef(
        user="U0BOB", phone="+15550001111", rules=(ContactRule(Method.SMS, timedelta(minutes=2)),)
    )
    assert initial(build_contact_modal(only_sms)) == {
        BlockId.CONTACT_PHONE: "+15550001111",
        BlockId.CONTACT_EMAIL: None,
        BlockId.CONTACT_SMS_AFTER: "2m",
        BlockId.CONTACT_VOICE_AFTER: None,
        BlockId.CONTACT_EMAIL_AFTER: None,
    }


def test_methods_in_a_few_words() -> None:
    text = describe_contact(CAROL)
    assert "• a Slack DM, at once" in text
    assert "• SMS to +15550002222 after 0s" in text
    assert "• a call to +15550002222 after 5m" in text
    assert "• e-mail to carol@example.com after 1h 30m" in text
    assert "Set but not used" not in text


def test_slack_alone_and_what_is_set_but_unused() -> None:
    assert "• a Slack DM, at once\nChange them" in describe_contact(None)
    unused = ContactDef(user="U0BOB", phone="+15550001111", email="<b>&@example.com")
    text = describe_contact(unused)
    assert "Set but not used: phone +15550001111, e-mail &lt;b&gt;&amp;@example.com." in text


def test_the_help_lists_the_new_subcommands(block_kit: Any) -> None:
    incident = build_help_blocks()
    block_kit.message(incident)
    texts = block_kit.texts(incident)
    assert "`/incident page @user|@group|schedule:&lt;name&gt;" in texts
    assert "`/incident ack`" in texts
    oncall = build_oncall_help()
    block_kit.message(oncall)
    texts = block_kit.texts(oncall)
    for usage in ("`/oncall contact`", "`/oncall contact show`", "`/oncall test-page`"):
        assert usage in texts
