"""Reminders: a missed update, nobody leading, an acknowledgement target missed."""

from datetime import datetime, timedelta

from bot.incidents.rules.cadence import stakeholders_due, status_update_due
from bot.kernel.text import truncate
from bot.kernel.timing import format_span
from bot.slack.blocks.parts import (
    Block,
    button,
    channel_link,
    context,
    date_token,
    incident_ref,
    incident_value,
    mention,
    section,
)
from bot.slack.ids import ActionId
from bot.slack.mrkdwn import escape_mrkdwn
from storage.enums import Status
from storage.models import ActionItem, Incident

SNOOZES = ((ActionId.SNOOZE_15, 15), (ActionId.SNOOZE_30, 30), (ActionId.SNOOZE_60, 60))


def _title(incident: Incident) -> str:
    return escape_mrkdwn(truncate(incident.title, 150))


_DUE_WORDS = {
    (True, False): "a status update for *{ref}* is due",
    (False, True): "a stakeholder update for *{ref}* is due",
    (True, True): "a status update and a stakeholder update for *{ref}* are due",
}
_RESETS = {
    (True, False): "Posting an update by any path resets this reminder.",
    (False, True): "Sharing an update with stakeholders resets this reminder.",
    (True, True): "Posting an update shared with stakeholders resets this reminder.",
}


def build_update_reminder(
    incident: Incident, commander: str | None, *, seq: int, now: datetime
) -> tuple[str, list[Block]]:
    """The nag in the incident channel: mentions the commander, offers Post update and Snooze.
    Where stakeholders are owed an update too (or only they are), it says so."""
    who = mention(commander, nobody="Whoever is leading")
    stakeholders = stakeholders_due(incident, now)
    due = (status_update_due(incident, now) or not stakeholders, stakeholders)
    lead = f"{who}, {_DUE_WORDS[due].format(ref=incident_ref(incident))}"
    if seq > 1:
        lead += f" — {seq} reminders in a row"
    text = f":alarm_clock: {lead}. {_last_told(incident, now, *due)}"
    value = incident_value(incident)
    buttons = [button("Post update", ActionId.POST_UPDATE, value, style="primary")]
    buttons += [button(f"Snooze {m} min", a, f"{value}:{m}") for a, m in SNOOZES]
    blocks = [
        section(text),
        {"type": "actions", "elements": buttons},
        context(_RESETS[due]),
    ]
    what = "Stakeholder update" if due == (False, True) else "Status update"
    return f"{what} due for {incident_ref(incident)}", blocks


def _last_told(incident: Incident, now: datetime, status: bool, stakeholders: bool) -> str:
    """How long since each overdue kind of update went out."""
    parts = []
    if status:
        since = incident.last_update_at or incident.declared_at or now
        parts.append(f"Last update {format_span(now - since)} ago.")
    if stakeholders:
        told = incident.last_stakeholder_update_at
        parts.append(
            f"Last stakeholder update {format_span(now - told)} ago"
            if told
            else "No stakeholder update was sent yet"
        )
        parts[-1] += ": share one with `/incident stakeholders &lt;message&gt;` or the update form."
    return " ".join(parts)


def build_update_reminder_dm(
    incident: Incident, *, seq: int, channel_id: str | None
) -> tuple[str, list[Block]]:
    """The commander's DM after a second missed reminder in a row."""
    channel = channel_link(channel_id) if channel_id else incident_ref(incident)
    text = (
        f":alarm_clock: {channel} ({_title(incident)}) has missed {seq} status updates in a row. "
        "Stakeholders are waiting: post one with `/incident update <text>`."
    )
    value = incident_value(incident)
    buttons = [button("Post update", ActionId.POST_UPDATE, value, style="primary")]
    return f"{incident_ref(incident)} needs a status update", [
        section(text),
        {"type": "actions", "elements": buttons},
    ]


def build_unattended_notice(incident: Incident, commander: str | None, *, seq: int) -> str:
    """The digest-thread post after a third missed reminder: the incident looks unattended."""
    return (
        f":warning: {incident_ref(incident)} has had no status update through {seq} reminders "
        f"in a row; commander {mention(commander)}. It may be unattended."
    )


def build_commander_reminder(incident: Incident) -> tuple[str, list[Block]]:
    """Nobody leads the incident yet: ask, with a Take command button."""
    text = (
        f":raising_hand: Who is leading *{incident_ref(incident)}*? "
        "Nobody is incident commander yet."
    )
    take = button("Take command", ActionId.TAKE_COMMAND, incident_value(incident))
    return "Who is leading this incident?", [
        section(text),
        {"type": "actions", "elements": [take]},
    ]


def build_settled_reminder(lead: str, reason: str) -> list[Block]:
    """A reminder whose moment passed: its words stay, its buttons go, a line says why."""
    return [section(lead), context(reason)]


def settled_reason(incident: Incident, commander: str | None, *, asked_for: str) -> str | None:
    """Why a reminder's buttons no longer apply, or None while they do: every reminder once
    the incident is resolved, the call for a commander once somebody leads."""
    if incident.status in (Status.RESOLVED, Status.CLOSED):
        return f":white_check_mark: {incident_ref(incident)} is {incident.status.value}."
    if asked_for == "commander" and commander:
        return f":white_check_mark: {mention(commander)} is leading {incident_ref(incident)}."
    return None


def build_ack_breach(incident: Incident, target: timedelta, *, due_at: datetime) -> str:
    """The escalation when nobody acknowledged within the severity's target."""
    return (
        f":rotating_light: {incident_ref(incident)} ({_title(incident)}) is "
        f"{incident.severity.value.upper()} and was not acknowledged within its "
        f"{format_span(target)} target (due {date_token(due_at)}). Press *Acknowledge* on "
        "the status block to take it."
    )


def build_action_overdue_dm(
    item: ActionItem, incident: Incident, *, channel_id: str | None
) -> tuple[str, list[Block]]:
    """The owner's daily DM about an overdue action item, with a Done button."""
    where = channel_link(channel_id) if channel_id else incident_ref(incident)
    due = item.due_on.isoformat() if item.due_on else "—"
    text = (
        f":hourglass: An action item you own from {where} was due {due}:\n"
        f">{escape_mrkdwn(truncate(item.text, 500))}"
    )
    blocks: list[Block] = [section(text)]
    if item.id is not None:
        blocks.append(
            {"type": "actions", "elements": [button("Done", ActionId.ACTION_DONE, str(item.id))]}
        )
    return f"Overdue action item from {incident_ref(incident)}", blocks


def build_review_due(
    incident: Incident, commander: str | None, *, postmortem_link: str | None
) -> str:
    """The postmortem review reminder, on its due day."""
    link = f"<{postmortem_link}|postmortem draft>" if postmortem_link else "postmortem draft"
    return (
        f":calendar: {mention(commander, nobody='Team')}, the review of the {link} for "
        f"{incident_ref(incident)} ({_title(incident)}) is due today. Run `/incident reviewed` "
        "in the incident channel once it has happened."
    )
