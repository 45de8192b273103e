"""Reminders in Slack: the channel nag, the commander's DM, the digest thread.

The channel post is the delivery, marked with the reminder's id: a retry after a lost answer
finds it and does not post it twice. What follows it (a DM, a digest reply) is best effort.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from bot.incidents.ports import IncidentSnapshot
from bot.incidents.rules.cadence import CadencePolicy
from bot.kernel.outbox import Permanent, Transient
from bot.slack.blocks.parts import current_commander
from bot.slack.blocks.reminders import (
    build_ack_breach,
    build_action_overdue_dm,
    build_commander_reminder,
    build_review_due,
    build_unattended_notice,
    build_update_reminder,
    build_update_reminder_dm,
)
from bot.slack.calls import SlackCalls, SlackRefused, marker
from bot.slack.places import SlackPlaces, slack_places
from storage.enums import ReminderKind, Severity
from storage.models import Reminder

log = logging.getLogger(__name__)
REMINDER_EVENT = "warroom_reminder"
DM_FROM = 2  # the second missed reminder in a row also goes to the commander by DM
DIGEST_FROM = 3  # the third tells stakeholders in the digest thread


class SlackReminders:
    """Delivers reminders to Slack."""

    def __init__(
        self, calls: SlackCalls, *, policy: CadencePolicy, clock: Callable[[], datetime]
    ) -> None:
        self.calls = calls
        self.client = calls.client
        self.policy = policy
        self.clock = clock

    async def send(self, reminder: Reminder, snapshot: IncidentSnapshot, *, retry: bool) -> None:
        """Deliver one reminder."""
        where = slack_places(snapshot)
        if where.channel is None:
            raise Permanent("no_incident_channel")
        if reminder.kind == ReminderKind.ACTION_OVERDUE:
            await self._action_overdue(reminder, snapshot, where)
            return
        if retry and await self.calls.find_posted(
            where.channel, REMINDER_EVENT, {"reminder_id": reminder.id}, thread_ts=None
        ):
            return  # posted before its answer was lost; the follow-ups were best effort
        if reminder.kind == ReminderKind.UPDATE_DUE:
            await self._update_due(reminder, snapshot, where, where.channel)
        elif reminder.kind == ReminderKind.COMMANDER_MISSING:
            text, blocks = build_commander_reminder(snapshot.incident)
            await self._post(reminder, where.channel, text, blocks)
        elif reminder.kind == ReminderKind.REVIEW_DUE:
            await self._review_due(reminder, snapshot, where, where.channel)
        elif reminder.kind == ReminderKind.ACK_BREACH:
            incident = snapshot.incident
            target = self.policy.ack_target(Severity(incident.severity))
            text = build_ack_breach(incident, target, due_at=reminder.due_at)
            await self._post(reminder, where.channel, text, [])
            await self._also("digest_thread", self._to_digest_thread(snapshot, where, text))

    async def _post(
        self, reminder: Reminder, channel: str, text: str, blocks: list[dict[str, Any]]
    ) -> None:
        metadata = marker(REMINDER_EVENT, reminder_id=reminder.id)
        extra: dict[str, Any] = {"blocks": blocks} if blocks else {}
        await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, metadata=metadata, **extra
            )
        )

    async def _update_due(
        self, reminder: Reminder, snapshot: IncidentSnapshot, where: SlackPlaces, channel: str
    ) -> None:
        incident = snapshot.incident
        commander = current_commander(snapshot.roles)
        text, blocks = build_update_reminder(
            incident, commander, seq=reminder.seq, now=self.clock()
        )
        await self._post(reminder, channel, text, blocks)
        # The channel post is the delivery; what follows must never make it repeat.
        if reminder.seq >= DM_FROM and commander:
            dm_text, dm_blocks = build_update_reminder_dm(
                incident, seq=reminder.seq, channel_id=channel
            )
            await self._also("dm_commander", self._dm(commander, dm_text, dm_blocks))
        if reminder.seq >= DIGEST_FROM:
            notice = build_unattended_notice(incident, commander, seq=reminder.seq)
            await self._also("digest_thread", self._to_digest_thread(snapshot, where, notice))

    async def _action_overdue(
        self, reminder: Reminder, snapshot: IncidentSnapshot, where: SlackPlaces
    ) -> None:
        item = next((i for i in snapshot.action_items if i.id == reminder.subject_id), None)
        if item is None or item.done_at is not None or item.owner is None:
            return  # done (or gone) since it was claimed: nothing to say
        text, blocks = build_action_overdue_dm(item, snapshot.incident, channel_id=where.channel)
        await self._dm(item.owner, text, blocks)

    async def _review_due(
        self, reminder: Reminder, snapshot: IncidentSnapshot, where: SlackPlaces, channel: str
    ) -> None:
        incident = snapshot.incident
        if incident.reviewed_at is not None:
            return
        commander = current_commander(snapshot.roles)
        text = build_review_due(incident, commander, postmortem_link=where.postmortem_link)
        await self._post(reminder, channel, text, [])
        if commander:
            await self._also("dm_commander", self._dm(commander, text, []))

    async def _also(self, step: str, work: Awaitable[None]) -> None:
        """A follow-up to a delivered reminder: logged if it fails, never retried as a whole."""
        try:
            await work
        except (SlackRefused, Transient) as failure:
            log.warning("reminder follow-up %s failed: %s", step, failure)

    async def _dm(self, user: str, text: str, blocks: list[dict[str, Any]]) -> None:
        channel = await self.calls.open_dm(user)
        extra: dict[str, Any] = {"blocks": blocks} if blocks else {}
        await self.calls.call(
            lambda: self.client.chat_postMessage(channel=channel, text=text, **extra)
        )

    async def _to_digest_thread(
        self, snapshot: IncidentSnapshot, where: SlackPlaces, text: str
    ) -> None:
        if snapshot.incident.private or not (where.digest_channel and where.digest_ts):
            return  # private incidents have no digest post to reply to
        channel, ts = where.digest_channel, where.digest_ts
        await self.calls.call(
            lambda: self.client.chat_postMessage(channel=channel, thread_ts=ts, text=text)
        )
