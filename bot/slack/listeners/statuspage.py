"""The status page forms, opened at once (a trigger id lives three seconds): `/incident
statuspage` alone (and the Update status page button) for an incident's publication, and
`/maintenance` for scheduled maintenance."""

from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from bot.incidents.ports import ROOM
from bot.kernel.errors import DomainError
from bot.kernel.outbox import Permanent, Transient
from bot.slack.blocks.statuspage_form import build_maintenance_modal, build_statuspage_modal
from bot.slack.deps import SlackDeps
from bot.slack.handlers.comms_access import require_status_page
from bot.slack.places import SLACK

MAINTENANCE = "/maintenance"
NO_COMPONENTS = (
    "The status page has no components to put under maintenance (`components:` in warroom.yml)."
)


async def open_statuspage_form(
    deps: SlackDeps,
    client: AsyncWebClient,
    trigger_id: str,
    *,
    channel: str = "",
    incident_id: int | None = None,
) -> None:
    """Open the status page form for the incident of `channel` (or `incident_id`), prefilled."""
    public = require_status_page(deps)
    if incident_id is None:
        incident = await deps.incidents.in_channel(SLACK, ROOM, channel)
        assert incident.id is not None
        incident_id = incident.id
    modal = build_statuspage_modal(await public.draft(incident_id))
    await deps.calls.call(lambda: client.views_open(trigger_id=trigger_id, view=modal))


async def handle_maintenance_command(
    ack: AsyncAck, command: dict[str, Any], client: AsyncWebClient, context: dict[str, Any]
) -> None:
    """`/maintenance`: open the form; nothing is stored until it is submitted."""
    deps: SlackDeps = context["deps"]
    try:
        names = require_status_page(deps).component_names()
        if not names:
            raise DomainError(NO_COMPONENTS)
        modal = build_maintenance_modal(
            names, channel_id=str(command.get("channel_id") or ""), now=deps.incidents.clock()
        )
        trigger = str(command.get("trigger_id") or "")
        await deps.calls.call(lambda: client.views_open(trigger_id=trigger, view=modal))
    except DomainError as error:
        await ack(response_type="ephemeral", text=f":warning: {error.message}")
        return
    except (Transient, Permanent) as failure:
        text = f":warning: Slack did not open the form (`{failure.error}`). Please try again."
        await ack(response_type="ephemeral", text=text)
        return
    await ack()
