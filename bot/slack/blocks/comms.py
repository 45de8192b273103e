"""Stakeholder updates in an audience's channel, and the reminder to update the status page."""

from datetime import datetime

from bot.comms.rules.notes import CUSTOMERS, StakeholderNote
from bot.incidents.rules.lifecycle import SEVERITY_LABELS
from bot.kernel.text import is_person
from bot.kernel.timing import format_span
from bot.slack.blocks.limits import MAX_TEXT, fit_mrkdwn
from bot.slack.blocks.parts import (
    Block,
    button,
    channel_link,
    context,
    date_token,
    field,
    field_sections,
    incident_ref,
    incident_value,
    mention,
    section,
)
from bot.slack.ids import ActionId
from storage.enums import Severity
from storage.models import Incident

MAX_TITLE = 200
MAX_FACT = 500
MAX_ETA = 100
MAX_FALLBACK = 300


def build_stakeholder_post(note: StakeholderNote) -> tuple[str, list[Block]]:
    """The note as a message in an audience's channel: who, how bad, what was said, what next.
    Every word people wrote is escaped; nobody in the audience's channel is pinged."""
    title = fit_mrkdwn(note.title, MAX_TITLE)
    if note.reason == CUSTOMERS:
        head = f":rotating_light: *Customers are affected by {note.reference}* · {title}"
        fallback = f"Customers are affected by {note.reference} ({note.severity})"
    else:
        head = f":mega: *Stakeholder update · {note.reference}* · {title}"
        fallback = f"Stakeholder update on {note.reference} ({note.severity}, {note.status})"
    facts = [
        field("Severity", _severity(note.severity)),
        field("Status", fit_mrkdwn(note.status, 40)),
        field("Customers affected", "Yes" if note.customers_affected else "Not known"),
    ]
    if note.impact:
        facts.append(field("Impact", fit_mrkdwn(note.impact, MAX_FACT)))
    blocks: list[Block] = [section(head), *field_sections(facts)]
    if note.message:
        blocks.append(section("*Update*\n" + fit_mrkdwn(note.message, MAX_TEXT - 20)))
    if note.latest_update:
        latest = fit_mrkdwn(note.latest_update, MAX_TEXT - 40)
        blocks.append(section("*Latest status update*\n" + latest))
    blocks.append(context(*_next(note)))
    return fit_mrkdwn(fallback, MAX_FALLBACK), blocks


def _severity(value: str) -> str:
    try:
        return SEVERITY_LABELS[Severity(value.lower())]
    except ValueError:
        return fit_mrkdwn(value, 20)


def _next(note: StakeholderNote) -> list[str]:
    """The closing line: ETA, the next update, where to follow, who shared it."""
    parts = []
    if note.eta:
        parts.append(f"*ETA* {fit_mrkdwn(note.eta, MAX_ETA)}")
    if note.next_update_at is not None:
        parts.append(f"Next update by {date_token(note.next_update_at)}")
    if note.channel_id:
        parts.append(f"Follow in {channel_link(note.channel_id)}")
    if is_person(note.by):
        parts.append(f"Shared by {mention(note.by)}")
    return [" · ".join(parts) or "Sent by Warroom"]


def build_public_reminder(
    incident: Incident, person: str | None, *, channel_id: str | None, now: datetime
) -> tuple[str, list[Block]]:
    """The reminder to the comms lead (or commander): customers are affected and the status
    page says nothing yet, with a button that opens its form."""
    since = incident.customers_affected_at or incident.declared_at or now
    where = channel_link(channel_id) if channel_id else f"*{incident_ref(incident)}*"
    text = (
        f":loudspeaker: {mention(person, nobody='Whoever leads communication')}, customers have "
        f"been affected by {where} ({Severity(incident.severity).value.upper()}) for "
        f"{format_span(now - since)} and the status page says nothing about it yet. "
        "Publish what customers should know with `/incident statuspage`."
    )
    open_form = button(
        "Update status page", ActionId.OPEN_STATUSPAGE, incident_value(incident), style="primary"
    )
    fallback = f"{incident_ref(incident)} needs a status page update"
    return fallback, [section(text), {"type": "actions", "elements": [open_form]}]
