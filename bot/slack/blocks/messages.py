"""Messages the bot posts: status updates, the open-incident list and short notices."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.incidents.rules.lifecycle import STATUS_LABELS, is_open
from bot.kernel.text import truncate
from bot.kernel.timing import between, format_span
from bot.slack.blocks.limits import MAX_TEXT, fit_mrkdwn, split_mrkdwn
from bot.slack.blocks.parts import (
    Block,
    channel_link,
    context,
    date_token,
    incident_ref,
    mention,
    section,
    short_severity,
)
from storage.enums import Status
from storage.models import Incident, StatusUpdate

MAX_UPDATE_CHARS = 12_000
MAX_UPDATE_SECTIONS = 6
MAX_FALLBACK = 300
MAX_LISTED = 45
MAX_LIST_TITLE = 150
TRUNCATED = "… (truncated)"
NO_OPEN_INCIDENTS = "No open incidents. :tada:"


def build_update_message(update: StatusUpdate, incident: Incident) -> tuple[str, list[Block]]:
    """A status update as posted in the incident channel: fallback text and blocks."""
    status = STATUS_LABELS[Status(update.status)]
    severity = short_severity(update.severity)
    body = truncate(update.text.strip(), MAX_UPDATE_CHARS, marker=TRUNCATED)
    pieces = split_mrkdwn(
        body,
        MAX_TEXT,
        max_parts=MAX_UPDATE_SECTIONS,
        mentions=update.mentions,
        marker=TRUNCATED,
    )
    blocks = [section(f"📣 *Update* · {status} · {severity}")]
    blocks.extend(section(piece) for piece in pieces)
    posted = f"Posted by {mention(update.author, nobody='someone')}"
    if update.posted_at:
        posted += f" · {date_token(update.posted_at)}"
    blocks.append(context(posted))
    head = f"{incident_ref(incident)} update ({status}): "
    one_line = " ".join(update.text.split())
    text = head + fit_mrkdwn(one_line, MAX_FALLBACK - len(head), mentions=update.mentions)
    return text, blocks


def build_incident_list(
    incidents: Sequence[Incident],
    *,
    now: datetime,
    commanders: Mapping[int, str] | None = None,
    rooms: Mapping[int, str] | None = None,
) -> list[Block]:
    """`/incident list`: one line per open incident, in the order given.

    `commanders` maps an incident id to its commander's user id; without it the IC is
    left out rather than shown wrongly as unassigned.
    """
    open_incidents = [i for i in incidents if is_open(Status(i.status))]
    if not open_incidents:
        return [section(NO_OPEN_INCIDENTS)]
    count = len(open_incidents)
    noun = "incident" if count == 1 else "incidents"
    blocks = [section(f"*{count} open {noun}*")]
    shown = open_incidents if count <= MAX_LISTED else open_incidents[:MAX_LISTED]
    for incident in shown:
        room = (rooms or {}).get(incident.id or 0)
        blocks.append(section(_list_line(incident, commanders, room, now=now)))
    if count > len(shown):
        blocks.append(context(f"…and {count - len(shown)} more"))
    return blocks


def build_notice(text: str) -> list[Block]:
    """A single section for a short bot notice; `text` is trusted mrkdwn composed by the bot."""
    return [section(text)]


def _list_line(
    incident: Incident, commanders: Mapping[int, str] | None, room: str | None, *, now: datetime
) -> str:
    where = f"{channel_link(room)} " if room else ""
    parts = [
        f"{where}*{incident_ref(incident)}* {fit_mrkdwn(incident.title, MAX_LIST_TITLE)}",
        short_severity(incident.severity),
        STATUS_LABELS[Status(incident.status)],
    ]
    if commanders is not None:
        commander = commanders.get(incident.id) if incident.id is not None else None
        parts.append(f"IC {mention(commander)}")
    if incident.declared_at is not None:
        parts.append(f"open for {format_span(between(incident.declared_at, now))}")
    return " · ".join(parts)
