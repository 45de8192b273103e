"""The Slack side of the reminder port: channel nags, the commander's DM, the digest thread."""

from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.cadence import CadencePolicy
from bot.services.ports import IncidentSnapshot, ReminderNotSent
from bot.slack.blocks.parts import current_commander
from bot.slack.blocks.reminders import (
    build_ack_breach,
    build_commander_reminder,
    build_unattended_notice,
    build_update_reminder,
    build_update_reminder_dm,
)
from storage.enums import ReminderKind, Severity
from storage.models import Reminder

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
            elif reminder.kind == ReminderKind.ACK_BREACH:
                target = self.policy.ack_target(Severity(incident.severity))
                text = build_ack_breach(incident, target, due_at=reminder.due_at)
                await self.client.chat_postMessage(channel=incident.channel_id, text=text)
                await self._to_digest_thread(snapshot, text)
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
        if reminder.seq >= DM_FROM and commander:
            opened = await self.client.conversations_open(users=commander)
            dm_text, dm_blocks = build_update_reminder_dm(incident, seq=reminder.seq)
            await self.client.chat_postMessage(
                channel=opened["channel"]["id"], text=dm_text, blocks=dm_blocks
            )
        if reminder.seq >= DIGEST_FROM:
            await self._to_digest_thread(
                snapshot, build_unattended_notice(incident, commander, seq=reminder.seq)
            )

    async def _to_digest_thread(self, snapshot: IncidentSnapshot, text: str) -> None:
        incident = snapshot.incident
        if incident.private or not (incident.digest_channel_id and incident.digest_ts):
            return  # private incidents have no digest post to reply to
        await self.client.chat_postMessage(
            channel=incident.digest_channel_id, thread_ts=incident.digest_ts, text=text
        )
