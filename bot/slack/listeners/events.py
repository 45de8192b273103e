"""Events API: pinned or :pushpin:-marked messages join the incident timeline."""

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import parse_alert_message
from bot.core.text import plain_from_slack
from bot.services.requests import PinnedMessage
from bot.slack.guard import guarded
from bot.slack.listeners.deps import ListenerDeps

log = logging.getLogger(__name__)
PUSHPIN = "pushpin"


def parse_pinned_message(event: dict[str, Any]) -> PinnedMessage | None:
    """The message inside a `pin_added` event, when the pinned item is a message."""
    item = event.get("item") or {}
    message = item.get("message") or {}
    channel = event.get("channel_id") or item.get("channel")
    if item.get("type") != "message" or not message.get("ts") or not channel:
        return None
    return PinnedMessage(
        channel_id=channel,
        ts=str(message["ts"]),
        text=plain_from_slack(str(message.get("text", ""))),
        author=message.get("user") or message.get("bot_id"),
        permalink=message.get("permalink"),
    )


async def fetch_message(client: AsyncWebClient, channel: str, ts: str) -> PinnedMessage | None:
    """Read one message (top-level or in a thread) and its permalink from Slack."""
    history = await client.conversations_history(
        channel=channel, latest=ts, inclusive=True, limit=1
    )
    messages: list[dict[str, Any]] = history.get("messages", [])
    found = [m for m in messages if m.get("ts") == ts]
    if not found:
        try:
            replies = await client.conversations_replies(channel=channel, ts=ts, limit=1)
        except SlackApiError:
            return None
        thread: list[dict[str, Any]] = replies.get("messages", [])
        found = [m for m in thread if m.get("ts") == ts]
    if not found:
        return None
    link = await client.chat_getPermalink(channel=channel, message_ts=ts)
    message = found[0]
    return PinnedMessage(
        channel_id=channel,
        ts=ts,
        text=plain_from_slack(str(message.get("text", ""))),
        author=message.get("user") or message.get("bot_id"),
        permalink=link.get("permalink"),
    )


def is_pushpin_on_message(event: dict[str, Any]) -> bool:
    """Whether a `reaction_added` event marks a message with :pushpin:."""
    item = event.get("item") or {}
    return event.get("reaction") == PUSHPIN and item.get("type") == "message"


def may_act_on(event: dict[str, Any], deps: ListenerDeps) -> bool:
    """Whether a listener may act on this event, so that a redelivery of it must be caught.

    With `message.channels` on, every message and reaction in every channel the bot is in
    arrives here; writing each one's event_id down would grow a table with chatter.
    """
    kind = event.get("type")
    if kind == "message":
        return bool(deps.alert_channels) and (
            parse_alert_message(event, own_bot_id=deps.own_bot_id) is not None
        )
    if kind == "reaction_added":
        return is_pushpin_on_message(event)
    return kind != "pin_removed"


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach the event listeners and the redelivery filter."""

    @app.middleware
    async def skip_redelivered_events(body: dict[str, Any], next: Any) -> BoltResponse | None:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if (
            event_id
            and may_act_on(body.get("event") or {}, deps)
            and not await deps.events.claim(str(event_id))
        ):
            return BoltResponse(status=200, body="")
        await next()
        return None

    async def nobody(_text: str) -> None:
        return None

    @app.event("pin_added")
    async def handle_pin_added(event: dict[str, Any]) -> None:
        message = parse_pinned_message(event)
        if message is not None:
            await guarded(nobody, deps.timeline.record_pinned(message), deps.slots)

    @app.event("reaction_added")
    async def handle_reaction_added(event: dict[str, Any], client: AsyncWebClient) -> None:
        if not is_pushpin_on_message(event):
            return
        item = event["item"]

        async def work() -> None:
            if await deps.incidents.find_by_channel(item["channel"]) is None:
                return
            message = await fetch_message(client, item["channel"], str(item["ts"]))
            if message is not None:
                await deps.timeline.record_pinned(message)

        await guarded(nobody, work(), deps.slots)

    @app.event("pin_removed")
    async def handle_pin_removed() -> None:
        return None  # removing a pin keeps the timeline entry: history is not rewritten
