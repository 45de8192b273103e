"""The composition root: settings in, a wired Slack app and HTTP app out."""

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from fastapi import APIRouter, FastAPI
from slack_bolt.adapter.fastapi.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot.alerts.parsers import PARSERS
from bot.alerts.rules.routing import RoutingConfig
from bot.alerts.service import AlertService
from bot.comms.config import load_comms_config
from bot.comms.definitions import CommsConfig
from bot.incidents.followups import FollowUpService
from bot.incidents.postmortem.render import PostmortemRenderer
from bot.incidents.reminders import ReminderService
from bot.incidents.service import IncidentService
from bot.incidents.timeline import TimelineService
from bot.incidents.updates import UpdateService
from bot.kernel.inbox import Inbox
from bot.kernel.outbox import Outbox
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.kernel.retention import RetentionService
from bot.observability.collectors import DatabaseCollector
from bot.observability.requests import ObservedRequests
from bot.oncall.config import ScheduleDef
from bot.oncall.feeds import FeedService
from bot.oncall.handoffs import HandoffService
from bot.oncall.published import PublishedCalendars
from bot.oncall.service import OncallService
from bot.paging.definitions import PagingConfig
from bot.paging.delivery import Senders
from bot.people.service import PeopleService
from bot.scheduler.jobs import build_scheduler
from bot.settings import Settings, alert_channel_list, cadence_policy, database_timeouts
from bot.slack.deps import SlackDeps
from bot.slack.handlers import dispatch
from bot.slack.identity import BotIdentity
from bot.slack.listeners import register
from bot.slack.requests import failure_text
from bot.slack.surfaces.people import SlackDirectory
from bot.slack.surfaces.replies import SlackReplies
from bot.slack.watched import WatchedChannels
from bot.statuspage.definitions import StatusPageConfig
from bot.web.app.dashboard import build_dashboard_section
from bot.web.health import Readiness
from bot.web.http import build_http_app
from bot.web.oncall_feeds import build_oncall_feed_router
from bot.web.slack_guard import SlackRequestGuard
from bot.web.twilio_webhooks import build_twilio_router
from bot.web.webhooks import build_webhook_router
from bot.wiring import (
    Insights,
    Kernel,
    Paging,
    Public,
    build_kernel,
    build_senders,
    wire_alerts,
    wire_incidents,
    wire_insights,
    wire_oncall,
    wire_paging,
    wire_public,
)
from bot.wiring.web_app import wire_web_app
from storage.database import Timeouts, make_engine

