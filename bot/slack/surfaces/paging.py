"""Pages in Slack: a DM per person (a user group member by member, a channel gets a post),
edited in place once acknowledged; what a page says in the incident's channel and digest; DMs
for test pages and their results.

Each message carries metadata naming what it is for, so a retry after a lost answer finds the
message it already posted instead of posting it twice.
"""

import logging
from typing import Any

from bot.incidents.ports import IncidentSnapshot
from bot.kernel.outbox import Permanent
from bot.paging.ports import PageView, Shown
from bot.slack.blocks.alerts import (
    build_page_acknowledged_blocks,
    build_page_blocks,
    build_page_text,
)
from bot.slack.blocks.limits import fit_mrkdwn
from bot.slack.calls import SlackCalls, SlackRefused, marker
from bot.slack.places import slack_places

log = logging.getLogger(__name__)
PAGE_EVENT = "warroom_page"
TELL_EVENT = "warroom_page_notice"
MAX_NOTICE = 2000


class SlackPages:
    """Pages people by DM and says what became of a page."""

    def __init__(self, calls: SlackCalls) -> None:
        self.calls = calls
        self.client = calls.client

    async def send_page(
        self, notification_id: int, target: str, view: PageView, *, retry: bool
    ) -> list[Shown]:
        """DM the target, or each member of a user group, or post in a named channel; fails
        only when nobody got it."""
        channel = slack_places(view.snapshot).channel
        text, blocks = build_page_text(view), build_page_blocks(view, channel_id=channel)
        sent: list[Shown] = []
        refused: SlackRefused | None = None
        for place in await self._places(target):
            try:
                sent.append(await self._post(notification_id, place, text, blocks, retry=retry))
            except SlackRefused as failure:
                log.warning("could not page %s (from %s): %s", place, target, failure.error)
                refused = failure
        if not sent:
            raise refused or SlackRefused("no_members")
        return sent

    async def show_acknowledged(self, messages: list[Shown], view: PageView) -> None:
        """Edit each page DM to say who acknowledged; one that cannot be edited is skipped."""
        channel = slack_places(view.snapshot).channel
        text = build_page_text(view)
        blocks = build_page_acknowledged_blocks(view, channel_id=channel)
        for message in messages:
            try:
                await self.calls.call(
                    lambda m=message: self.client.chat_update(  # type: ignore[misc]
                        channel=m.channel, ts=m.ts, text=text, blocks=blocks
                    )
                )
            except SlackRefused as failure:
                log.warning("could not edit page %s/%s: %s", message.channel, message.ts, failure)

    async def tell_incident(
        self, snapshot: IncidentSnapshot, text: str, *, key: str, retry: bool
    ) -> None:
        """One post in the incident's channel, and one in its digest thread when it has one."""
        places = slack_places(snapshot)
        if places.channel is None:
            raise Permanent("no_incident_channel")
        shown = ":warning: " + fit_mrkdwn(text, MAX_NOTICE)
        await self._once(places.channel, None, shown, key, retry=retry)
        if places.digest_channel and places.digest_ts:
            await self._once(places.digest_channel, places.digest_ts, shown, key, retry=retry)

    async def tell_person(self, user: str, text: str, *, key: str, retry: bool) -> Shown:
        """One DM to a person."""
        channel = await self.calls.open_dm(user)
        ts = await self._once(channel, None, fit_mrkdwn(text, MAX_NOTICE), key, retry=retry)
        return Shown(channel, ts)

    async def _once(
        self, channel: str, thread_ts: str | None, text: str, key: str, *, retry: bool
    ) -> str:
        """Post, unless a retry finds the post made before a lost answer."""
        if retry:
            found = await self.calls.find_posted(
                channel, TELL_EVENT, {"key": key}, thread_ts=thread_ts
            )
            if found is not None:
                return found
        thread: dict[str, Any] = {"thread_ts": thread_ts} if thread_ts else {}
        metadata = marker(TELL_EVENT, key=key)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, metadata=metadata, **thread
            )
        )
        return str(posted["ts"])

    async def _places(self, target: str) -> list[str]:
        """Where a target's page goes: a person's DM, each group member's, a channel."""
        if target[:1] in ("U", "W"):
            return [await self.calls.open_dm(target)]
        if target.startswith("channel:"):
            found = await self.calls.channel_id(target.removeprefix("channel:"))
            if found is None:
                raise Permanent(f"no channel {target.removeprefix('channel:')}")
            return [found]
        if not target.startswith("S"):
            raise Permanent("invalid_page_target")
        listed = await self.calls.call(lambda: self.client.usergroups_users_list(usergroup=target))
        members = dict.fromkeys(str(user) for user in listed.get("users") or [])
        return [await self.calls.open_dm(user) for user in members]

    async def _post(
        self,
        notification_id: int,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        *,
        retry: bool,
    ) -> Shown:
        if retry:
            match = {"notification_id": notification_id}
            found = await self.calls.find_posted(channel, PAGE_EVENT, match, thread_ts=None)
            if found is not None:
                return Shown(channel, found)
        metadata = marker(PAGE_EVENT, notification_id=notification_id)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata
            )
        )
        return Shown(channel, str(posted["ts"]))
