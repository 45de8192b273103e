"""A failing iCal feed, said under its schedule: since when, why, and which copy is shown."""

from collections.abc import Sequence

from bot.kernel.text import truncate
from bot.oncall.ports import FeedStatus
from bot.slack.blocks.limits import MAX_CONTEXT_ELEMENTS
from bot.slack.blocks.parts import Block, context, date_token
from bot.slack.mrkdwn import escape_mrkdwn

MAX_ERROR = 200  # characters of the fetch's error shown; the logs have the rest


def feed_note(status: FeedStatus) -> str:
    """`:warning: layer vendor/imported: its calendar feed has failed since … (why); showing
    the last good copy from …` (times as Slack date tokens, read in the reader's zone)."""
    since = f" since {date_token(status.failing_since)}" if status.failing_since else ""
    why = escape_mrkdwn(truncate(status.error or "no reason given", MAX_ERROR))
    if status.fetched_at is not None:
        shown = f"showing the last good copy from {date_token(status.fetched_at)}"
    else:
        shown = "it was never fetched well, so the layer is empty"
    where = f"{escape_mrkdwn(status.schedule)}/{escape_mrkdwn(status.layer)}"
    return f":warning: layer {where}: its calendar feed has failed{since} ({why}); {shown}"


def build_feed_notes(failing: Sequence[FeedStatus], schedule: str) -> list[Block]:
    """One context block naming the schedule's failing feeds; none when they are all well."""
    notes = [feed_note(status) for status in failing if status.schedule == schedule]
    return [context(*notes[:MAX_CONTEXT_ELEMENTS])] if notes else []
