"""Alert requests, once stored: Mark resolved, the declare-from-alert
form, and integration posts in watched channels."""

from typing import Any

from bot.alerts.ports import OfferView
from bot.slack.alert_messages import parse_alert_message
from bot.slack.blocks.parts import channel_link, incident_ref
from bot.slack.forms import parse_declare_form
from bot.slack.ids import ActionId, CallbackId
from bot.slack.inputs import parse_id
from bot.slack.requests import Handler, SlackRequest


def already_declared(view: OfferView) -> str:
    """What someone reads who tries to declare an alert group that already has its incident."""
    assert view.incident is not None
    where = f" {channel_link(view.incident_room)}" if view.incident_room else ""
    return f"This alert is already declared as {incident_ref(view.incident)}{where}."


def _value(request: SlackRequest) -> str:
    actions = request.body.get("actions") or [{}]
    return str(actions[0].get("value", ""))


async def mark_resolved(request: SlackRequest) -> None:
    """Resolve an incident whose alerts all resolved."""
    incident_id = parse_id(_value(request), "That button does not belong to an incident.")
    if not await request.deps.alerts.mark_resolved(incident_id, request.user):
        await request.tell("The incident is already resolved.")


async def declare_from_alert(request: SlackRequest) -> None:
    """Declare from an offer's form; the declarer hears back by DM (a form has no channel)."""
    view: dict[str, Any] = dict(request.body.get("view") or {})
    form = parse_declare_form((view.get("state") or {}).get("values") or {})
    group_id = parse_id(view.get("private_metadata"), "That alert offer is not valid any more.")
    declared = await request.deps.alerts.declare_from_offer(
        group_id,
        request.user,
        title=form.title,
        severity=form.severity,
        summary=form.summary,
        private=form.private,
        reply_to=request.reply_to,
    )
    if not declared.created:
        await request.tell(already_declared(await request.deps.alerts.offer(group_id)))


async def alert_message(request: SlackRequest) -> None:
    """An integration's alert post in a watched channel becomes an alert."""
    event = dict(request.body.get("event") or {})
    signal = parse_alert_message(event, own_bot_id=request.deps.own_bot_id)
    channel = str(event.get("channel") or "")
    if signal is None or not await request.deps.watched.watches(request.deps.calls, channel):
        return
    await request.deps.alerts.ingest_slack_message(
        signal, channel=str(event["channel"]), ts=str(event["ts"])
    )


BUTTONS: dict[str, Handler] = {
    ActionId.MARK_RESOLVED: mark_resolved,
}
FORMS: dict[str, Handler] = {CallbackId.DECLARE_FROM_ALERT: declare_from_alert}
