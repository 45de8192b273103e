"""Alerts in Slack: offers with a Declare button and the all-resolved notice.

Each message carries metadata naming what it is for, so a retry after a lost answer finds the
message it already posted and edits it instead of posting it again.
"""

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bot.alerts.ports import OfferView, Shown
from bot.incidents.ports import ALERTS_NOTICE, IncidentSnapshot, Place, PlaceStore
from bot.kernel.outbox import Permanent
from bot.slack.blocks.alerts import (
    build_all_resolved_notice,
    build_offer_blocks,
    build_offer_text,
)
from bot.slack.calls import SlackCalls, SlackError, SlackRefused, marker
from bot.slack.places import SLACK, slack_places

log = logging.getLogger(__name__)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")
OFFER_EVENT = "warroom_offer"
PAGE_EVENT = "warroom_page"
NOTICE_EVENT = "warroom_alerts_notice"


class SlackOffers:
    """Posts offers and edits them in place."""

    def __init__(self, calls: SlackCalls, *, clock: Callable[[], datetime]) -> None:
        self.calls = calls
        self.client = calls.client
        self.clock = clock

    async def show(self, view: OfferView, *, retry: bool) -> Shown:
        """Post the offer, or edit it in place (posting anew if it was deleted).

        Returns the channel id and ts, so later edits work when the channel was given by name.
        """
        group = view.group
        channel = group.offer_channel_id
        if not channel:
            raise Permanent("no_offer_channel")
        text, blocks = build_offer_text(view), build_offer_blocks(view, now=self.clock())
        ts = group.offer_ts
        if ts is None and retry:
            # A channel given by name (the webhooks' offer channel) is searched by its id.
            searched = await self.calls.channel_id(channel)
            if searched is not None:
                ts = await self.calls.find_posted(
                    searched, OFFER_EVENT, {"group_id": group.id}, thread_ts=group.offer_thread_ts
                )
                channel = searched if ts is not None else channel
        if ts is not None:
            edited = await self.calls.call(
                lambda: self.client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks),
                expected=frozenset({SlackError.MESSAGE_NOT_FOUND, SlackError.CHANNEL_NOT_FOUND}),
            )
            if not edited.get("error"):
                return Shown(channel, ts)
            if not _gone(str(edited["error"]), channel):
                raise SlackRefused(str(edited["error"]))
        thread: dict[str, Any] = (
            {"thread_ts": group.offer_thread_ts} if group.offer_thread_ts else {}
        )
        metadata = marker(OFFER_EVENT, group_id=group.id)
        posted = await self.calls.call(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, metadata=metadata, **thread
            )
        )
        return Shown(str(posted.get("channel") or channel), str(posted["ts"]))


class SlackAlertNotices:
    """The incident channel's notice that every alert resolved, with Mark resolved."""

    def __init__(self, calls: SlackCalls, places: PlaceStore) -> None:
        self.calls = calls
        self.client = calls.client
        self.places = places

    async def all_resolved(self, snapshot: IncidentSnapshot, *, retry: bool) -> None:
        """Post the notice, and keep where, so it loses its button once the incident is
        resolved (however that happens)."""
        channel = slack_places(snapshot).channel
        if channel is None:
            raise Permanent("no_incident_channel")
        text, blocks = build_all_resolved_notice(snapshot)
        match = {"incident_id": snapshot.incident_id}
        ts = None
        if retry:
            ts = await self.calls.find_posted(channel, NOTICE_EVENT, match, thread_ts=None)
        if ts is None:
            metadata = marker(NOTICE_EVENT, incident_id=snapshot.incident_id)
            posted = await self.calls.call(
                lambda: self.client.chat_postMessage(
                    channel=channel, text=text, blocks=blocks, metadata=metadata
                )
            )
            ts = str(posted["ts"])
        await self.places.save(snapshot.incident_id, Place(SLACK, ALERTS_NOTICE, channel, ts))


def _gone(error: str, channel: str) -> bool:
    """Whether a failed edit means the offer must be posted anew.

    A deleted message, or a channel known only by name (after a restart) that chat.update
    cannot take: posting by name works and teaches us the id.
    """
    return error == SlackError.MESSAGE_NOT_FOUND or (
        error == SlackError.CHANNEL_NOT_FOUND and not _CHANNEL_ID.fullmatch(channel)
    )
