"""The Slack side of the reminder port: channel nags, the commander's DM, the digest thread."""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cadence import CadencePolicy
from bot.services.ports import IncidentSnapshot, ReminderNotSent
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
from storage.enums import ReminderKind, Severity
from storage.models import Reminder

log = logging.getLogger(__name__)
DM_FROM = 2  # the second missed reminder in a row also goes to the commander by DM
DIGEST_FROM = 3  # the third tells stakeholders in the digest thread


class SlackReminders:
    """Delivers reminders to Slack."""

    def __init__(
        self, client: AsyncWebClient, *, policy: CadencePolicy, clock: Callable[[], datetime]
    ) -> None:
        self.client = client
        self.policy = policy
        self.clock = clock

    async def send(self, reminder: Reminder, snapshot: IncidentSnapshot) -> None:
        """Deliver one reminder, or raise ReminderNotSent with Slack's error."""
        incident = snapshot.incident
        if incident.channel_id is None:
            raise ReminderNotSent("no_incident_channel")
        try:
            if reminder.kind == ReminderKind.UPDATE_DUE:
                await self._update_due(reminder, snapshot, incident.channel_id)
            elif reminder.kind == ReminderKind.COMMANDER_MISSING:
                text, blocks = build_commander_reminder(incident)
                await self.client.chat_postMessage(
                    channel=incident.channel_id, text=text, blocks=blocks
                )
            elif reminder.kind == ReminderKind.ACTION_OVERDUE:
                await self._action_overdue(reminder, snapshot)
            elif reminder.kind == ReminderKind.REVIEW_DUE:
                await self._review_due(snapshot, incident.channel_id)
            elif reminder.kind == ReminderKind.ACK_BREACH:
                target = self.policy.ack_target(Severity(incident.severity))
                text = build_ack_breach(incident, target, due_at=reminder.due_at)
                await self.client.chat_postMessage(channel=incident.channel_id, text=text)
                await self._also("digest_thread", self._to_digest_thread(snapshot, text))
        except SlackApiError as error:
            raise ReminderNotSent(str(error.response.get("error", "unknown_error"))) from error

    async def _update_due(
        self, reminder: Reminder, snapshot: IncidentSnapshot, channel: str
    ) -> None:
        incident = snapshot.incident
        commander = current_commander(snapshot.roles)
        text, blocks = build_update_reminder(
            incident, commander, seq=reminder.seq, now=self.clock()
        )
        await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        # The channel post is the delivery; what follows must never make it repeat.
        if reminder.seq >= DM_FROM and commander:
            dm_text, dm_blocks = build_update_reminder_dm(incident, seq=reminder.seq)
            await self._also("dm_commander", self._dm(commander, dm_text, dm_blocks))
        if reminder.seq >= DIGEST_FROM:
            notice = build_unattended_notice(incident, commander, seq=reminder.seq)
            await self._also("digest_thread", self._to_digest_thread(snapshot, notice))

    async def _action_overdue(self, reminder: Reminder, snapshot: IncidentSnapshot) -> None:
        item = next((i for i in snapshot.action_items if i.id == reminder.subject_id), None)
        if item is None or item.done_at is not None or item.owner is None:
            return  # done (or gone) since it was claimed: nothing to say
        await self._dm(item.owner, *build_action_overdue_dm(item, snapshot.incident))

    async def _review_due(self, snapshot: IncidentSnapshot, channel: str) -> None:
        incident = snapshot.incident
        if incident.reviewed_at is not None:
            return
        commander = current_commander(snapshot.roles)
        text = build_review_due(incident, commander)
        await self.client.chat_postMessage(channel=channel, text=text)
        if commander:
            await self._also("dm_commander", self._dm(commander, text, []))

    async def _also(self, step: str, work: Awaitable[None]) -> None:
        """A follow-up to a delivered reminder: logged if it fails, never retried as a whole."""
        try:
            await work
        except SlackApiError as error:
            log.warning("reminder follow-up %s failed: %s", step, error.response.get("error"))

    async def _dm(self, user: str, text: str, blocks: list[dict[str, Any]]) -> None:
        opened = await self.client.conversations_open(users=user)
        channel = opened["channel"]["id"]
        if blocks:
            await self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        else:
            await self.client.chat_postMessage(channel=channel, text=text)

    async def _to_digest_thread(self, snapshot: IncidentSnapshot, text: str) -> None:
        incident = snapshot.incident
        if incident.private or not (incident.digest_channel_id and incident.digest_ts):
            return  # private incidents have no digest post to reply to
        await self.client.chat_postMessage(
            channel=incident.digest_channel_id, thread_ts=incident.digest_ts, text=text
        )
