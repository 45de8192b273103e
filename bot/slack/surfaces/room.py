"""The incident's room in Slack: its channel, the pinned status block, the topic, updates.

Every step is safe to repeat: a channel whose creation answer was lost is adopted (found by
name, created by the bot), a status message whose answer was lost is found by its metadata,
and what was made is stored as soon as it exists.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.incidents.ports import (
    ROOM,
    STATUS,
    IncidentSnapshot,
    Place,
    PlaceStore,
    StepFailure,
)
from bot.kernel.outbox import Permanent, Transient
from bot.slack.blocks.alerts import build_all_resolved_notice
from bot.slack.blocks.messages import build_update_message
from bot.slack.blocks.parts import current_commander
from bot.slack.blocks.status import build_status_blocks, build_status_text, build_topic
from bot.slack.calls import SlackCalls, SlackError, SlackRefused, marker
from bot.slack.mrkdwn import channel_name
from bot.slack.places import SLACK, SlackPlaces, slack_places
from bot.slack.surfaces.reminders import settle_reminders
from storage.enums import Status
from storage.models import StatusUpdate

log = logging.getLogger(__name__)
MAX_NAME_ATTEMPTS = 5
STATUS_EVENT = "warroom_status"
UPDATE_EVENT = "warroom_update"
CREATE_CHANNEL = "create_channel"
TAKEN = frozenset({SlackError.NAME_TAKEN, SlackError.INVALID_NAME_SPECIALS})
INVITED = frozenset({SlackError.ALREADY_IN_CHANNEL, SlackError.CANT_INVITE_SELF})


class SlackRoom:
    """Keeps an incident's channel, status block and topic equal to a render of the database."""

    def __init__(
        self,
        calls: SlackCalls,
        places: PlaceStore,
        *,
        channel_prefix: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.calls = calls
        self.client = calls.client
        self.places = places
        self.channel_prefix = channel_prefix
        self.clock = clock

    async def sync(
        self, snapshot: IncidentSnapshot, *, invite: list[str], retry: bool
    ) -> list[StepFailure]:
        """Create what is missing (channel, pin) and edit the rest in place.

        Independent steps run side by side; the first transient failure is raised once all
        of them ended, so what succeeded is kept and the retry does only the rest.
        """
        failures: list[StepFailure] = []
        where = slack_places(snapshot)
        if where.channel is None:
            opened = await self._open(snapshot, failures, retry=retry)
            if opened is None:
                return failures
            where = replace(where, channel=opened.channel_id, channel_name=opened.data["name"])
        channel = where.channel
        assert channel is not None
        if invite:
            await self._invite(channel, invite, failures)
        steps = [
            self._status(snapshot, where, channel, failures, retry=retry),
            self._topic(snapshot, where, channel, failures),
            self._resolved_notice(snapshot, where, channel),
            settle_reminders(self.calls, self.places, snapshot),
        ]
        await _all_or_first_failure(steps)
        return failures

    async def post_update(
        self, snapshot: IncidentSnapshot, update: StatusUpdate, *, retry: bool
    ) -> None:
        """Post a formatted status update in the incident channel, once."""
        channel = slack_places(snapshot).channel
        if channel is None:
            raise Permanent("no_incident_channel")
        if retry and await self.calls.find_posted(
            channel, UPDATE_EVENT, {"update_id": update.id}, thread_ts=None
        ):
            return
        text, blocks = build_update_message(update, snapshot.incident)
        metadata = marker(UPDATE_EVENT, incident_id=snapshot.incident_id, update_id=update.id)
        await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata
            )
        )

    async def report(self, snapshot: IncidentSnapshot, failures: list[StepFailure]) -> None:
        """Say in the channel which steps failed for good, and what to do about it."""
        channel = slack_places(snapshot).channel
        if channel is None:
            return
        lines = "\n".join(f"• `{f.step}`: `{f.error}`" for f in failures)
        if all(f.step == "share_postmortem" for f in failures):
            after = (
                "the document is saved: print it with "
                f"`warroom postmortem {snapshot.incident.number}`."
            )
        else:
            after = "they are retried on the next change."
        text = f":warning: Some Slack steps failed. The incident is saved; {after}\n{lines}"
        await self.calls.call(lambda: self.client.chat_postMessage(channel=channel, text=text))

    # -- the channel ------------------------------------------------------------------------

    async def _open(
        self, snapshot: IncidentSnapshot, failures: list[StepFailure], *, retry: bool
    ) -> Place | None:
        """Create the channel, or adopt the one an earlier try made; None when refused."""
        incident = snapshot.incident
        for attempt in range(MAX_NAME_ATTEMPTS):
            suffix = f"-{attempt + 1}" if attempt else ""
            name = channel_name(self.channel_prefix, incident.number, incident.title, suffix=suffix)
            try:
                async with self.calls.channel_limit:
                    answer = await self.calls.call(
                        lambda n=name: self.client.conversations_create(  # type: ignore[misc]
                            name=n, is_private=incident.private
                        ),
                        expected=TAKEN,
                    )
            except SlackRefused as refused:
                failures.append(StepFailure(CREATE_CHANNEL, refused.error))
                return None
            channel_id = (answer.get("channel") or {}).get("id")
            if channel_id is None and answer.get("error") == SlackError.NAME_TAKEN and retry:
                channel_id = await self._ours(name)
            if channel_id is not None:
                place = Place(SLACK, ROOM, str(channel_id), data={"name": name, "topic": ""})
                await self.places.save(snapshot.incident_id, place)
                return place
        failures.append(StepFailure(CREATE_CHANNEL, SlackError.NAME_TAKEN))
        return None

    async def _ours(self, name: str) -> str | None:
        """The channel named `name` if the bot created it (an earlier try whose answer was
        lost), else None."""
        bot = await self.calls.bot_user_id()
        cursor = ""
        while True:
            page = await self.calls.call(
                lambda c=cursor: self.client.conversations_list(  # type: ignore[misc]
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=200,
                    cursor=c or None,
                )
            )
            for channel in page.get("channels") or []:
                if channel.get("name") == name and channel.get("creator") == bot:
                    return str(channel["id"])
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor:
                return None

    async def _invite(self, channel: str, users: list[str], failures: list[StepFailure]) -> None:
        # Slack caps one invite call at 100 users.
        for start in range(0, len(users), 100):
            batch = ",".join(users[start : start + 100])
            try:
                await self.calls.call(
                    lambda b=batch: self.client.conversations_invite(  # type: ignore[misc]
                        channel=channel, users=b, force=True
                    ),
                    expected=frozenset(
                        {SlackError.ALREADY_IN_CHANNEL, SlackError.CANT_INVITE_SELF}
                    ),
                )
            except SlackRefused as refused:
                failures.append(StepFailure("invite", refused.error))

    # -- the status block and the topic -----------------------------------------------------

    async def _status(
        self,
        snapshot: IncidentSnapshot,
        where: SlackPlaces,
        channel: str,
        failures: list[StepFailure],
        *,
        retry: bool,
    ) -> None:
        incident = snapshot.incident
        text = build_status_text(incident)
        blocks = build_status_blocks(
            incident,
            snapshot.roles,
            snapshot.latest_update,
            now=self.clock(),
            action_items=snapshot.action_items,
            alerts=snapshot.alerts,
            postmortem_link=where.postmortem_link,
        )
        ts, pinned = where.status_ts, where.status_pinned
        step = "update_status"
        try:
            if ts is not None:
                old = ts
                edited = await self.calls.call(
                    lambda: self.client.chat_update(
                        channel=channel, ts=old, text=text, blocks=blocks
                    ),
                    expected=frozenset({SlackError.MESSAGE_NOT_FOUND}),
                )
                if edited.get("error"):
                    ts, pinned = None, False  # deleted: post a new one and pin it
            if ts is None:
                step = "post_status"
                ts = await self._post_status(snapshot, channel, text, blocks, retry=retry)
                await self._save_status(snapshot, channel, ts, pinned=False)
            if not pinned:
                step, posted = "pin_status", ts
                await self.calls.call(
                    lambda: self.client.pins_add(channel=channel, timestamp=posted),
                    expected=frozenset({SlackError.ALREADY_PINNED}),
                )
                await self._save_status(snapshot, channel, ts, pinned=True)
        except SlackRefused as refused:
            failures.append(StepFailure(step, refused.error))

    async def _post_status(
        self,
        snapshot: IncidentSnapshot,
        channel: str,
        text: str,
        blocks: list[dict[str, Any]],
        *,
        retry: bool,
    ) -> str:
        found = None
        if retry:
            match = {"incident_id": snapshot.incident_id}
            found = await self.calls.find_posted(channel, STATUS_EVENT, match, thread_ts=None)
        if found is not None:
            await self.calls.call(
                lambda: self.client.chat_update(channel=channel, ts=found, text=text, blocks=blocks)
            )
            return found
        metadata = marker(STATUS_EVENT, incident_id=snapshot.incident_id)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata
            )
        )
        return str(posted["ts"])

    async def _save_status(
        self, snapshot: IncidentSnapshot, channel: str, ts: str, *, pinned: bool
    ) -> None:
        place = Place(SLACK, STATUS, channel, ts, {"pinned": pinned})
        await self.places.save(snapshot.incident_id, place)

    async def _topic(
        self,
        snapshot: IncidentSnapshot,
        where: SlackPlaces,
        channel: str,
        failures: list[StepFailure],
    ) -> None:
        topic = build_topic(snapshot.incident, current_commander(snapshot.roles))
        if topic == where.topic:
            return
        try:
            await self.calls.call(
                lambda: self.client.conversations_setTopic(channel=channel, topic=topic)
            )
        except SlackRefused as refused:
            failures.append(StepFailure("set_topic", refused.error))
            return
        data = {"name": where.channel_name or "", "topic": topic}
        await self.places.save(snapshot.incident_id, Place(SLACK, ROOM, channel, data=data))

    async def _resolved_notice(
        self, snapshot: IncidentSnapshot, where: SlackPlaces, channel: str
    ) -> None:
        """Once the incident is resolved, its all-resolved notice loses the Mark resolved
        button (best effort). Only while resolved: every incident passes through resolved on
        its way to closed, so the publishes after closing need not edit it again."""
        ts = where.notice_ts
        if ts is None or snapshot.incident.status != Status.RESOLVED:
            return
        text, blocks = build_all_resolved_notice(snapshot)
        try:
            await self.calls.call(
                lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
            )
        except SlackRefused as refused:
            log.warning("could not edit the all-resolved notice in %s: %s", channel, refused.error)


async def _all_or_first_failure(steps: Sequence[Awaitable[None]]) -> None:
    """Run steps side by side to the end; then raise the first failure, if any."""
    outcomes = await asyncio.gather(*steps, return_exceptions=True)
    for outcome in outcomes:
        if isinstance(outcome, Transient):
            raise outcome
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
