"""The composition root: settings in, a wired Slack app and HTTP app out."""

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from fastapi import FastAPI
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.alerts.config import load_routing_config
from bot.alerts.parsers import PARSERS
from bot.alerts.webhooks import build_webhook_router
from bot.core.routing import RoutingConfig
from bot.reports.postmortem import PostmortemRenderer, load_postmortem_renderer
from bot.scheduler.ticker import build_ticker
from bot.services.alerts import AlertService
from bot.services.events import EventLog
from bot.services.followups import FollowUpService
from bot.services.incidents import IncidentService
from bot.services.postmortems import PostmortemService
from bot.services.reminders import ReminderService
from bot.services.retention import RetentionService
from bot.services.timeline import TimelineService
from bot.settings import Settings, alert_channel_list, cadence_policy
from bot.slack.alerts import SlackAlerts
from bot.slack.guard import WorkSlots, failure_text
from bot.slack.listeners import register
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.notifier import SlackSurfaces
from bot.slack.reminders import SlackReminders
from bot.web.http import build_http_app
from storage.database import make_engine

log = logging.getLogger("warroom")


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)


@dataclass
class Warroom:
    """A wired application."""

    settings: Settings
    engine: Engine
    client: AsyncWebClient
    slack: AsyncApp
    incidents: IncidentService
    reminders: ReminderService
    alerts: AlertService
    http: FastAPI


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client that honours rate limits and retries dropped connections."""
    return AsyncWebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def build_warroom(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    engine: Engine | None = None,
    retry_delays: Sequence[float] = (0.5, 2.0),
    renderer: PostmortemRenderer | None = None,
    routing: RoutingConfig | None = None,
) -> Warroom:
    """Wire settings, database, Slack and HTTP together."""
    engine = engine or make_engine(settings.database_url)
    client = build_client(settings)
    surfaces = SlackSurfaces(
        client,
        channel_prefix=settings.warroom_channel_prefix,
        announce_channel=settings.warroom_announce_channel,
        clock=clock,
        retry_delays=retry_delays,
    )
    policy = cadence_policy(settings)
    incidents = IncidentService(
        engine, surfaces, clock=clock, policy=policy, review_due=settings.warroom_review_due
    )
    renderer = renderer or load_postmortem_renderer(settings.warroom_postmortem_template)
    postmortems = PostmortemService(
        engine, surfaces, incidents.publisher, render=renderer.render, clock=clock
    )
    incidents.after_close = postmortems.draft
    reminders = ReminderService(
        engine,
        SlackReminders(client, policy=policy, clock=clock),
        incidents.publisher,
        policy=policy,
        clock=clock,
    )
    watched = alert_channel_list(settings.warroom_alert_channels)
    alerts = AlertService(
        engine,
        incidents,
        SlackAlerts(client, clock=clock),
        config=routing or load_routing_config(settings.warroom_config),
        offer_channel=watched[0] if watched else settings.warroom_announce_channel,
        channels_per_minute=settings.warroom_channels_per_minute,
        clock=clock,
    )

    retention = RetentionService(
        engine, clock=clock, webhook_retention=settings.warroom_webhook_retention
    )

    async def tick() -> None:
        await reminders.tick()
        await alerts.tick()
        await retention.tick()

    ticker = build_ticker(tick, settings.warroom_tick_interval)
    slack = AsyncApp(
        client=client,
        signing_secret=settings.slack_signing_secret,
        process_before_response=False,
    )
    deps = ListenerDeps(
        incidents=incidents,
        followups=FollowUpService(incidents),
        timeline=TimelineService(incidents),
        events=EventLog(engine, clock=clock),
        slots=WorkSlots(settings.warroom_workers),
        alerts=alerts,
        alert_channels=frozenset(watched),
    )
    register(slack, deps)
    slack.error(handle_error)
    handler = AsyncSlackRequestHandler(slack)

    async def health() -> dict[str, Any]:
        try:
            await asyncio.to_thread(_ping, engine)
        except Exception as error:
            return {"ok": False, "database": type(error).__name__}
        return {"ok": True, "database": "ok"}

    async def open_connections() -> None:
        # One pooled HTTP session for every Web API call, instead of one per call.
        client.session = aiohttp.ClientSession()
        ticker.start()

    async def close_connections() -> None:
        ticker.shutdown(wait=False)
        await alerts.drain()
        if client.session is not None:
            await client.session.close()
            client.session = None

    http = build_http_app(
        slack_handler=handler.handle,
        health=health,
        on_startup=open_connections,
        on_shutdown=close_connections,
        routers=[
            build_webhook_router(
                token=settings.warroom_webhook_token,
                parsers=PARSERS,
                ingest=lambda batch, raw: alerts.ingest(batch, raw=raw),
            )
        ],
    )
    return Warroom(settings, engine, client, slack, incidents, reminders, alerts, http)


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


async def handle_error(error: Exception, body: dict[str, Any], respond: Any) -> None:
    """The last net: log with a reference and tell the user, never show a trace."""
    reference = uuid.uuid4().hex[:8]
    log.error("unhandled error (reference %s)", reference, exc_info=error)
    if respond is not None and body.get("response_url"):
        try:
            await respond(text=failure_text(reference), response_type="ephemeral")
        except Exception:
            log.exception("could not report error %s", reference)
