"""`/incident`: parse, answer help and typos at once, open forms at once (a trigger id lives
three seconds), and store everything else before acknowledging it."""

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.incidents.ports import ROOM
from bot.kernel.errors import DomainError
from bot.kernel.outbox import Permanent, Transient
from bot.slack.blocks.help import build_help_blocks
from bot.slack.blocks.modals import (
    build_action_modal,
    build_declare_modal,
    build_resolve_modal,
    build_update_modal,
)
from bot.slack.blocks.timestamps import build_timestamps_modal
from bot.slack.commands.comms import PublishStatusPage
from bot.slack.commands.incident import (
    AddAction,
    Command,
    Declare,
    PostUpdate,
    Resolve,
    ShowHelp,
    parse_command,
)
from bot.slack.commands.insights import CorrectTimes
from bot.slack.deps import SlackDeps
from bot.slack.listeners.statuspage import open_statuspage_form
from bot.slack.places import SLACK

COMMAND = "/incident"
SLASH = "slack.command"
# Commands that open a form instead of doing something: the form opens before the ack.
INCIDENT_FORMS = {
    PostUpdate(text=""): build_update_modal,
    AddAction(text=""): build_action_modal,
    Resolve(summary=""): build_resolve_modal,
    CorrectTimes(): build_timestamps_modal,
}


async def handle_incident_command(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """`/incident …`: help and typos answered at once, forms opened, the rest stored."""
    deps: SlackDeps = context["deps"]
    user = str(command.get("user_id") or "")
    try:
        parsed = parse_command(str(command.get("text") or ""), user_id=user)
        if isinstance(parsed, ShowHelp):
            blocks = build_help_blocks(parsed.unknown)
            await ack(response_type="ephemeral", text="How to use /incident", blocks=blocks)
            return
        if await _open_form(deps, parsed, command, client):
            await ack()
            return
    except DomainError as error:
        await ack(response_type="ephemeral", text=f":warning: {error.message}")
        return
    except (Transient, Permanent) as failure:
        await ack(response_type="ephemeral", text=form_failed(failure))
        return
    key = f"slash:{command.get('trigger_id') or command.get('user_id')}"
    await deps.inbox.accept(key, SLASH, command)
    await ack()


async def _open_form(
    deps: SlackDeps, parsed: Command, command: dict[str, Any], client: AsyncWebClient
) -> bool:
    """Open the form a bare command asks for; whether it was one."""
    trigger = str(command.get("trigger_id") or "")
    if isinstance(parsed, Declare) and not parsed.title:
        channel = str(command.get("channel_id") or "")
        modal = build_declare_modal(private_metadata=channel, drill=parsed.drill)
        await deps.calls.call(lambda: client.views_open(trigger_id=trigger, view=modal))
        return True
    if parsed == PublishStatusPage():
        channel = str(command.get("channel_id") or "")
        await open_statuspage_form(deps, client, trigger, channel=channel)
        return True
    build = INCIDENT_FORMS.get(parsed)
    if build is None:
        return False
    channel = str(command.get("channel_id") or "")
    incident = await deps.incidents.in_channel(SLACK, ROOM, channel)
    await deps.calls.call(lambda: client.views_open(trigger_id=trigger, view=build(incident)))
    return True


def form_failed(failure: Transient | Permanent) -> str:
    """What someone reads when Slack would not open the form they asked for."""
    return f":warning: Slack did not open the form (`{failure.error}`). Please try again."
