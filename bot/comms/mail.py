"""A stakeholder update by e-mail, as plain text: the facts first, then what was said."""

import hashlib
from datetime import UTC

from bot.comms.rules.notes import CUSTOMERS, StakeholderNote
from bot.kernel.mail import Mail

MAX_SUBJECT = 200


def mail_of(note: StakeholderNote, *, audience: str, address: str, key: str) -> Mail:
    """The note as one mail to `address`; the Message-ID is stable for the effect's `key`."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:24]
    headers = {"Auto-Submitted": "auto-generated", "X-Warroom-Incident": note.reference}
    return Mail(
        to=address,
        subject=subject_of(note),
        text=text_of(note, audience=audience),
        message_id=f"<stakeholder-{digest}@warroom>",
        headers=headers,
    )


def subject_of(note: StakeholderNote) -> str:
    """`[Warroom] INC-7 SEV1 · Investigating: Checkout errors`, on one line."""
    head = "Customers affected" if note.reason == CUSTOMERS else note.status
    subject = f"[Warroom] {note.reference} {note.severity} · {head}: {_one_line(note.title)}"
    return subject if len(subject) <= MAX_SUBJECT else subject[: MAX_SUBJECT - 1] + "…"


def text_of(note: StakeholderNote, *, audience: str) -> str:
    """The body: the incident in a few lines, what was said, when to expect more."""
    lines = [
        f"{'Customers are affected by' if note.reason == CUSTOMERS else 'Update on'} "
        f"{note.reference}: {_one_line(note.title)}",
        "",
        f"Severity: {note.severity}",
        f"Status: {note.status}",
        f"Customers affected: {'yes' if note.customers_affected else 'not known'}",
    ]
    if note.impact:
        lines.append(f"Impact: {note.impact}")
    if note.message:
        lines += ["", "Update:", note.message]
    if note.latest_update:
        lines += ["", "Latest status update:", note.latest_update]
    lines.append("")
    if note.eta:
        lines.append(f"ETA: {note.eta}")
    if note.next_update_at is not None:
        when = note.next_update_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"Next update by: {when}")
    if note.channel_url:
        lines.append(f"Incident channel: {note.channel_url}")
    lines += ["", f"You get this as part of the {audience} stakeholder audience in Warroom."]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())
