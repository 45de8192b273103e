"""Alerts in Slack: the offer to declare, the page DM, the status block's alerts, notices."""

import re
from collections.abc import Sequence
from datetime import datetime

from bot.alerts.ports import OfferView
from bot.incidents.ports import AlertSummary, IncidentSnapshot
from bot.incidents.rules.lifecycle import SEVERITY_LABELS, is_open
from bot.kernel.timing import between, format_span
from bot.paging.ports import PageView
from bot.slack.blocks.limits import MAX_TEXT, fit_mrkdwn
from bot.slack.blocks.modals import build_declare_modal
from bot.slack.blocks.parts import (
    Block,
    button,
    channel_link,
    context,
    date_token,
    incident_ref,
    incident_value,
    mention,
    plain,
    section,
    short_severity,
)
from bot.slack.ids import ActionId, BlockId, CallbackId
from storage.enums import AlertSource, AlertState, Severity, Status
from storage.models import Alert, AlertGroup, Incident

MAX_OFFER_ALERTS = 10
MAX_SHOWN_ALERTS = 5  # on the status block and in a page DM
MAX_GROUP_TITLE = 300
MAX_ALERT_TITLE = 150
MAX_SERVICE = 60
MAX_RUNBOOK_TEXT = 300
MAX_LINK = 1000  # once escaped; a longer link is shown as its title alone
MAX_FALLBACK = 300
CHANNEL_REDIRECT = "https://slack.com/app_redirect?channel="
# Fields of the declare form that `declare_from_offer` takes; the service comes from the group.
OFFER_FIELDS = frozenset({BlockId.TITLE, BlockId.SEVERITY, BlockId.SUMMARY, BlockId.PRIVATE})

# Nothing that could end a `<url|label>` link early or smuggle in markup.
_WEB_LINK = re.compile(r"https?://[^\s<>|\"]+", re.IGNORECASE)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{1,31}")
_PERSON = re.compile(r"@([UWS][A-Z0-9]{2,})")
_STATE_EMOJI = {
    AlertState.FIRING: ":red_circle:",
    AlertState.ACKNOWLEDGED: ":eyes:",
    AlertState.RESOLVED: ":white_check_mark:",
}
SOURCE_LABELS = {
    AlertSource.ALERTMANAGER: "Alertmanager",
    AlertSource.GRAFANA: "Grafana",
    AlertSource.PAGERDUTY: "PagerDuty",
    AlertSource.GENERIC: "a webhook",
    AlertSource.SLACK: "a Slack integration",
}


# -- the offer ---------------------------------------------------------------------------


def build_offer_blocks(view: OfferView, *, now: datetime) -> list[Block]:
    """An alert group offered for declaring: its alerts, the severity it would get, a button."""
    group, summary = view.group, view.alerts
    emoji = ":white_check_mark:" if summary.all_resolved else ":rotating_light:"
    title = fit_mrkdwn(_one_line(group.title) or "Alert", MAX_GROUP_TITLE)
    blocks = [section(f"{emoji} *{title}*\n{offer_counts(summary)}")]
    blocks += _alert_blocks(summary, MAX_OFFER_ALERTS)
    blocks.append(context(*_offer_facts(group, now=now)))
    if view.incident is not None:
        blocks.append(
            section(f":arrow_right: Declared as {_where(view.incident, view.incident_room)}")
        )
        return blocks
    declare = button("Declare incident", ActionId.DECLARE_FROM_ALERT, group_value(group))
    declare["style"] = "primary"
    blocks.append({"type": "actions", "elements": [declare]})
    return blocks


def build_offer_text(view: OfferView) -> str:
    """The offer's notification text: `Alert: <title> — 2 firing`."""
    tail = f" — {offer_counts(view.alerts)}"
    if view.incident is not None:
        tail += f" · declared as {incident_ref(view.incident)}"
    head = "Alert: "
    room = MAX_FALLBACK - len(head) - len(tail)
    return head + fit_mrkdwn(_one_line(view.group.title) or "alert", room) + tail


def offer_counts(summary: AlertSummary) -> str:
    """`2 firing · 1 resolved`, or `All 3 alerts resolved`."""
    if summary.all_resolved:
        return (
            "The alert resolved" if summary.total == 1 else f"All {summary.total} alerts resolved"
        )
    if summary.resolved == 0:
        return f"{summary.firing} firing"
    return f"{summary.firing} firing · {summary.resolved} resolved"


def group_value(group: AlertGroup) -> str:
    """The alert group id carried in the Declare button and the declare form's metadata."""
    if group.id is None:
        raise ValueError("an alert group must be saved before it is offered")
    return str(group.id)


