"""Wiring by feature: the kernel every part stands on, and each feature's services with the
adapters that carry out their effects. `bot.app.build_warroom` puts them together."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine

from bot import __version__
from bot.alerts.config import load_routing_config
from bot.alerts.offers import OfferService
from bot.alerts.paging import PagingService
from bot.alerts.rules.routing import RoutingConfig
from bot.alerts.service import AlertService
from bot.incidents.postmortem.render import PostmortemRenderer, load_postmortem_renderer
from bot.incidents.postmortem.service import PostmortemService
from bot.incidents.publishing import Places, Publisher
from bot.incidents.reminders import ReminderService, RoomRepair
from bot.incidents.service import IncidentService
from bot.kernel.inbox import Inbox
from bot.kernel.inbox import Policy as InboxPolicy
from bot.kernel.outbox import Outbox
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.observability.counting import CountedPager
from bot.observability.metrics import Metrics
from bot.oncall.config import ScheduleDef, load_schedules
from bot.oncall.feeds import FeedService
from bot.oncall.handoffs import HandoffService
from bot.oncall.service import OncallService
from bot.people.service import PeopleService
from bot.scheduler.jobs import Job
from bot.settings import Settings, alert_channel_list
from bot.slack.calls import SlackCalls
from bot.slack.places import SLACK
from bot.slack.surfaces.alerts import SlackAlertNotices, SlackOffers, SlackPager
from bot.slack.surfaces.announcements import SlackAnnouncements
from bot.slack.surfaces.documents import SlackDocuments
from bot.slack.surfaces.oncall import SlackHandoffNotices, SlackUnstaffedPages
from bot.slack.surfaces.reminders import SlackReminders
from bot.slack.surfaces.replies import SlackReplies
from bot.slack.surfaces.room import CREATE_CHANNEL, SlackRoom
from bot.web.ical_fetch import HttpFeedFetcher


def build_client(settings: Settings) -> AsyncWebClient:
    """A Web API client that retries nothing itself: the outbox owns the one retry regime."""
    return AsyncWebClient(
        token=settings.slack_bot_token, base_url=settings.slack_api_url, retry_handlers=[]
    )


@dataclass(frozen=True)
class Kernel:
    """What every part is wired with: the database, the clock, the inbox and outbox, and
    the one way to call Slack."""

    settings: Settings
    engine: Engine
    clock: Callable[[], datetime]
    client: AsyncWebClient
    calls: SlackCalls
    inbox: Inbox
    outbox: Outbox
    places: Places
    metrics: Metrics = field(default_factory=Metrics)


def build_kernel(
    settings: Settings,
    clock: Callable[[], datetime],
    engine: Engine,
    outbox_policy: OutboxPolicy | None = None,
) -> Kernel:
    """The database, the clock, the inbox and outbox and the one way to call Slack; a metrics
    registry per instance, so apps built side by side (tests) never collide."""
    client = build_client(settings)
    metrics = Metrics(version=__version__)
    return Kernel(
        settings,
        engine,
        clock,
        client,
        SlackCalls(
            client, channels_per_minute=settings.warroom_channels_per_minute, metrics=metrics
        ),
        Inbox(engine, clock, InboxPolicy(slots=settings.warroom_workers)),
        Outbox(engine, clock, outbox_policy or OutboxPolicy()),
        Places(engine, clock=clock),
        metrics,
    )


def wire_incidents(
    kernel: Kernel,
    incidents: IncidentService,
    replies: SlackReplies,
    people: PeopleService,
    renderer: PostmortemRenderer | None,
) -> ReminderService:
    """The incident feature's effects, handled by the Slack surfaces; its reminder service."""
    settings, calls, places, clock = kernel.settings, kernel.calls, kernel.places, kernel.clock
    room = SlackRoom(calls, places, channel_prefix=settings.warroom_channel_prefix, clock=clock)
    announcements = SlackAnnouncements(
        calls, places, announce_channel=settings.warroom_announce_channel, clock=clock
    )
    publisher = Publisher(
        kernel.engine,
        kernel.outbox,
        room=room,
        announcements=announcements,
        confirmations=replies,
        clock=clock,
    )
    renderer = renderer or load_postmortem_renderer(settings.warroom_postmortem_template)
    postmortems = PostmortemService(
        kernel.engine,
        incidents,
        publisher,
        documents=SlackDocuments(calls, places),
        people=people,
        render=renderer.render,
        clock=clock,
    )
    reminders = ReminderService(
        incidents,
        SlackReminders(calls, places, policy=incidents.policy, clock=clock),
        room=RoomRepair(SLACK, "room", CREATE_CHANNEL),
    )
    for feature in (publisher, postmortems, reminders, replies):
        feature.register()
    return reminders


def wire_alerts(
    kernel: Kernel, incidents: IncidentService, routing: RoutingConfig | None, oncall: OncallService
) -> AlertService:
    """The alert feature, its offers, pages (schedules resolved to who is on call) and notices
    shown in Slack."""
    settings, calls, clock = kernel.settings, kernel.calls, kernel.clock
    watched = alert_channel_list(settings.warroom_alert_channels)
    alerts = AlertService(
        kernel.engine,
        incidents,
        offers=OfferService(
            kernel.engine, kernel.outbox, SlackOffers(calls, clock=clock), clock=clock
        ),
        paging=PagingService(
            kernel.engine,
            incidents,
            CountedPager(SlackPager(calls), kernel.metrics),
            clock=clock,
            oncall=oncall,
            unstaffed=SlackUnstaffedPages(calls),
        ),
        notices=SlackAlertNotices(calls, kernel.places),
        config=routing or load_routing_config(settings.warroom_config),
        offer_channel=watched[0] if watched else settings.warroom_announce_channel,
        clock=clock,
    )
    alerts.register()
    return alerts


@dataclass(frozen=True)
class Oncall:
    """The on-call feature: schedules, their iCal feeds and the handoffs."""

    service: OncallService
    feeds: FeedService
    handoffs: HandoffService

    def jobs(self, interval: timedelta) -> Mapping[str, tuple[Job, timedelta]]:
        """Its scheduled jobs, each reading its due work from the database."""
        return {
            "oncall-rosters": (self.service.sync_rosters, interval),
            "oncall-handoffs": (self.handoffs.tick, interval),
            "oncall-feeds": (self.feeds.refresh_due, interval),
        }


def wire_oncall(
    kernel: Kernel, incidents: IncidentService, schedules: Sequence[ScheduleDef] | None
) -> Oncall:
    """Schedules from `warroom.yml` (or those given), iCal layers fetched over HTTP, handoffs
    told in Slack."""
    engine, clock = kernel.engine, kernel.clock
    if schedules is None:
        schedules = load_schedules(kernel.settings.warroom_config)
    feeds = FeedService(engine, schedules, HttpFeedFetcher(), clock=clock)
    service = OncallService(engine, schedules, clock=clock, feeds=feeds)
    handoffs = HandoffService(
        service,
        incidents,
        SlackHandoffNotices(kernel.calls),
        outbox=kernel.outbox,
        room_surface=SLACK,
        clock=clock,
    )
    handoffs.register()
    return Oncall(service, feeds, handoffs)
