"""Events, once stored: pinned or :pushpin:-marked messages join the incident timeline, and
integration posts in watched channels become alerts."""

from collections.abc import Mapping
from typing import Any

from bot.incidents.ports import ROOM
from bot.incidents.timeline import PinnedMessage
from bot.kernel.timing import slack_ts_to_datetime
from bot.slack.calls import SlackCalls, SlackError
from bot.slack.handlers.alerts import alert_message
from bot.slack.mrkdwn import plain_from_slack, user_ids_in
from bot.slack.places import SLACK, slack_places
from bot.slack.requests import Handler, SlackRequest

PUSHPIN = "pushpin"


def pinned_message(message: Mapping[str, Any], ts: str, permalink: str | None) -> PinnedMessage:
    """A Slack message as the timeline keeps it: plain text at its own time."""
    text = str(message.get("text", ""))
    return PinnedMessage(
        source_ts=ts,
        text=plain_from_slack(text),
        author=message.get("user") or message.get("bot_id"),
        at=slack_ts_to_datetime(ts),
        permalink=permalink,
        mentions=user_ids_in(text),
    )


def is_pushpin_on_message(event: Mapping[str, Any]) -> bool:
    """Whether a `reaction_added` event marks a message with :pushpin:."""
    item = event.get("item") or {}
    return event.get("reaction") == PUSHPIN and item.get("type") == "message"


async def record(request: SlackRequest, channel: str, message: PinnedMessage) -> None:
    """Add the message to the timeline of the incident whose channel it is in, once; the
    bot's own pinned status block is not news."""
    deps = request.deps
    incident = await deps.incidents.find_by_place(SLACK, ROOM, channel)
    if incident is None or incident.id is None:
        return
    snapshot = await deps.incidents.snapshot(incident.id)
    if message.source_ts == slack_places(snapshot).status_ts:
        return
    await deps.timeline.record_pinned(incident.id, message)


async def pin_added(request: SlackRequest) -> None:
    """A message was pinned."""
    event = request.body.get("event") or {}
    item = event.get("item") or {}
    message = item.get("message") or {}
    channel = str(event.get("channel_id") or item.get("channel") or "")
    if item.get("type") != "message" or not message.get("ts") or not channel:
        return
    ts = str(message["ts"])
    await record(request, channel, pinned_message(message, ts, message.get("permalink")))


async def reaction_added(request: SlackRequest) -> None:
    """A message was marked with :pushpin:."""
    event = request.body.get("event") or {}
    if not is_pushpin_on_message(event):
        return
    item = event["item"]
    channel, ts = str(item.get("channel") or ""), str(item.get("ts") or "")
    if await request.deps.incidents.find_by_place(SLACK, ROOM, channel) is None:
        return
    message = await fetch_message(request.deps.calls, channel, ts)
    if message is not None:
        await record(request, channel, message)


async def fetch_message(calls: SlackCalls, channel: str, ts: str) -> PinnedMessage | None:
    """Read one message (top-level or in a thread) and its permalink from Slack."""
    gone = frozenset({SlackError.CHANNEL_NOT_FOUND, "thread_not_found"})
    history = await calls.call(
        lambda: calls.client.conversations_history(
            channel=channel, latest=ts, inclusive=True, limit=1
        ),
        expected=gone,
    )
    found = [m for m in history.get("messages") or [] if m.get("ts") == ts]
    if not found:
        replies = await calls.call(
            lambda: calls.client.conversations_replies(channel=channel, ts=ts, limit=1),
            expected=gone,
        )
        found = [m for m in replies.get("messages") or [] if m.get("ts") == ts]
    if not found:
        return None
    link = await calls.call(lambda: calls.client.chat_getPermalink(channel=channel, message_ts=ts))
    return pinned_message(found[0], ts, link.get("permalink"))


EVENTS: dict[str, Handler] = {
    "pin_added": pin_added,
    "reaction_added": reaction_added,
    "message": alert_message,
}
