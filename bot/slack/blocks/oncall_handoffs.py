"""Handoff messages: the incoming person's DM, the outgoing person's, the channel post.

Times are Slack date tokens, so each reader sees them in their own time zone.
"""

from collections.abc import Sequence

from bot.oncall.ports import Fired, HandedOverIncident, HandoffView
from bot.slack.blocks.limits import MAX_TEXT, fit_mrkdwn
from bot.slack.blocks.parts import Block, channel_link, context, date_token, mention, section
from bot.slack.blocks.parts import short_severity as severity_label
from bot.slack.mrkdwn import escape_mrkdwn

MAX_LISTED = 15  # open incidents listed by name; the rest are counted


def _who(users: Sequence[str]) -> str:
    return ", ".join(mention(u) for u in users) or "nobody"


def _until(view: HandoffView) -> str:
    text = f" until {date_token(view.until)}" if view.until else ""
    if view.next_person:
        text += f", then {mention(view.next_person)}"
    return text


def _group(view: HandoffView) -> str:
    return f"@{escape_mrkdwn(view.user_group.removeprefix('@'))}" if view.user_group else ""


def build_incoming_dm(view: HandoffView) -> tuple[str, list[Block]]:
    """You have the pager: until when, what is open, what fired during the last shift."""
    schedule = escape_mrkdwn(view.schedule)
    text = f":pager: You are on call for {schedule} from {date_token(view.at)}{_until(view)}."
    blocks = [section(f"{text}\nHanded over by {_who(view.outgoing)}.")]
    blocks.append(section(_open_incidents(view.open_incidents)))
    blocks.append(section(_fired(view)))
    if view.user_group:
        blocks.append(context(f"You are in the {_group(view)} user group now."))
    return f"You are on call for {view.schedule} now.", blocks


def build_outgoing_dm(view: HandoffView) -> tuple[str, list[Block]]:
    """Your shift ended: who has the pager now (or that nobody does)."""
    schedule = escape_mrkdwn(view.schedule)
    if view.incoming:
        after = f"{_who(view.incoming)} has the pager now{_until(view)}."
    else:
        after = f":warning: Nobody is on call in {schedule} after you{_until(view)}."
    text = f":wave: Your on-call shift in {schedule} ended at {date_token(view.at)}. {after}"
    blocks = [section(text), context(_fired_count(view))]
    return f"Your on-call shift in {view.schedule} ended.", blocks


def build_handoff_post(view: HandoffView) -> tuple[str, list[Block]]:
    """The handoff channel's post; with nobody on call, says so and why the group is kept."""
    schedule = escape_mrkdwn(view.schedule)
    if view.incoming:
        head = (
            f":pager: *{schedule}* handoff at {date_token(view.at)}: {_who(view.outgoing)} → "
            f"{_who(view.incoming)}, on call{_until(view)}."
        )
        summary = f"{view.schedule}: on-call handoff"
    else:
        head = (
            f":warning: *{schedule}*: nobody is on call from {date_token(view.at)}"
            f"{_until(view) or ' until further notice'}. Page someone by hand if needed."
        )
        if view.user_group and view.outgoing:
            head += (
                f"\nThe {_group(view)} user group keeps {_who(view.outgoing)}: Slack cannot "
                "empty a user group."
            )
        summary = f"{view.schedule}: nobody on call"
    count = len(view.open_incidents)
    tail = f"{count} open incident{'s' if count != 1 else ''}. {_fired_count(view)}"
    return summary, [section(head), context(tail)]


def _open_incidents(incidents: Sequence[HandedOverIncident]) -> str:
    if not incidents:
        return "*Open incidents:* none."
    named = [i for i in incidents if not i.private]
    hidden = len(incidents) - len(named)
    lines = [f"*Open incidents ({len(incidents)})*"]
    for incident in named[:MAX_LISTED]:
        title = fit_mrkdwn(incident.title, 150)
        room = f" · {channel_link(incident.room)}" if incident.room else ""
        lines.append(
            f"• {severity_label(incident.severity)} INC-{incident.number} {title} · "
            f"{escape_mrkdwn(incident.status)}{room}"
        )
    more = len(named) - MAX_LISTED
    if more > 0:
        lines.append(f"…and {more} more: `/incident list`.")
    if hidden:
        lines.append(f"…and {hidden} private incident{'s' if hidden != 1 else ''}.")
    return "\n".join(lines)[:MAX_TEXT]


def _fired(view: HandoffView) -> str:
    since = date_token(view.since)
    if not view.fired_total:
        return f"*During the last shift* (since {since}): nothing fired."
    lines = [f"*During the last shift* (since {since}): {view.fired_total} fired"]
    lines += [_fired_line(f) for f in view.fired]
    hidden = view.fired_total - len(view.fired)
    if hidden > 0:
        lines.append(f"…and {hidden} more.")
    return "\n".join(lines)[:MAX_TEXT]


def _fired_line(fired: Fired) -> str:
    when = date_token(fired.at)
    incident = f" → INC-{fired.incident_number}" if fired.incident_number else ""
    if fired.private:
        return f"• {when} a private incident{incident}"
    what = "alert" if fired.kind == "alert" else "incident declared"
    return f"• {when} {what}: {fit_mrkdwn(fired.title, 150)}{incident}"


def _fired_count(view: HandoffView) -> str:
    if not view.fired_total:
        return "Nothing fired during the shift."
    things = "thing" if view.fired_total == 1 else "things"
    return f"{view.fired_total} {things} fired during the shift."