def _offer_facts(group: AlertGroup, *, now: datetime) -> list[str]:
    facts = [f"Would be *{SEVERITY_LABELS[Severity(group.severity)]}*"]
    if group.service.strip():
        facts.append(f"service {fit_mrkdwn(_one_line(group.service), MAX_SERVICE)}")
    facts.append(f"from {SOURCE_LABELS.get(group.source, 'a monitoring tool')}")
    if group.created_at is not None:
        ago = format_span(between(group.created_at, now))
        facts.append(f"first seen {date_token(group.created_at)} ({ago} ago)")
    texts = [" · ".join(facts)]
    runbook = runbook_line(group.runbook)
    if runbook:
        texts.append(runbook)
    return texts


# -- the page DM -------------------------------------------------------------------------


def build_page_blocks(view: PageView, *, channel_id: str | None) -> list[Block]:
    """The DM to someone paged: what it is, why, its alerts, Acknowledge, Escalate now (while
    a further level is left) and Open channel."""
    value = str(view.escalation_id)
    elements = [button("Acknowledge", ActionId.ACKNOWLEDGE_PAGE, value, style="primary")]
    if view.can_escalate:
        elements.append(button("Escalate now", ActionId.ESCALATE_PAGE, value))
    if channel_id and _CHANNEL_ID.fullmatch(channel_id):
        elements.append(
            link_button("Open channel", ActionId.OPEN_CHANNEL, CHANNEL_REDIRECT + channel_id)
        )
    return [*_page_body(view, channel_id), {"type": "actions", "elements": elements}]


def build_page_text(view: PageView) -> str:
    """The page's notification text: `You are paged for INC-7 (SEV2): <title>`."""
    incident = view.snapshot.incident
    head = f"You are paged for {incident_ref(incident)} ({short_severity(incident.severity)}): "
    return head + fit_mrkdwn(_one_line(incident.title), MAX_FALLBACK - len(head))


def build_page_acknowledged_blocks(view: PageView, *, channel_id: str | None) -> list[Block]:
    """The page DM once someone acknowledged: no buttons, and who (the first first)."""
    who = ", ".join(mention(user) for user in view.acknowledged_by) or "someone"
    body = _page_body(view, channel_id, level=False)
    return [*body, context(f":white_check_mark: Acknowledged by {who}")]


def _page_body(view: PageView, channel_id: str | None, *, level: bool = True) -> list[Block]:
    snapshot = view.snapshot
    incident = snapshot.incident
    title = fit_mrkdwn(_one_line(incident.title), MAX_GROUP_TITLE)
    head = (
        f":rotating_light: You are paged for *{incident_ref(incident)}* "
        f"({short_severity(incident.severity)}, {title})"
    )
    if channel_id:
        head += f" in {channel_link(channel_id)}"
    blocks = [section(head)]
    if view.message:
        blocks.append(section(f"> {fit_mrkdwn(_one_line(view.message), MAX_GROUP_TITLE)}"))
    people = _PERSON.findall(view.reason)
    reason = fit_mrkdwn(view.reason, MAX_GROUP_TITLE, mentions=people)
    step = f" · level {view.level}" if level else ""  # each DM was a level of its own
    facts = f"Page {view.escalation_id}{step} · {reason}"
    blocks.append(context(facts))
    if snapshot.alerts is not None and snapshot.alerts.total:
        blocks.append(section(f"*Alerts* · {status_counts(snapshot.alerts)}"))
        blocks += _alert_blocks(snapshot.alerts, MAX_SHOWN_ALERTS)
    runbook = runbook_line(snapshot.alerts.runbook if snapshot.alerts else "")
    if runbook:
        blocks.append(context(runbook))
    return blocks


# -- the status block and the all-resolved notice ----------------------------------------


def build_alerts_section(summary: AlertSummary, incident: Incident) -> list[Block]:
    """The status block's alerts: counts, a few lines, the runbook, Mark resolved when due."""
    if summary.total == 0:
        return []
    head = section(f"*Alerts* · {status_counts(summary)}")
    if summary.all_resolved and is_open(Status(incident.status)):
        head["accessory"] = _mark_resolved(incident)
    blocks = [head, *_alert_blocks(summary, MAX_SHOWN_ALERTS)]
    runbook = runbook_line(summary.runbook)
    if runbook:
        blocks.append(context(runbook))
    return blocks


def status_counts(summary: AlertSummary) -> str:
    """`3 of 4 resolved`, `2 firing`, or `All 4 resolved`."""
    if summary.all_resolved:
        return "Resolved" if summary.total == 1 else f"All {summary.total} resolved"
    if summary.resolved == 0:
        return f"{summary.firing} firing"
    return f"{summary.resolved} of {summary.total} resolved"


