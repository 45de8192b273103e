"""Buttons on the status block and on reminders, once stored: one service call each."""

from bot.slack.ids import ActionId
from bot.slack.inputs import parse_id, parse_snooze
from bot.slack.requests import Handler, SlackRequest
from storage.enums import Role


def _value(request: SlackRequest) -> str:
    actions = request.body.get("actions") or [{}]
    return str(actions[0].get("value", ""))


def incident_id_of(request: SlackRequest) -> int:
    """The incident id the clicked button carries."""
    return parse_id(_value(request), "That button does not belong to an incident.")


async def acknowledge(request: SlackRequest) -> None:
    """Acknowledge: the first click counts; later ones are told who was first."""
    incident_id = incident_id_of(request)
    if await request.deps.incidents.acknowledge(incident_id, request.user):
        request.deps.metrics.acknowledged("incident")
    else:
        snapshot = await request.deps.incidents.snapshot(incident_id)
        by = snapshot.incident.acknowledged_by or "someone"
        await request.tell(f"Already acknowledged by {_who(by)}.")


async def resolve(request: SlackRequest) -> None:
    """Resolve (confirmed on the button); a second click changes nothing."""
    if not await request.deps.incidents.resolve(incident_id_of(request), request.user):
        await request.tell("The incident is already resolved.")


async def snooze(request: SlackRequest) -> None:
    """Hold the update reminder for 15, 30 or 60 minutes."""
    incident_id, minutes = parse_snooze(_value(request))
    await request.deps.updates.snooze(incident_id, request.user, minutes)
    await request.tell(f":zzz: Update reminders snoozed for {minutes} minutes.")


async def done(request: SlackRequest) -> None:
    """Mark an action item done."""
    item_id = parse_id(_value(request), "That button does not belong to an action item.")
    if not await request.deps.followups.complete_action_item(item_id, request.user):
        await request.tell("That action item was already done.")


async def take_command(request: SlackRequest) -> None:
    """The clicker becomes incident commander."""
    await request.deps.incidents.assign_role(
        incident_id_of(request), request.user, Role.COMMANDER, request.user
    )
    await request.tell("You are now the incident commander.")


def _who(user: str) -> str:
    return f"<@{user}>" if user[:1] in ("U", "W") else user


BUTTONS: dict[str, Handler] = {
    ActionId.ACKNOWLEDGE: acknowledge,
    ActionId.RESOLVE: resolve,
    ActionId.SNOOZE_15: snooze,
    ActionId.SNOOZE_30: snooze,
    ActionId.SNOOZE_60: snooze,
    ActionId.ACTION_DONE: done,
    ActionId.TAKE_COMMAND: take_command,
}
