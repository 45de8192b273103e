"""Alerts: the Declare incident button and form, page and Mark resolved buttons, alert posts."""

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts import parse_alert_message
from bot.core.errors import DomainError, InvalidInput
from bot.slack.blocks.alerts import build_declare_from_alert_modal
from bot.slack.blocks.parts import channel_link, incident_ref, mention
from bot.slack.forms import parse_declare_form
from bot.slack.guard import Tell, guarded
from bot.slack.ids import ActionId, BlockId, CallbackId
from bot.slack.listeners.actions import button, parse_incident_id, teller
from bot.slack.listeners.commands import declared_text
from bot.slack.listeners.deps import ListenerDeps
from storage.models import Incident

log = logging.getLogger(__name__)
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
LINK_BUTTONS = (ActionId.OPEN_CHANNEL, ActionId.OPEN_ALERT, ActionId.OPEN_RUNBOOK)


def parse_group_id(value: Any) -> int:
    """The alert group id a Declare button or the declare form carries."""
    text = str(value or "")
    if not text.isdigit():
        raise InvalidInput("That alert offer is not valid any more.")
    return int(text)


def already_declared(incident: Incident) -> str:
    """What someone reads who tries to declare an alert group that already has its incident."""
    where = f" {channel_link(incident.channel_id)}" if incident.channel_id else ""
    return f"This alert is already declared as {incident_ref(incident)}{where}."


def direct_teller(client: AsyncWebClient, user: str) -> Tell:
    """Tell someone in their DM with the bot (a modal has no channel to answer in)."""

    async def tell(text: str) -> None:
        opened = await client.conversations_open(users=user)
        await client.chat_postMessage(channel=opened["channel"]["id"], text=text)

    return tell


class WatchedChannels:
    """Which channels' integration posts are read as alerts.

    Configured ids match at once; configured names are compared with the channel's name,
    looked up once per channel with `conversations.info` and remembered (a renamed channel
    keeps its old name until the process restarts).
    """

    def __init__(self, configured: frozenset[str]) -> None:
        self.ids = frozenset(c for c in configured if _CHANNEL_ID.fullmatch(c))
        self.names = frozenset(c.lstrip("#").lower() for c in configured if c not in self.ids)
        self._known: dict[str, str] = {}

    async def watches(self, client: AsyncWebClient, channel: str) -> bool:
        """Whether `channel` (an id) is watched."""
        if channel in self.ids:
            return True
        if not self.names or not channel:
            return False
        if channel not in self._known:
            try:
                info = await client.conversations_info(channel=channel)
            except SlackApiError as error:
                log.warning("cannot name channel %s: %s", channel, error.response.get("error"))
                return False  # not remembered: the next post asks again
            self._known[channel] = str((info.get("channel") or {}).get("name", "")).lower()
        return self._known[channel] in self.names


def register(app: AsyncApp, deps: ListenerDeps) -> None:
    """Attach the alert buttons, the declare-from-alert form and the alert-post listener."""
    register_buttons(app, deps)
    register_declare_form(app, deps)
    register_alert_posts(app, deps)


def register_buttons(app: AsyncApp, deps: ListenerDeps) -> None:
    """Acknowledge on a page DM, Mark resolved, and the link buttons (acked, nothing else)."""

    async def acknowledge_page(user: str, action: dict[str, Any], tell: Tell) -> None:
        incident_id = parse_incident_id(action)
        if not await deps.alerts.acknowledge_page(incident_id, user):
            snap = await deps.incidents.snapshot(incident_id)
            by = mention(snap.incident.acknowledged_by, nobody="someone")
            await tell(f"Already acknowledged by {by}; you are in the incident now.")

    async def mark_resolved(user: str, action: dict[str, Any], tell: Tell) -> None:
        if not await deps.alerts.mark_resolved(parse_incident_id(action), user):
            await tell("The incident is already resolved.")

    app.action(ActionId.ACKNOWLEDGE_PAGE)(button(deps, acknowledge_page))
    app.action(ActionId.MARK_RESOLVED)(button(deps, mark_resolved))

    async def handle_link_click(ack: AsyncAck) -> None:
        await ack()  # Slack opens the URL itself but still expects the click acknowledged

    for action_id in LINK_BUTTONS:
        app.action(action_id)(handle_link_click)


def register_declare_form(app: AsyncApp, deps: ListenerDeps) -> None:
    """The Declare incident button on an offer, and the form it opens."""

    async def open_form(
        client: AsyncWebClient, body: dict[str, Any], action: dict[str, Any], tell: Tell
    ) -> None:
        view = await deps.alerts.offer(parse_group_id(action.get("value")))
        if view.incident is not None:
            await tell(already_declared(view.incident))
            return
        modal = build_declare_from_alert_modal(view)
        await client.views_open(trigger_id=body["trigger_id"], view=modal)

    @app.action(ActionId.DECLARE_FROM_ALERT)
    async def handle_declare_from_alert(
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        await ack()
        # No slot: a trigger_id lives 3 s, so opening a form never queues.
        tell = teller(respond)
        await guarded(tell, open_form(client, body, action, tell))

    @app.view(CallbackId.DECLARE_FROM_ALERT)
    async def handle_declare_from_alert_submission(
        ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        try:
            form = parse_declare_form(view["state"]["values"])
        except DomainError as error:
            field = error.field or BlockId.TITLE.value
            await ack(response_action="errors", errors={field: error.message})
            return
        await ack()
        user = body["user"]["id"]
        tell = direct_teller(client, user)

        async def work() -> None:
            declared = await deps.alerts.declare_from_offer(
                parse_group_id(view.get("private_metadata")),
                user,
                title=form.title,
                severity=form.severity,
                summary=form.summary,
                private=form.private,
            )
            created = declared.created
            await tell(declared_text(declared) if created else already_declared(declared.incident))

        await guarded(tell, work(), deps.slots)


def register_alert_posts(app: AsyncApp, deps: ListenerDeps) -> None:
    """Monitoring integrations' posts in watched channels become alerts.

    Redelivered events never get here: the event_id middleware in `events` runs first.
    """
    watched = WatchedChannels(deps.alert_channels)

    async def nobody(_text: str) -> None:
        return None

    @app.event("message")
    async def handle_message(event: dict[str, Any], client: AsyncWebClient) -> None:
        if not deps.alert_channels:
            return
        signal = parse_alert_message(event, own_bot_id=deps.own_bot_id)
        if signal is None:
            return
        channel, ts = str(event["channel"]), str(event["ts"])

        async def work() -> None:
            if await watched.watches(client, channel):
                await deps.alerts.ingest_slack_message(signal, channel=channel, ts=ts)

        await guarded(nobody, work(), deps.slots)
