"""Reminders in Slack: the channel nag, the commander's DM, the digest thread.

The channel post is the delivery, marked with the reminder's id: a retry after a lost answer
finds it and does not post it twice. What follows it (a DM, a digest reply) is best effort.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import partial
from typing import Any

from bot.incidents.ports import IncidentSnapshot, Place, PlaceStore
from bot.incidents.rules.cadence import CadencePolicy
from bot.kernel.outbox import Permanent, Transient
from bot.slack.blocks.parts import current_commander
from bot.slack.blocks.reminders import (
    build_ack_breach,
    build_action_overdue_dm,
    build_commander_reminder,
    build_review_due,
    build_settled_reminder,
    build_unattended_notice,
    build_update_reminder,
    build_update_reminder_dm,
    settled_reason,
)
from bot.slack.calls import SlackCalls, SlackRefused, marker
from bot.slack.places import SLACK, SlackPlaces, slack_places
from storage.enums import ReminderKind, Severity
from storage.models import Reminder

log = logging.getLogger(__name__)
REMINDER_EVENT = "warroom_reminder"
REMINDER = "reminder"  # place kinds `reminder:<id>` (the channel post), `reminder-dm:<id>`
REMINDER_DM = "reminder-dm"
DM_FROM = 2  # the second missed reminder in a row also goes to the commander by DM
DIGEST_FROM = 3  # the third tells stakeholders in the digest thread


class SlackReminders:
    """Delivers reminders to Slack."""

    def __init__(
        self,
        calls: SlackCalls,
        places: PlaceStore,
        *,
        policy: CadencePolicy,
        clock: Callable[[], datetime],
    ) -> None:
        self.calls = calls
        self.client = calls.client
        self.places = places
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
            ts = await self._post(reminder, where.channel, text, blocks)
            await self._keep(
                reminder, snapshot, where.channel, ts, (text, blocks), asked_for="commander"
            )
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
    ) -> str:
        metadata = marker(REMINDER_EVENT, reminder_id=reminder.id)
        extra: dict[str, Any] = {"blocks": blocks} if blocks else {}
        response = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, metadata=metadata, **extra
            )
        )
        return str(response.get("ts") or "")

    async def _keep(
        self,
        reminder: Reminder,
        snapshot: IncidentSnapshot,
        channel: str,
        ts: str,
        message: tuple[str, list[dict[str, Any]]],
        *,
        asked_for: str,
        dm: bool = False,
    ) -> None:
        """Remember a reminder with buttons, so that the room takes them away once they no
        longer apply (see `settle_reminders`). Best effort: the reminder is delivered."""
        text, blocks = message
        if not ts:
            return
        kind = f"{REMINDER_DM if dm else REMINDER}:{reminder.id}"
        data = {"asked_for": asked_for, "lead": blocks[0]["text"]["text"], "text": text}
        await self.places.save(snapshot.incident_id, Place(SLACK, kind, channel, ts, data))

    async def _update_due(
        self, reminder: Reminder, snapshot: IncidentSnapshot, where: SlackPlaces, channel: str
    ) -> None:
        incident = snapshot.incident
        commander = current_commander(snapshot.roles)
        text, blocks = build_update_reminder(
            incident, commander, seq=reminder.seq, now=self.clock()
        )
        ts = await self._post(reminder, channel, text, blocks)
        await self._keep(reminder, snapshot, channel, ts, (text, blocks), asked_for="update")
        # The channel post is the delivery; what follows must never make it repeat.
        if reminder.seq >= DM_FROM and commander:
            dm_text, dm_blocks = build_update_reminder_dm(
                incident, seq=reminder.seq, channel_id=channel
            )
            dm = self._dm(commander, dm_text, dm_blocks)
            kept = self._dm_kept(reminder, snapshot, dm, (dm_text, dm_blocks))
            await self._also("dm_commander", kept)
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

    async def _also(self, step: str, work: Awaitable[object]) -> None:
        """A follow-up to a delivered reminder: logged if it fails, never retried as a whole."""
        try:
            await work
        except (SlackRefused, Transient) as failure:
            log.warning("reminder follow-up %s failed: %s", step, failure)

    async def _dm(self, user: str, text: str, blocks: list[dict[str, Any]]) -> tuple[str, str]:
        channel = await self.calls.open_dm(user)
        extra: dict[str, Any] = {"blocks": blocks} if blocks else {}
        response = await self.calls.call(
            lambda: self.client.chat_postMessage(channel=channel, text=text, **extra)
        )
        return channel, str(response.get("ts") or "")

    async def _dm_kept(
        self,
        reminder: Reminder,
        snapshot: IncidentSnapshot,
        dm: Awaitable[tuple[str, str]],
        message: tuple[str, list[dict[str, Any]]],
    ) -> None:
        channel, ts = await dm
        await self._keep(reminder, snapshot, channel, ts, message, asked_for="update", dm=True)

    async def _to_digest_thread(
        self, snapshot: IncidentSnapshot, where: SlackPlaces, text: str
    ) -> None:
        if snapshot.incident.private or not (where.digest_channel and where.digest_ts):
            return  # private incidents have no digest post to reply to
        channel, ts = where.digest_channel, where.digest_ts
        await self.calls.call(
            lambda: self.client.chat_postMessage(channel=channel, thread_ts=ts, text=text)
        )


async def settle_reminders(
    calls: SlackCalls, places: PlaceStore, snapshot: IncidentSnapshot
) -> None:
    """Take the buttons off reminders that no longer apply: all of them once the incident is
    resolved, the call for a commander once somebody leads. Each is edited once and then
    forgotten; one deleted meanwhile is just forgotten."""
    commander = current_commander(snapshot.roles)
    for (surface, kind), place in snapshot.places.items():
        if surface != SLACK or kind.split(":")[0] not in (REMINDER, REMINDER_DM):
            continue
        asked_for = str(place.data.get("asked_for", ""))
        reason = settled_reason(snapshot.incident, commander, asked_for=asked_for)
        if reason is None:
            continue
        lead = str(place.data.get("lead", ""))
        blocks = build_settled_reminder(lead, reason)
        try:
            await calls.call(
                partial(
                    calls.client.chat_update,
                    channel=place.channel_id,
                    ts=place.ts,
                    text=str(place.data.get("text") or reason),
                    blocks=blocks,
                )
            )
        except SlackRefused as refused:
            log.info("reminder %s in %s not edited: %s", kind, place.channel_id, refused.error)
        await places.forget(snapshot.incident_id, SLACK, kind)