log = logging.getLogger("warroom")
TWILIO_DEADLINE = 10.0  # seconds an inbound text or keypress may take to be stored
SHUTDOWN_GRACE = 5.0  # seconds running work may take to finish when the process stops
PEOPLE_SYNC = timedelta(hours=6)  # how often the whole directory is read again


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
    updates: UpdateService
    reminders: ReminderService
    alerts: AlertService
    inbox: Inbox
    outbox: Outbox
    retention: RetentionService
    http: FastAPI
    identity: BotIdentity
    oncall: OncallService
    feeds: FeedService
    handoffs: HandoffService
    paging: Paging
    public: Public
    insights: Insights | None = None

    async def settle(self, *, timeout: float = 30.0, horizon: float = 2.0) -> None:
        """Carry out every stored request and every effect due within `horizon` seconds
        (tests, the demo)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            await self.inbox.drain(timeout=max(deadline - loop.time(), 0.1))
            await self.outbox.drain(timeout=max(deadline - loop.time(), 0.1), horizon=horizon)
            if not await self.inbox.run_due():
                return


def build_warroom(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    engine: Engine | None = None,
    renderer: PostmortemRenderer | None = None,
    routing: RoutingConfig | None = None,
    schedules: Sequence[ScheduleDef] | None = None,
    outbox_policy: OutboxPolicy | None = None,
    paging_config: PagingConfig | None = None,
    senders: Senders | None = None,
    statuspage_config: StatusPageConfig | None = None,
    comms_config: CommsConfig | None = None,
) -> Warroom:
    """Wire settings, database, Slack and HTTP together."""
    timeouts = database_timeouts(settings)
    kernel = build_kernel(
        settings,
        clock,
        engine or make_engine(settings.database_url, timeouts=timeouts),
        outbox_policy,
    )
    engine, client, metrics = kernel.engine, kernel.client, kernel.metrics
    comms_config = comms_config or load_comms_config(settings.warroom_config)
    # The update nag also asks for stakeholder updates at the severities audiences hear of.
    nagged = comms_config.nagged_severities()
    incidents = IncidentService(
        engine,
        kernel.outbox,
        clock=clock,
        policy=replace(cadence_policy(settings), stakeholder_severities=nagged),
        review_due=settings.warroom_review_due,
    )
    replies = SlackReplies(kernel.calls, kernel.outbox)
    people = PeopleService(engine, SlackDirectory(kernel.calls), clock=clock)
    reminders = wire_incidents(kernel, incidents, replies, people, renderer)
    oncall = wire_oncall(kernel, incidents, schedules)
    senders = senders or build_senders(settings)
    paging = wire_paging(kernel, incidents, oncall.service, paging_config, senders)
    public = wire_public(kernel, incidents, reminders, senders, comms_config, statuspage_config)
    alerts = wire_alerts(kernel, incidents, routing, paging.service)
    insights = wire_insights(kernel, incidents, oncall.service, replies)
    dashboard = build_dashboard_section(insights.service, names=people.display_names)
    web_app = wire_web_app(kernel, oncall.service, people, sections=[dashboard])
    retention = RetentionService(
        engine, clock=clock, webhook_retention=settings.warroom_webhook_retention
    )
    deps = SlackDeps(
        incidents=incidents,
        updates=UpdateService(incidents),
        followups=FollowUpService(incidents),
        timeline=TimelineService(incidents),
        alerts=alerts,
        inbox=kernel.inbox,
        replies=replies,
        calls=kernel.calls,
        watched=WatchedChannels(frozenset(alert_channel_list(settings.warroom_alert_channels))),
        metrics=metrics,
        oncall=oncall.service,
        people=people,
        paging=paging.service,
        reach=paging.reach,
        comms=public.comms,
        status_page=public.updates,
        corrections=insights.corrections,
        stats=insights.stats,
    )
    identity = BotIdentity(client)
    slack = _slack_app(kernel, deps, identity)
    scheduler = build_scheduler(
        {
            "reminders": (reminders.tick, settings.warroom_tick_interval),
            "retention": (retention.tick, settings.warroom_tick_interval),
            "people": (people.sync, PEOPLE_SYNC),
            **oncall.jobs(settings.warroom_tick_interval),
            **public.jobs(settings.warroom_tick_interval),
            **insights.jobs(settings.warroom_tick_interval),
        },
        metrics=metrics,
    )
    calendars = PublishedCalendars(oncall.service, people.display_names, clock=clock)
    routers = (*public.routers, web_app)
    http = _http_app(kernel, slack, alerts, scheduler, timeouts, calendars, routers)
    return Warroom(
        settings,
        engine,
        client,
        slack,
        incidents,
        deps.updates,
        reminders,
        alerts,
        kernel.inbox,
        kernel.outbox,
        retention,
        http,
        identity,
        oncall.service,
        oncall.feeds,
        oncall.handoffs,
        paging,
        public,
        insights=insights,
    )


def _slack_app(kernel: Kernel, deps: SlackDeps, identity: BotIdentity) -> AsyncApp:
    """Bolt, with every listener, and the inbox's handlers of what they store. Bolt learns who
    the bot is from `identity` (checked once by `warroom run`), never by an `auth.test` per
    request."""
    dispatch.register(kernel.inbox, deps)
    with _without_token_skipped_warning():
        slack = AsyncApp(
            client=kernel.client,
            signing_secret=kernel.settings.slack_signing_secret,
            authorize=identity.for_bolt(),
        )
    register(slack, deps)
    slack.error(handle_error)
    return slack


class _TokenSkipped(logging.Filter):
    """Bolt says the client's token "will be ignored" once `authorize` is given. It is not:
    `authorize` hands that same token back on every request."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "will be ignored" not in record.getMessage()


