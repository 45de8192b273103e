"""On-call buttons, once stored: Remove an override (recorded; a double click removes once)."""

from collections.abc import Mapping

from bot.slack.ids import ActionId
from bot.slack.inputs import parse_id
from bot.slack.listeners.oncall import require_oncall
from bot.slack.requests import Handler, SlackRequest


async def remove_override(request: SlackRequest) -> None:
    """Remove the override the button names; a second click is told it is gone already."""
    oncall = require_oncall(request.deps)
    actions = request.body.get("actions") or [{}]
    override_id = parse_id(actions[0].get("value"), "That button is not valid any more.")
    if await oncall.remove_override(override_id, by=request.user):
        await request.tell(
            ":wastebasket: The override is removed; the schedule's own shifts apply."
        )
    else:
        await request.tell("That override was removed already.")


BUTTONS: Mapping[str, Handler] = {ActionId.ONCALL_REMOVE_OVERRIDE: remove_override}