def build_all_resolved_notice(snapshot: IncidentSnapshot) -> tuple[str, list[Block]]:
    """The incident channel's notice that every alert resolved, with Mark resolved while open."""
    incident = snapshot.incident
    total = snapshot.alerts.total if snapshot.alerts is not None else 0
    said = "The alert resolved" if total == 1 else f"All {total} alerts resolved"
    text = f":white_check_mark: {said}."
    if not is_open(Status(incident.status)):
        return f"{said} for {incident_ref(incident)}", [section(text)]
    block = section(f"{text} If the incident is over, mark it resolved.")
    block["accessory"] = _mark_resolved(incident)
    return f"{said} for {incident_ref(incident)}", [block]


def _mark_resolved(incident: Incident) -> Block:
    return button(
        "Mark resolved", ActionId.MARK_RESOLVED, incident_value(incident), style="primary"
    )


# -- the declare form --------------------------------------------------------------------


def build_declare_from_alert_modal(view: OfferView) -> Block:
    """The declare form for an offered alert group, prefilled from the group and its alerts."""
    group = view.group
    summary = next((a.summary for a in view.alerts.sample if a.summary.strip()), "")
    modal = build_declare_modal(
        title=_one_line(group.title),
        severity=Severity(group.severity),
        summary=summary,
        private_metadata=group_value(group),
    )
    about = f"From the alert *{fit_mrkdwn(_one_line(group.title), MAX_ALERT_TITLE)}* · "
    about += offer_counts(view.alerts)
    if group.service.strip():
        about += f" · service {fit_mrkdwn(_one_line(group.service), MAX_SERVICE)}"
    fields = [b for b in modal["blocks"] if b.get("block_id") in OFFER_FIELDS]
    modal["callback_id"] = CallbackId.DECLARE_FROM_ALERT.value
    modal["blocks"] = [context(about), *fields]
    return modal


# -- pieces ------------------------------------------------------------------------------


def describe_alert(alert: Alert) -> str:
    """One line: state emoji, title (a link when the link is a web address), service, repeats."""
    emoji = _STATE_EMOJI.get(alert.state, ":grey_question:")
    title = fit_mrkdwn(_one_line(alert.title) or "alert", MAX_ALERT_TITLE)
    link = web_link(alert.link)
    line = f"{emoji} <{link}|{title}>" if link else f"{emoji} {title}"
    if alert.service.strip():
        line += f" · {fit_mrkdwn(_one_line(alert.service), MAX_SERVICE)}"
    if alert.repeats > 0:
        line += f" · seen {alert.repeats + 1} times"
    return line


def web_link(url: str) -> str | None:
    """`url` escaped for a mrkdwn `<url|label>`, or None unless it is a plain http(s) address."""
    url = url.strip()
    if not _WEB_LINK.fullmatch(url):
        return None
    escaped = url.replace("&", "&amp;")
    return escaped if len(escaped) <= MAX_LINK else None


def runbook_line(runbook: str) -> str:
    """`:book: <url|Runbook>`, the runbook's text when it is no web address, or ""."""
    runbook = runbook.strip()
    if not runbook:
        return ""
    link = web_link(runbook)
    if link:
        return f":book: <{link}|Runbook>"
    return f":book: Runbook: {fit_mrkdwn(_one_line(runbook), MAX_RUNBOOK_TEXT)}"


def link_button(text: str, action_id: ActionId, url: str) -> Block:
    """A button that opens `url`; Slack still sends the click, which the app must ack."""
    return {"type": "button", "text": plain(text), "action_id": action_id.value, "url": url}


def _alert_blocks(summary: AlertSummary, limit: int) -> list[Block]:
    shown = summary.sample[:limit]
    blocks = _packed([describe_alert(alert) for alert in shown])
    more = summary.total - len(shown)
    if more > 0:
        blocks.append(context(f"…and {more} more"))
    return blocks


def _packed(lines: Sequence[str]) -> list[Block]:
    """Lines in as few sections as the text limit allows (each line fits one on its own)."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        joined = f"{current}\n{line}" if current else line
        if current and len(joined) > MAX_TEXT:
            blocks.append(section(current))
            joined = line
        current = joined
    if current:
        blocks.append(section(current))
    return blocks


def _where(incident: Incident, channel_id: str | None) -> str:
    if channel_id:
        return f"{channel_link(channel_id)} ({incident_ref(incident)})"
    return incident_ref(incident)


def _one_line(text: str) -> str:
    return " ".join(text.split())
