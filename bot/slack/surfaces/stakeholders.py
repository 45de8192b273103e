"""Stakeholders in Slack: updates posted in audiences' channels, and the reminder to the comms
lead (or commander) that the status page says nothing while customers are affected.

Each post carries its key in its metadata: a retry after a lost answer finds it and does not
post twice (in a channel the bot can read).
"""

from collections.abc import Callable
from datetime import datetime

from bot.comms.rules.notes import StakeholderNote
from bot.incidents.ports import IncidentSnapshot
from bot.kernel.outbox import Permanent
from bot.slack.blocks.alerts import CHANNEL_REDIRECT
from bot.slack.blocks.comms import build_public_reminder, build_stakeholder_post
from bot.slack.blocks.parts import current_commander, holders
from bot.slack.calls import SlackCalls, marker
from bot.slack.places import slack_places
from storage.enums import Role
from storage.models import Reminder

STAKEHOLDER_EVENT = "warroom_stakeholder_update"
PUBLIC_REMINDER_EVENT = "warroom_public_reminder"


class SlackStakeholders:
    """Posts stakeholder updates in audiences' channels (the StakeholderChat port)."""

    def __init__(self, calls: SlackCalls) -> None:
        self.calls = calls
        self.client = calls.client

    async def post_note(self, channel: str, note: StakeholderNote, *, key: str, retry: bool) -> str:
        """Post the note in a channel given by name or id, once."""
        channel_id = await self.calls.channel_id(channel)
        if channel_id is None:
            raise Permanent(f"no channel #{channel} (or the bot cannot see it)")
        if retry:
            found = await self.calls.find_posted(
                channel_id, STAKEHOLDER_EVENT, {"key": key}, thread_ts=None
            )
            if found is not None:
                return found
        text, blocks = build_stakeholder_post(note)
        metadata = marker(STAKEHOLDER_EVENT, key=key)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel_id, text=text, blocks=blocks, metadata=metadata
            )
        )
        return str(posted.get("ts") or "")

    def room_url(self, channel_id: str) -> str:
        """A link that opens the channel in Slack from anywhere."""
        return f"{CHANNEL_REDIRECT}{channel_id}"


class SlackPublicReminders:
    """Delivers the status page reminder: a DM to the comms lead, else the commander; in the
    incident's channel when neither is named (a ReminderSender)."""

    def __init__(self, calls: SlackCalls, *, clock: Callable[[], datetime]) -> None:
        self.calls = calls
        self.client = calls.client
        self.clock = clock

    async def send(self, reminder: Reminder, snapshot: IncidentSnapshot, *, retry: bool) -> None:
        """Deliver one reminder, once; nothing when the status page was updated meanwhile."""
        incident = snapshot.incident
        if incident.public_updated_at is not None or incident.customers_affected_at is None:
            return
        channel = slack_places(snapshot).channel
        comms = holders(snapshot.roles, Role.COMMS)
        person = comms[-1] if comms else current_commander(snapshot.roles)
        to = await self.calls.open_dm(person) if person else channel
        if to is None:
            raise Permanent("no_incident_channel")
        if retry and await self.calls.find_posted(
            to, PUBLIC_REMINDER_EVENT, {"reminder_id": reminder.id}, thread_ts=None
        ):
            return
        text, blocks = build_public_reminder(incident, person, channel_id=channel, now=self.clock())
        metadata = marker(PUBLIC_REMINDER_EVENT, reminder_id=reminder.id)
        await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=to, text=text, blocks=blocks, metadata=metadata
            )
        )
