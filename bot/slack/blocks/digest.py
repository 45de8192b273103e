"""The incident's announcement in the digest channel, edited in place on every change."""

from collections.abc import Sequence
from datetime import datetime

from bot.incidents.rules.lifecycle import SEVERITY_LABELS, STATUS_LABELS, is_open
from bot.kernel.timing import between, format_span
from bot.slack.blocks.followups import build_postmortem_line
from bot.slack.blocks.limits import fit_mrkdwn
from bot.slack.blocks.parts import (
    DONE_EMOJI,
    Block,
    channel_link,
    context,
    current_commander,
    date_token,
    headline_emoji,
    incident_ref,
    mention,
    section,
)
from storage.enums import Severity, Status
from storage.models import Incident, IncidentRole, StatusUpdate

MAX_DIGEST_TITLE = 400
MAX_DIGEST_UPDATE = 300


def build_digest_blocks(
    incident: Incident,
    roles: Sequence[IncidentRole],
    latest_update: StatusUpdate | None,
    *,
    now: datetime,
    channel_id: str | None = None,
    postmortem_link: str | None = None,
) -> list[Block]:
    """The announcement in the digest channel: title, state, latest update, duration."""
    where = channel_link(channel_id) if channel_id else incident_ref(incident)
    title = fit_mrkdwn(incident.title, MAX_DIGEST_TITLE)
    blocks = [
        section(f"{headline_emoji(incident)} *{where}* — {title}"),
        context(_state_line(incident, roles)),
    ]
    if latest_update is not None:
        blocks.append(_update_line(latest_update))
    status = Status(incident.status)
    if not is_open(status) and incident.declared_at is not None:
        end = incident.resolved_at or incident.closed_at or now
        span = format_span(between(incident.declared_at, end))
        blocks.append(context(f"{DONE_EMOJI} {STATUS_LABELS[status]} · lasted {span}"))
    postmortem = build_postmortem_line(incident, postmortem_link)
    if postmortem is not None:
        blocks.append(postmortem)
    return blocks


def _state_line(incident: Incident, roles: Sequence[IncidentRole]) -> str:
    parts = [
        incident_ref(incident),
        SEVERITY_LABELS[Severity(incident.severity)],
        STATUS_LABELS[Status(incident.status)],
        f"IC {mention(current_commander(roles))}",
    ]
    if incident.declared_at is not None:
        parts.append(f"declared {date_token(incident.declared_at)}")
    return " · ".join(parts)


def _update_line(update: StatusUpdate) -> Block:
    one_line = " ".join(update.text.split())
    text = fit_mrkdwn(one_line, MAX_DIGEST_UPDATE, mentions=update.mentions)
    return section(f"*Latest:* {text} — {mention(update.author, nobody='someone')}")