@contextmanager
def _without_token_skipped_warning() -> Iterator[None]:
    bolt = logging.getLogger("slack_bolt.AsyncApp")
    quiet = _TokenSkipped()
    bolt.addFilter(quiet)
    try:
        yield
    finally:
        bolt.removeFilter(quiet)


def _http_app(
    kernel: Kernel,
    slack: AsyncApp,
    alerts: AlertService,
    scheduler: AsyncIOScheduler,
    timeouts: Timeouts,
    calendars: PublishedCalendars,
    public_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """The HTTP surface: Slack's requests behind the guard, liveness, readiness, metrics, the
    alert webhooks, the on-call calendars; every request observed (request id, metrics, access
    log); its start and stop run the workers and the scheduler."""
    client, settings, metrics = kernel.client, kernel.settings, kernel.metrics
    metrics.watch(DatabaseCollector(kernel.engine, timeouts, kernel.clock))

    async def start() -> None:
        # One pooled HTTP session for every Web API call, instead of one per call.
        client.session = aiohttp.ClientSession()
        kernel.outbox.start()
        kernel.inbox.start()
        scheduler.start()

    async def stop() -> None:
        # Stop taking work; what is stored stays for the next process.
        scheduler.shutdown(wait=False)
        await kernel.inbox.stop(SHUTDOWN_GRACE)
        await kernel.outbox.stop(SHUTDOWN_GRACE)
        if client.session is not None:
            await client.session.close()
            client.session = None

    http = build_http_app(
        slack_handler=AsyncSlackRequestHandler(slack).handle,
        readiness=Readiness(kernel.engine, timeouts, slack=metrics.slack_status).check,
        scrape=metrics.scrape,
        metrics_token=settings.warroom_metrics_token,
        on_startup=start,
        on_shutdown=stop,
        routers=[
            # Before the alert webhooks, whose `POST /webhooks/{source}` would take Twilio's.
            build_twilio_router(
                auth_token=settings.twilio_auth_token,
                public_url=settings.warroom_public_url,
                inbox=kernel.inbox,
                # Twilio gives up on a webhook after 15 s: answer (or fail) well before.
                deadline=min(webhook_deadline(timeouts), TWILIO_DEADLINE),
            ),
            build_webhook_router(
                token=settings.warroom_webhook_token,
                parsers=PARSERS,
                ingest=lambda batch, raw: alerts.ingest(batch, raw=raw),
                deadline=webhook_deadline(timeouts),
            ),
            build_oncall_feed_router(calendars),
            *public_routers,
        ],
    )
    http.add_middleware(SlackRequestGuard, signing_secret=settings.slack_signing_secret)
    # Added last, so outermost: the guard's refusals carry a request id and are counted too.
    http.add_middleware(ObservedRequests, metrics=metrics, routes=lambda: http.routes)
    return http


def webhook_deadline(timeouts: Timeouts) -> float:
    """How long a webhook waits for its delivery to be stored before it answers 503.

    A second past the statement timeout: a slow statement, a lock or a refused connection fail
    on their own before it (their 503 says why); this catches the database that never answers.
    """
    return timeouts.statement + 1.0


async def handle_error(error: Exception, body: dict[str, Any], respond: Any) -> None:
    """The last net: log with a reference and tell the user, never show a trace. Every request
    that reaches Bolt was verified first (SlackRequestGuard), so its response URL is Slack's."""
    reference = uuid.uuid4().hex[:8]
    log.error("unhandled error (reference %s)", reference, exc_info=error)
    if respond is not None and isinstance(body, dict) and body.get("response_url"):
        try:
            await respond(text=failure_text(reference), response_type="ephemeral")
        except Exception:
            log.exception("could not report error %s", reference)
