"""Button clicks: link buttons are only acknowledged; buttons that open a form open it at
once; everything else is stored before the acknowledgement."""

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.kernel.errors import DomainError
from bot.kernel.outbox import Permanent, Transient
from bot.slack.blocks.alerts import build_declare_from_alert_modal
from bot.slack.blocks.modals import build_severity_modal, build_status_modal, build_update_modal
from bot.slack.deps import SlackDeps
from bot.slack.handlers.alerts import already_declared
from bot.slack.ids import ActionId
from bot.slack.inputs import parse_id
from bot.slack.listeners.commands import form_failed
from bot.slack.listeners.statuspage import open_statuspage_form

ACTION = "slack.action"
LINK_BUTTONS = frozenset({ActionId.OPEN_CHANNEL, ActionId.OPEN_ALERT, ActionId.OPEN_RUNBOOK})
OTHER_FORMS = frozenset({ActionId.DECLARE_FROM_ALERT, ActionId.OPEN_STATUSPAGE})
INCIDENT_FORMS = {
    ActionId.POST_UPDATE: build_update_modal,
    ActionId.CHANGE_SEVERITY: build_severity_modal,
    ActionId.CHANGE_STATUS: build_status_modal,
}


async def handle_button(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    respond: AsyncRespond,
    context: dict[str, Any],
) -> None:
    """Any button the bot shows: links acknowledged, forms opened, the rest stored."""
    deps: SlackDeps = context["deps"]
    action_id = str(action.get("action_id") or "")
    if action_id in LINK_BUTTONS:
        await ack()  # Slack opens the URL itself but still expects the click acknowledged
        return
    if action_id in INCIDENT_FORMS or action_id in OTHER_FORMS:
        await ack()
        said = await _open(deps, action_id, action, body, client)
        if said:
            await respond(text=said, response_type="ephemeral", replace_original=False)
        return
    key = f"action:{body.get('trigger_id') or action.get('action_ts')}"
    await deps.inbox.accept(key, ACTION, body)
    await ack()


async def _open(
    deps: SlackDeps,
    action_id: str,
    action: dict[str, Any],
    body: dict[str, Any],
    client: AsyncWebClient,
) -> str | None:
    """Open the form a button asks for; what to tell the clicker instead, if anything."""
    trigger = str(body.get("trigger_id") or "")
    try:
        if action_id == ActionId.DECLARE_FROM_ALERT:
            group_id = parse_id(action.get("value"), "That alert offer is not valid any more.")
            view = await deps.alerts.offer(group_id)
            if view.incident is not None:
                return already_declared(view)
            modal = build_declare_from_alert_modal(view)
        elif action_id == ActionId.OPEN_STATUSPAGE:
            incident_id = parse_id(action.get("value"), "That button is not valid any more.")
            await open_statuspage_form(deps, client, trigger, incident_id=incident_id)
            return None
        else:
            incident_id = parse_id(action.get("value"), "That button is not valid any more.")
            snapshot = await deps.incidents.snapshot(incident_id)
            modal = INCIDENT_FORMS[ActionId(action_id)](snapshot.incident)
        await deps.calls.call(lambda: client.views_open(trigger_id=trigger, view=modal))
    except DomainError as error:
        return f":warning: {error.message}"
    except (Transient, Permanent) as failure:
        return form_failed(failure)
    return None
