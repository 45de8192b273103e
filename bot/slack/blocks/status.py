"""The pinned status block of an incident channel, its fallback text and the channel topic."""

from collections.abc import Sequence
from datetime import datetime

from bot.incidents.ports import AlertSummary
from bot.incidents.rules.lifecycle import SEVERITY_LABELS, STATUS_LABELS, is_open
from bot.incidents.rules.roles import FIELD_LABELS
from bot.kernel.timing import between, format_span
from bot.slack.blocks.alerts import build_alerts_section
from bot.slack.blocks.followups import build_action_item_blocks, build_postmortem_line
from bot.slack.blocks.limits import (
    MAX_FIELD,
    MAX_HEADER,
    MAX_TOPIC,
    fit_mrkdwn,
    fit_plain,
)
from bot.slack.blocks.parts import (
    TIME,
    Block,
    button,
    context,
    current_commander,
    date_token,
    field,
    field_sections,
    headline_emoji,
    holders,
    incident_ref,
    incident_value,
    mention,
    mention_list,
    plain,
    section,
    short_severity,
    titled_section,
)
from bot.slack.ids import ActionId, BlockId
from storage.enums import Role, Severity, Status
from storage.models import ActionItem, Incident, IncidentRole, StatusUpdate

MAX_STATUS_TEXT = 300
MAX_SUMMARY = 1000
MAX_RESPONDERS = 600
NO_UPDATE_OPEN = "_No update yet — post one with the button below or `/incident update`._"
NO_UPDATE_DONE = "_No updates were posted._"
DRILL_LINE = "🧪 *Drill* · a drill or test: left out of insights (`/incident drill off` counts it)"
# The lifecycle times insights measure from, as `/incident timestamps` corrects them.
TIMES = (
    ("Impact start", "detected_at"),
    ("identified", "identified_at"),
    ("mitigated", "mitigated_at"),
    ("resolved", "resolved_at"),
)


def build_status_blocks(
    incident: Incident,
    roles: Sequence[IncidentRole],
    latest_update: StatusUpdate | None,
    *,
    now: datetime,
    action_items: Sequence[ActionItem] = (),
    alerts: AlertSummary | None = None,
    postmortem_link: str | None = None,
) -> list[Block]:
    """The pinned, live status block of an incident channel.

    At most 28 blocks whatever the input (each part caps its own), well inside Slack's 50.
    """
    blocks: list[Block] = [_header(incident)]
    if incident.drill:
        blocks.append(context(DRILL_LINE))
    if incident.summary.strip():
        blocks.append(section(fit_mrkdwn(incident.summary.strip(), MAX_SUMMARY)))
    blocks.extend(field_sections(_fields(incident, roles, now=now)))
    times = _times_line(incident)
    if times is not None:
        blocks.append(times)
    blocks.append({"type": "divider"})
    if incident.resolution.strip() and not is_open(Status(incident.status)):
        blocks.append(titled_section("*Resolution*", incident.resolution.strip()))
    blocks.append(_latest_update(incident, latest_update))
    public = _public_line(incident, now=now)
    if public is not None:
        blocks.append(public)
    if alerts is not None:
        blocks.extend(build_alerts_section(alerts, incident))
    postmortem = build_postmortem_line(incident, postmortem_link)
    if postmortem is not None:
        blocks.append(postmortem)
    blocks.extend(build_action_item_blocks(action_items, today=now.date()))
    actions = _actions(incident)
    if actions is not None:
        blocks.append(actions)
    blocks.append(_footer(incident, now=now))
    return blocks


def build_status_text(incident: Incident) -> str:
    """The plain notification fallback: `INC-12 · SEV2 · Investigating · Checkout is failing`."""
    head = (
        f"{incident_ref(incident)} · {short_severity(incident.severity)} · "
        f"{STATUS_LABELS[Status(incident.status)]} · "
    )
    return head + fit_mrkdwn(incident.title, MAX_STATUS_TEXT - len(head))


def build_topic(incident: Incident, commander_id: str | None) -> str:
    """The channel topic: `SEV2 | Investigating | IC <@U…> | title`, at most 250 characters."""
    head = (
        f"{short_severity(incident.severity)} | {STATUS_LABELS[Status(incident.status)]} | "
        f"IC {mention(commander_id, nobody='unassigned')} | "
    )
    return head + fit_mrkdwn(incident.title, MAX_TOPIC - len(head))


def _header(incident: Incident) -> Block:
    drill = "[Drill] " if incident.drill else ""
    text = f"{headline_emoji(incident)} {drill}{incident_ref(incident)}: {incident.title}"
    return {"type": "header", "text": plain(fit_plain(text, MAX_HEADER))}


