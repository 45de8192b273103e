"""Which handler carries out a stored Slack request: by command, action id, callback id or
event type."""

import logging
from collections.abc import Mapping
from typing import Any

from bot.kernel.errors import DomainError
from bot.kernel.inbox import Inbox
from bot.slack.deps import SlackDeps
from bot.slack.handlers import (
    alerts,
    comms,
    events,
    incident_buttons,
    incident_corrections,
    incident_forms,
    oncall_buttons,
    paging_buttons,
)
from bot.slack.handlers.incident_commands import handle_incident_command
from bot.slack.handlers.oncall_commands import handle_oncall_command, handle_override_form
from bot.slack.ids import CallbackId
from bot.slack.inputs import parse_id
from bot.slack.listeners.actions import ACTION
from bot.slack.listeners.commands import SLASH
from bot.slack.listeners.events import EVENT
from bot.slack.listeners.oncall import ONCALL
from bot.slack.listeners.views import VIEW
from bot.slack.places import SLACK
from bot.slack.requests import Handler, SlackRequest, carry_out, report_failure

log = logging.getLogger(__name__)
BUTTONS: Mapping[str, Handler] = {
    **incident_buttons.BUTTONS,
    **alerts.BUTTONS,
    **oncall_buttons.BUTTONS,
    **paging_buttons.BUTTONS,
}
FORMS: Mapping[str, Handler] = {
    **incident_forms.FORMS,
    **incident_corrections.FORMS,
    **alerts.FORMS,
    **comms.FORMS,
    CallbackId.ONCALL_OVERRIDE: handle_override_form,
}
# Stored slash commands by command; anything else is `/incident`.
COMMANDS: Mapping[str, Handler] = {ONCALL: handle_oncall_command}


def register(inbox: Inbox, deps: SlackDeps) -> None:
    """Carry out stored Slack requests through the inbox."""

    async def failed(body: dict[str, Any], reference: str) -> None:
        await report_failure(deps, body, reference)

    async def command(body: dict[str, Any]) -> None:
        handler = COMMANDS.get(str(body.get("command") or ""), handle_incident_command)
        await carry_out(await _request(deps, body), handler)

    async def action(body: dict[str, Any]) -> None:
        actions = body.get("actions") or [{}]
        handler = BUTTONS.get(str(actions[0].get("action_id") or ""))
        if handler is not None:
            await carry_out(await _request(deps, body), handler)

    async def view(body: dict[str, Any]) -> None:
        handler = FORMS.get(str((body.get("view") or {}).get("callback_id") or ""))
        if handler is not None:
            await carry_out(await _request(deps, body), handler)

    async def event(body: dict[str, Any]) -> None:
        handler = events.EVENTS.get(str((body.get("event") or {}).get("type") or ""))
        if handler is not None:
            await carry_out(await _request(deps, body), handler)

    inbox.handle(SLASH, command, on_failure=failed)
    inbox.handle(ACTION, action, on_failure=failed)
    inbox.handle(VIEW, view, on_failure=failed)
    inbox.handle(EVENT, event)


async def _request(deps: SlackDeps, body: Mapping[str, Any]) -> SlackRequest:
    """Who asked, where, and how to answer, from a stored payload of any kind."""
    user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    view = body.get("view") or {}
    if not channel and view.get("callback_id"):
        channel = await _form_channel(deps, view)
    return SlackRequest(
        deps=deps,
        body=body,
        user=user,
        channel=str(channel) if channel else None,
        response_url=body.get("response_url"),
    )


async def _form_channel(deps: SlackDeps, view: Mapping[str, Any]) -> str | None:
    """Where a form's submitter hears back: the declare form remembers the channel it was
    opened in; an incident's form answers in the incident's channel."""
    metadata = str(view.get("private_metadata") or "")
    if metadata[:1] in ("C", "G", "D"):
        return metadata
    about_incident = (
        incident_forms.FORMS.keys() | incident_corrections.FORMS.keys() | comms.ABOUT_INCIDENT
    )
    if view.get("callback_id") in about_incident and metadata.isascii():
        try:
            incident_id = parse_id(metadata, "")
        except DomainError:
            return None
        return (await deps.incidents.rooms(SLACK, [incident_id])).get(incident_id)
    return None
