"""Events: those a handler may act on are stored (once per event id, so Slack's retries
change nothing) before they are acknowledged; the rest are only acknowledged."""

from typing import Any

from slack_bolt.response import BoltResponse

from bot.slack.alert_messages import parse_alert_message
from bot.slack.deps import SlackDeps
from bot.slack.handlers.events import is_pushpin_on_message

EVENT = "slack.event"


def may_act_on(event: dict[str, Any], deps: SlackDeps) -> bool:
    """Whether a handler may act on this event, so that it must be stored.

    With `message.channels` on, every message and reaction in every channel the bot is in
    arrives here; storing each one would grow a table with chatter.
    """
    kind = event.get("type")
    if kind == "message":
        return bool(deps.alert_channels) and (
            parse_alert_message(event, own_bot_id=deps.own_bot_id) is not None
        )
    if kind == "reaction_added":
        return is_pushpin_on_message(event)
    return kind == "pin_added"


async def store_events(
    body: dict[str, Any], context: dict[str, Any], next: Any
) -> BoltResponse | None:
    """Middleware: store the events that matter, answer every event at once."""
    if body.get("type") != "event_callback":
        await next()
        return None
    deps: SlackDeps = context["deps"]
    event = body.get("event")
    event_id = body.get("event_id")
    if isinstance(event, dict) and event_id and may_act_on(event, deps):
        await deps.inbox.accept(f"event:{event_id}", EVENT, body)
    return BoltResponse(status=200, body="")