def _fields(incident: Incident, roles: Sequence[IncidentRole], *, now: datetime) -> list[Block]:
    services = ", ".join(incident.services)
    return [
        field("Severity", SEVERITY_LABELS[Severity(incident.severity)]),
        field("Status", STATUS_LABELS[Status(incident.status)]),
        field(FIELD_LABELS[Role.COMMANDER], mention(current_commander(roles))),
        field(FIELD_LABELS[Role.COMMS], _people(roles, Role.COMMS, "_unassigned_", MAX_FIELD - 20)),
        field(
            FIELD_LABELS[Role.SCRIBE], _people(roles, Role.SCRIBE, "_unassigned_", MAX_FIELD - 20)
        ),
        field(FIELD_LABELS[Role.RESPONDER], _people(roles, Role.RESPONDER, "—", MAX_RESPONDERS)),
        field("Declared", _declared(incident, now=now)),
        field("Acknowledged", _acknowledged(incident)),
        field("Next update due", _next_update(incident, now=now)),
        field("Affected services", fit_mrkdwn(services, MAX_FIELD - 30) if services else "—"),
    ]


def _times_line(incident: Incident) -> Block | None:
    """Impact start, identified, mitigated, resolved: shown once the incident has moved past
    its start, or its impact began before it was declared."""
    shown = [(label, getattr(incident, name)) for label, name in TIMES]
    set_times = [(label, when) for label, when in shown if when is not None]
    started_earlier = incident.detected_at != incident.declared_at
    if not set_times or (len(set_times) == 1 and not started_earlier):
        return None
    return context(" · ".join(f"{label} {date_token(when)}" for label, when in set_times))


def _people(roles: Sequence[IncidentRole], role: Role, nobody: str, limit: int) -> str:
    return mention_list(holders(roles, role), limit=limit, nobody=nobody)


def _declared(incident: Incident, *, now: datetime) -> str:
    start = incident.declared_at
    if start is None:
        return "—"
    if is_open(Status(incident.status)):
        return f"{date_token(start)} (open {format_span(between(start, now))})"
    end = incident.resolved_at or incident.closed_at or now
    return f"{date_token(start)} (lasted {format_span(between(start, end))})"


def _acknowledged(incident: Incident) -> str:
    parts = []
    if incident.acknowledged_by:
        parts.append(mention(incident.acknowledged_by))
    if incident.acknowledged_at:
        parts.append(date_token(incident.acknowledged_at))
    return " · ".join(parts) or "_not yet_"


def _next_update(incident: Incident, *, now: datetime) -> str:
    due = incident.next_update_due_at
    if due is None or not is_open(Status(incident.status)):
        return "—"
    if between(due, now).total_seconds() > 0:
        return f"*overdue* since {date_token(due)}"
    return date_token(due, TIME)


def _latest_update(incident: Incident, update: StatusUpdate | None) -> Block:
    if update is None:
        empty = NO_UPDATE_OPEN if is_open(Status(incident.status)) else NO_UPDATE_DONE
        return section(f"*Latest update*\n{empty}")
    head = f"*Latest update* · {mention(update.author, nobody='someone')}"
    if update.posted_at:
        head += f" · {date_token(update.posted_at)}"
    return titled_section(head, update.text, mentions=update.mentions)


def _public_line(incident: Incident, *, now: datetime) -> Block | None:
    """What the status page last said for this incident, and how long ago it said it."""
    status, at = incident.public_status, incident.public_updated_at
    if not status or at is None:
        return None
    shown = fit_mrkdwn(status.replace("_", " "), 40)
    ago = format_span(between(at, now))
    return context(f"*Public:* {shown} · {ago} ago ({date_token(at, TIME)})")


def _actions(incident: Incident) -> Block | None:
    status = Status(incident.status)
    if status == Status.CLOSED:
        return None
    value = incident_value(incident)
    elements: list[Block] = []
    if is_open(status):
        if incident.acknowledged_at is None:
            elements.append(button("Acknowledge", ActionId.ACKNOWLEDGE, value))
        elements.append(button("Post update", ActionId.POST_UPDATE, value, style="primary"))
        elements.append(button("Change severity", ActionId.CHANGE_SEVERITY, value))
    elements.append(button("Change status", ActionId.CHANGE_STATUS, value))
    if is_open(status):
        resolve = button("Resolve", ActionId.RESOLVE, value, style="danger")
        resolve["confirm"] = _resolve_confirm(incident)
        elements.append(resolve)
    return {"type": "actions", "block_id": BlockId.STATUS_ACTIONS.value, "elements": elements}


def _resolve_confirm(incident: Incident) -> Block:
    ref = incident_ref(incident)
    return {
        "title": plain(f"Resolve {ref}?"),
        "text": plain(
            f"{ref} will be marked resolved and the update reminders stop. "
            "You can reopen it until it is closed."
        ),
        "confirm": plain("Resolve"),
        "deny": plain("Cancel"),
        "style": "danger",
    }


def _footer(incident: Incident, *, now: datetime) -> Block:
    visibility = "🔒 private channel" if incident.private else "public channel"
    return context(f"Incident #{incident.number} · {visibility} · last changed {date_token(now)}")
