"""The contact form behind `/oncall contact`, and a person's contact methods in a few words."""

from collections.abc import Sequence
from datetime import timedelta

from bot.paging.definitions import ContactDef, Method
from bot.paging.rules.durations import format_duration
from bot.slack.blocks.parts import Block, context, plain
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.mrkdwn import escape_mrkdwn

MAX_PHONE = 16  # `+` and at most 15 digits (E.164)
MAX_EMAIL = 254
MAX_DELAY = 20
DELAY_HINT = "Blank: not used. Counted from when you are paged, e.g. 0s, 2m, 5m or 1h30m."
# The delay fields: which method each sets, its block and element, and its label.
DELAYS: tuple[tuple[Method, BlockId, ActionId, str], ...] = (
    (Method.SMS, BlockId.CONTACT_SMS_AFTER, ActionId.CONTACT_SMS_AFTER, "SMS after"),
    (Method.VOICE, BlockId.CONTACT_VOICE_AFTER, ActionId.CONTACT_VOICE_AFTER, "Call after"),
    (Method.EMAIL, BlockId.CONTACT_EMAIL_AFTER, ActionId.CONTACT_EMAIL_AFTER, "E-mail after"),
)
_METHOD_NAMES = {Method.SMS: "SMS", Method.VOICE: "a call", Method.EMAIL: "e-mail"}


def build_contact_modal(contact: ContactDef | None) -> Block:
    """Phone, e-mail and a delay per method, filled in with what the person has now."""
    after = {rule.method: rule.after for rule in contact.rules} if contact else {}
    blocks = [
        context(
            "A Slack DM always reaches you at once when you are paged. Below, add a phone "
            "and an e-mail address, and when each is used if you have not acknowledged yet."
        ),
        _input(
            BlockId.CONTACT_PHONE,
            ActionId.CONTACT_PHONE,
            "Phone",
            contact.phone if contact else None,
            max_length=MAX_PHONE,
            placeholder="+15550001111",
            hint="In international form (E.164): +, the country code, then the number.",
        ),
        _input(
            BlockId.CONTACT_EMAIL,
            ActionId.CONTACT_EMAIL,
            "E-mail",
            contact.email if contact else None,
            max_length=MAX_EMAIL,
            placeholder="you@example.com",
        ),
    ]
    for method, block_id, action_id, label in DELAYS:
        given = after.get(method)
        blocks.append(
            _input(
                block_id,
                action_id,
                label,
                format_duration(given) if given is not None else None,
                max_length=MAX_DELAY,
                placeholder="blank, 0s, 2m, 5m…",
                hint=DELAY_HINT,
            )
        )
    return {
        "type": "modal",
        "callback_id": CallbackId.ONCALL_CONTACT.value,
        "title": plain("Your contact methods"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "blocks": blocks,
    }


def describe_contact(contact: ContactDef | None) -> str:
    """What reaches a person when paged, as mrkdwn: `Slack DM at once; SMS to +1555… after
    2m; …`, and what is set but unused."""
    lines = ["• a Slack DM, at once"]
    rules: Sequence[tuple[Method, timedelta]] = (
        [(rule.method, rule.after) for rule in contact.rules] if contact else []
    )
    for method, after in rules:
        address = (contact.email if method == Method.EMAIL else contact.phone) if contact else None
        to = f" to {escape_mrkdwn(address)}" if address else ""
        lines.append(f"• {_METHOD_NAMES[method]}{to} after {format_duration(after)}")
    used = {method for method, _after in rules}
    unused = []
    if contact and contact.phone and not used & {Method.SMS, Method.VOICE}:
        unused.append(f"phone {escape_mrkdwn(contact.phone)}")
    if contact and contact.email and Method.EMAIL not in used:
        unused.append(f"e-mail {escape_mrkdwn(contact.email)}")
    text = "*When you are paged, you are reached by*\n" + "\n".join(lines)
    if unused:
        text += f"\nSet but not used: {', '.join(unused)}."
    return text + "\nChange them with `/oncall contact`; try them with `/oncall test-page`."


def _input(
    block_id: BlockId,
    action_id: ActionId,
    label: str,
    initial: str | None,
    *,
    max_length: int,
    placeholder: str,
    hint: str = "",
) -> Block:
    element: Block = {
        "type": "plain_text_input",
        "action_id": action_id.value,
        "max_length": max_length,
        "placeholder": plain(placeholder),
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    block: Block = {
        "type": "input",
        "block_id": block_id.value,
        "optional": True,
        "label": plain(label),
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block
