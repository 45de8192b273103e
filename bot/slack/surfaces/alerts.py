"""The Slack side of the alert port: offers with a Declare button, page DMs, resolved notices."""

import logging
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.services.ports import IncidentSnapshot, NotShown, OfferView
from bot.slack.blocks.alerts import (
    build_all_resolved_notice,
    build_offer_blocks,
    build_offer_text,
    build_page_acknowledged_blocks,
    build_page_blocks,
    build_page_text,
)
from storage.enums import Status

log = logging.getLogger(__name__)
_CHANNEL_ID = re.compile(r"[CGD][A-Z0-9]{2,}")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SlackAlerts:
    """Shows alerts in Slack; every failure becomes a Slack error code, never a traceback."""

    def __init__(self, client: AsyncWebClient, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self.client = client
        self.clock = clock
        # An offer channel configured by name: chat.update needs its id, learned when posting.

    async def show_offer(self, view: OfferView) -> tuple[str, str]:
        """Post the offer, or edit it in place (posting anew if it was deleted).

        Returns the channel id and ts, so later edits work when the channel was given by name.
        """
        group = view.group
        where = group.offer_channel_id
        if not where:
            raise NotShown("no_offer_channel")
        channel = where
        text, blocks = build_offer_text(view), build_offer_blocks(view, now=self.clock())
        if group.offer_ts:
            ts = group.offer_ts
            try:
                await _attempt(
                    lambda: self.client.chat_update(
                        channel=channel, ts=ts, text=text, blocks=blocks
                    )
                )
                return channel, ts
            except NotShown as error:
                if not _gone(error.error, channel):
                    raise
        thread: dict[str, Any] = (
            {"thread_ts": group.offer_thread_ts} if group.offer_thread_ts else {}
        )
        posted = await _attempt(
            lambda: self.client.chat_postMessage(
                channel=channel, text=text, blocks=blocks, **thread
            )
        )
        return str(posted.get("channel") or channel), str(posted["ts"])

    async def send_page(self, target: str, snapshot: IncidentSnapshot) -> list[tuple[str, str]]:
        """DM the target, or each member of a user group; NotShown only when nobody got it."""
        users = await self._people(target)
        text, blocks = build_page_text(snapshot), build_page_blocks(snapshot)
        sent: list[tuple[str, str]] = []
        last_error = "no_members"
        for user in users:
            try:
                sent.append(await self._dm(user, text, blocks))
            except NotShown as error:
                log.warning("could not page %s (from %s): %s", user, target, error.error)
                last_error = error.error
        if not sent:
            raise NotShown(last_error)
        return sent

    async def show_page_acknowledged(
        self, messages: list[tuple[str, str]], snapshot: IncidentSnapshot, user: str
    ) -> None:
        """Edit each page DM to say who acknowledged; a failed edit is logged and skipped."""
        text = build_page_text(snapshot)
        blocks = build_page_acknowledged_blocks(snapshot, user)
        for channel, ts in messages:
            try:
                await _attempt(
                    lambda c=channel, t=ts: self.client.chat_update(  # type: ignore[misc]
                        channel=c, ts=t, text=text, blocks=blocks
                    )
                )
            except NotShown as error:
                log.warning("could not edit page DM %s/%s: %s", channel, ts, error.error)

    async def announce_all_resolved(self, snapshot: IncidentSnapshot) -> str | None:
        """Post the all-resolved notice in the incident channel; its ts, or None on failure."""
        channel = snapshot.incident.channel_id
        if channel is None:
            return None
        text, blocks = build_all_resolved_notice(snapshot)
        try:
            posted = await _attempt(
                lambda: self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            )
        except NotShown as error:
            log.warning("could not announce resolved alerts in %s: %s", channel, error.error)
            return None
        return str(posted["ts"])

    async def _people(self, target: str) -> list[str]:
        """The user ids a page target names: itself, or a user group's members."""
        if target[:1] in ("U", "W"):
            return [target]
        if not target.startswith("S"):
            raise NotShown("invalid_page_target")
        listed = await _attempt(lambda: self.client.usergroups_users_list(usergroup=target))
        users = [str(user) for user in listed.get("users") or []]
        return list(dict.fromkeys(users))

    async def _dm(self, user: str, text: str, blocks: list[dict[str, Any]]) -> tuple[str, str]:
        opened = await _attempt(lambda: self.client.conversations_open(users=user))
        channel = str(opened["channel"]["id"])
        posted = await _attempt(
            lambda: self.client.chat_postMessage(channel=channel, text=text, blocks=blocks)
        )
        return channel, str(posted["ts"])


async def sync_resolved_notice(client: AsyncWebClient, snapshot: IncidentSnapshot) -> None:
    """Once the incident is resolved, its all-resolved notice loses the Mark resolved button
    (best effort: a notice that cannot be edited is only logged).

    Only while it is resolved: every incident passes through resolved on its way to closed, so
    the publishes after closing (postmortem, action items, review) need not edit it again.
    """
    alerts, incident = snapshot.alerts, snapshot.incident
    channel = incident.channel_id
    if alerts is None or not alerts.notice_ts or channel is None:
        return
    if incident.status != Status.RESOLVED:
        return
    ts = alerts.notice_ts
    text, blocks = build_all_resolved_notice(snapshot)
    try:
        await _attempt(lambda: client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks))
    except NotShown as error:
        log.warning("could not edit the all-resolved notice in %s: %s", channel, error.error)


def _gone(error: str, channel: str) -> bool:
    """Whether a failed edit means the offer must be posted anew.

    A deleted message, or a channel known only by name (after a restart) that chat.update
    cannot take: posting by name works and teaches us the id.
    """
    return error == "message_not_found" or (
        error == "channel_not_found" and not _CHANNEL_ID.fullmatch(channel)
    )


async def _attempt(call: Callable[[], Awaitable[AsyncSlackResponse]]) -> AsyncSlackResponse:
    """One Web API call (the client already honours rate limits); NotShown with why it failed."""
    try:
        return await call()
    except SlackApiError as error:
        raise NotShown(str(error.response.get("error", "unknown_error"))) from error
    except Exception as error:  # network trouble after the client's own retries
        log.exception("Slack call failed")
        raise NotShown(type(error).__name__) from error
