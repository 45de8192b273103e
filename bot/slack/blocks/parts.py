"""Small pieces the builders share: text objects, people, dates and labels."""

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.incidents.rules.lifecycle import is_open
from bot.kernel.text import is_person, truncate
from bot.slack.blocks.limits import MAX_FIELD, MAX_FIELDS, MAX_TEXT, fit_mrkdwn
from bot.slack.mrkdwn import escape_mrkdwn
from storage.enums import Role, Severity, Status
from storage.models import Incident, IncidentRole

Block = dict[str, Any]

_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{1,31}")
_SEVERITY_EMOJI = {
    Severity.SEV1: "🚨",
    Severity.SEV2: "🔴",
    Severity.SEV3: "🟠",
    Severity.SEV4: "🟡",
}
DONE_EMOJI = "✅"
DATE_AND_TIME = "{date_short_pretty} {time}"
TIME = "{time}"


def plain(text: str) -> Block:
    """A plain_text object for text already fitted to its limit."""
    return {"type": "plain_text", "text": text, "emoji": True}


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object, cut to the text-object limit as a last guard."""
    return {"type": "mrkdwn", "text": truncate(text, MAX_TEXT)}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    """A button; `value` carries what the listener needs (an incident id)."""
    element: Block = {
        "type": "button",
        "text": plain(text),
        "action_id": str(action_id),
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def section(text: str, *, block_id: str | None = None) -> Block:
    """A section with one mrkdwn text."""
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if block_id:
        block["block_id"] = block_id
    return block


def titled_section(head: str, body: str, *, mentions: Sequence[str] = ()) -> Block:
    """A section of a trusted mrkdwn head line over rendered plain text, fitted to the limit."""
    head += "\n"
    return section(head + fit_mrkdwn(body, MAX_TEXT - len(head), mentions=mentions))


def context(*texts: str) -> Block:
    """A context block of mrkdwn texts."""
    return {"type": "context", "elements": [mrkdwn(t) for t in texts]}


def field(label: str, value: str) -> Block:
    """A section field: bold label over its value."""
    return {"type": "mrkdwn", "text": truncate(f"*{label}*\n{value}", MAX_FIELD)}


def field_sections(fields: Sequence[Block]) -> list[Block]:
    """Fields spread over as many sections as Slack's ten-field limit needs."""
    return [
        {"type": "section", "fields": list(fields[i : i + MAX_FIELDS])}
        for i in range(0, len(fields), MAX_FIELDS)
    ]


def mention(user_id: str | None, *, nobody: str = "_unassigned_") -> str:
    """`<@U…>` for a well-formed user id; anything else is shown escaped, never parsed."""
    if not user_id:
        return nobody
    if is_person(user_id):
        return f"<@{user_id}>"
    return escape_mrkdwn(user_id)


def mention_list(user_ids: Iterable[str], *, limit: int, nobody: str = "—") -> str:
    """Comma-joined mentions that fit `limit`, ending in `+N more` when they do not."""
    ids = list(dict.fromkeys(user_ids))
    shown: list[str] = []
    for index, user_id in enumerate(ids):
        more = len(ids) - index - 1
        tail = f" +{more} more" if more else ""
        candidate = ", ".join([*shown, mention(user_id)])
        if len(candidate) + len(tail) > limit:
            return (", ".join(shown) + f" +{len(ids) - index} more").strip()
        shown.append(mention(user_id))
    return ", ".join(shown) or nobody


def channel_link(channel_id: str) -> str:
    """`<#C…>` for a well-formed channel id; anything else is shown escaped."""
    if _CHANNEL_ID.fullmatch(channel_id):
        return f"<#{channel_id}>"
    return escape_mrkdwn(channel_id)


def as_utc(when: datetime) -> datetime:
    """An aware UTC datetime; naive values are taken to be UTC already."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def date_token(when: datetime, fmt: str = DATE_AND_TIME) -> str:
    """A Slack date token shown in the reader's zone, with a UTC fallback."""
    utc = as_utc(when)
    fallback = utc.strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(utc.timestamp())}^{fmt}|{fallback}>"


def short_severity(severity: Severity | str) -> str:
    """`SEV2`."""
    return Severity(severity).value.upper()


def headline_emoji(incident: Incident) -> str:
    """✅ once resolved or closed, otherwise a colour for the severity."""
    if not is_open(Status(incident.status)):
        return DONE_EMOJI
    return _SEVERITY_EMOJI[Severity(incident.severity)]


def incident_ref(incident: Incident) -> str:
    """`INC-7`."""
    return f"INC-{incident.number}"


def incident_value(incident: Incident) -> str:
    """The incident id carried in button values and modal metadata."""
    if incident.id is None:
        raise ValueError("an incident must be saved before it is rendered with actions")
    return str(incident.id)


def holders(roles: Iterable[IncidentRole], role: Role) -> list[str]:
    """User ids holding `role`, earliest assignment first, without repeats."""
    matching = [r for r in roles if r.role == role]
    ordered = sorted(
        enumerate(matching),
        key=lambda pair: (pair[1].assigned_at is not None, _sort_time(pair[1]), pair[0]),
    )
    return list(dict.fromkeys(r.user_id for _, r in ordered))


def current_commander(roles: Iterable[IncidentRole]) -> str | None:
    """The most recently assigned commander, if any."""
    commanders = holders(roles, Role.COMMANDER)
    return commanders[-1] if commanders else None


def _sort_time(role: IncidentRole) -> datetime:
    return as_utc(role.assigned_at) if role.assigned_at else datetime.min.replace(tzinfo=UTC)
