"""Buttons on the status block: acknowledge at once, then one service call."""

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.errors import InvalidInput
from bot.slack.blocks.modals import build_severity_modal, build_status_modal, build_update_modal
from bot.slack.guard import Tell, guarded
from bot.slack.ids import ActionId
from bot.slack.listeners.deps import ListenerDeps
from storage.enums import Role


def parse_incident_id(action: dict[str, Any]) -> int:
    """The incident id a button carries in its value."""
    value = str(action.get("value", ""))
    if not value.isdigit():
        raise InvalidInput("That button does not belong to an incident.")
    return int(value)


def teller(respond: AsyncRespond) -> Tell:
    """Tell the person who clicked, ephemerally, without touching the clicked message."""

    async def tell(text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    return tell


# What a button does once acknowledged: (clicking user, the action, how to tell them).
ButtonWork = Callable[[str, dict[str, Any], Tell], Awaitable[None]]


def button(deps: ListenerDeps, work: ButtonWork) -> Any:
    """A listener that acknowledges, then runs `work` in a slot, errors told to the clicker."""

    async def handle_button(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        tell = teller(respond)
        await guarded(tell, work(body["user"]["id"], action, tell), deps.slots)

    return handle_button


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach the status-block buttons."""
    service = deps.incidents

    async def acknowledge(user: str, action: dict[str, Any], tell: Tell) -> None:
        incident_id = parse_incident_id(action)
        if not await service.acknowledge(incident_id, user):
            snap = await service.snapshot(incident_id)
            await tell(f"Already acknowledged by <@{snap.incident.acknowledged_by}>.")

    async def resolve(user: str, action: dict[str, Any], _tell: Tell) -> None:
        await service.resolve(parse_incident_id(action), user)

    app.action(ActionId.ACKNOWLEDGE)(button(deps, acknowledge))
    app.action(ActionId.RESOLVE)(button(deps, resolve))

    async def open_modal(
        client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any], build: Any
    ) -> None:
        snap = await service.snapshot(parse_incident_id(action))
        await client.views_open(trigger_id=body["trigger_id"], view=build(snap.incident))

    def modal_opener(build: Any) -> Any:
        async def handle_open_modal(
            ack: AsyncAck,
            body: dict[str, Any],
            action: dict[str, Any],
            respond: AsyncRespond,
            client: AsyncWebClient,
        ) -> None:
            await ack()
            # No slot: a trigger_id lives 3 s, so opening a form never queues.
            await guarded(teller(respond), open_modal(client, body, action, build))

        return handle_open_modal

    app.action(ActionId.POST_UPDATE)(modal_opener(build_update_modal))
    app.action(ActionId.CHANGE_SEVERITY)(modal_opener(build_severity_modal))
    app.action(ActionId.CHANGE_STATUS)(modal_opener(build_status_modal))
    register_reminder_buttons(app, deps)


def parse_snooze(action: dict[str, Any]) -> tuple[int, int]:
    """`<incident id>:<minutes>` from a Snooze button."""
    incident, _, minutes = str(action.get("value", "")).partition(":")
    if not (incident.isdigit() and minutes.isdigit()):
        raise InvalidInput("That snooze button is not valid any more.")
    return int(incident), int(minutes)


def register_reminder_buttons(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach the buttons on reminders and action items: Snooze, Done, Take command."""
    service = deps.incidents

    async def snooze(user: str, action: dict[str, Any], tell: Tell) -> None:
        incident_id, minutes = parse_snooze(action)
        await service.snooze(incident_id, user, minutes)
        await tell(f":zzz: Update reminders snoozed for {minutes} minutes.")

    async def done(user: str, action: dict[str, Any], tell: Tell) -> None:
        if not await deps.followups.complete_action_item(parse_incident_id(action), user):
            await tell("That action item was already done.")

    async def take_command(user: str, action: dict[str, Any], tell: Tell) -> None:
        await service.assign_role(parse_incident_id(action), user, Role.COMMANDER, user)
        await tell("You are now the incident commander.")

    for action_id in (ActionId.SNOOZE_15, ActionId.SNOOZE_30, ActionId.SNOOZE_60):
        app.action(action_id)(button(deps, snooze))
    app.action(ActionId.ACTION_DONE)(button(deps, done))
    app.action(ActionId.TAKE_COMMAND)(button(deps, take_command))
