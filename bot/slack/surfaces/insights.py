"""Insights in Slack: `/incident stats` and the monthly report, each a message with the figures
and its files (charts, the CSV) uploaded in the message's thread.

Safe to repeat: the message carries its effect key in its metadata, so a retry after a lost
answer finds it instead of posting again; the files are looked for by name in its thread, so
only the missing ones are uploaded.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from bot.insights.definitions import MonthlyReport, Trend
from bot.insights.posting import Attachment
from bot.kernel.outbox import Permanent
from bot.slack.blocks.insights import build_monthly_message, build_stats_message
from bot.slack.blocks.parts import Block
from bot.slack.calls import UNREADABLE, SlackCalls, SlackRefused, marker
from bot.slack.surfaces.replies import SlackReplies

INSIGHTS_EVENT = "warroom_insights"
THREAD_LOOKBACK = 200
NO_FILES = (
    ":paperclip: The charts could not be shared here (`{error}`): invite me to the channel "
    "(`/invite @warroom`) and ask again."
)


class SlackInsights:
    """Posts insights in channels (the InsightsChat port)."""

    def __init__(self, calls: SlackCalls, replies: SlackReplies) -> None:
        self.calls = calls
        self.client = calls.client
        self.replies = replies

    async def post_stats(
        self, channel: str, trend: Trend, files: Sequence[Attachment], *, key: str, retry: bool
    ) -> None:
        """The period's figures in the channel they were asked in, the chart in the thread."""
        text, blocks = build_stats_message(trend)
        ts = await self._post_once(channel, key, text, blocks, retry=retry)
        await self._upload_missing(channel, ts, files, retry=retry)

    async def post_monthly(
        self,
        channel: str,
        report: MonthlyReport,
        files: Sequence[Attachment],
        *,
        key: str,
        retry: bool,
    ) -> None:
        """The monthly report in the report channel (a name or an id), files in the thread."""
        channel_id = await self.calls.channel_id(channel.lstrip("#"))
        if channel_id is None:
            raise Permanent(f"no channel #{channel.lstrip('#')} (or the bot cannot see it)")
        text, blocks = build_monthly_message(report)
        ts = await self._post_once(channel_id, key, text, blocks, retry=retry)
        await self._upload_missing(channel_id, ts, files, retry=retry)

    async def refused(self, to: Mapping[str, Any], error: str) -> None:
        """Tell the asker the stats could not be posted where they asked."""
        if not to.get("user"):
            return
        hint = (
            " Invite me to the channel first (`/invite @warroom`)." if error in UNREADABLE else ""
        )
        text = f":warning: I could not post the stats here (`{error}`)."
        text += hint if error in UNREADABLE else ""
        await self.replies.send(to, text)

    async def _post_once(
        self, channel: str, key: str, text: str, blocks: list[Block], *, retry: bool
    ) -> str:
        if retry:
            found = await self.calls.find_posted(
                channel, INSIGHTS_EVENT, {"key": key}, thread_ts=None
            )
            if found is not None:
                return found
        metadata = marker(INSIGHTS_EVENT, key=key)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata
            )
        )
        return str(posted.get("ts") or "")

    async def _upload_missing(
        self, channel: str, thread_ts: str, files: Sequence[Attachment], *, retry: bool
    ) -> None:
        shared = await self._shared_names(channel, thread_ts) if retry else set()
        missing = [f for f in files if f.filename not in shared]
        if not missing:
            return
        uploads = [
            {"content": f.content, "filename": f.filename, "title": f.title} for f in missing
        ]
        try:
            await self.calls.call(
                lambda: self.client.files_upload_v2(
                    file_uploads=uploads, channel=channel, thread_ts=thread_ts
                )
            )
        except SlackRefused as refused:
            # The message went out (chat:write.public) but files need the bot in the channel.
            if refused.error not in UNREADABLE:
                raise
            await self._say_why_no_files(channel, thread_ts, refused.error)

    async def _say_why_no_files(self, channel: str, thread_ts: str, error: str) -> None:
        text = NO_FILES.format(error=error)
        await self.calls.call(
            lambda: self.client.chat_postMessage(channel=channel, text=text, thread_ts=thread_ts)
        )

    async def _shared_names(self, channel: str, thread_ts: str) -> set[str]:
        """Names of the files the bot already shared in the thread."""
        answer = await self.calls.call(
            lambda: self.client.conversations_replies(
                channel=channel, ts=thread_ts, limit=THREAD_LOOKBACK
            ),
            expected=UNREADABLE,
        )
        bot = await self.calls.bot_user_id()
        return {
            str(shared.get("name"))
            for message in answer.get("messages") or []
            if message.get("user") == bot
            for shared in message.get("files") or []
        }
