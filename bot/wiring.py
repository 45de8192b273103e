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
from bot.alerts.rules.routing import RoutingConfig
from bot.alerts.service import AlertService
from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.incidents.postmortem.render import PostmortemRenderer, load_postmortem_renderer
from bot.incidents.postmortem.service import PostmortemService
from bot.incidents.publishing import Places, Publisher
from bot.incidents.reminders import ReminderService, RoomRepair
from bot.incidents.service import IncidentService
from bot.kernel.inbox import Inbox
from bot.kernel.inbox import Policy as InboxPolicy
from bot.kernel.outbox import Outbox
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.observability.counting import CountedPages
from bot.observability.metrics import Metrics
from bot.oncall.config import ScheduleDef, load_schedules
from bot.oncall.feeds import FeedService
from bot.oncall.handoffs import HandoffService
from bot.oncall.service import OncallService
from bot.paging.config import load_paging_config
from bot.paging.definitions import PagingConfig
from bot.paging.delivery import Delivery, Senders
from bot.paging.reach import Reach
from bot.paging.service import PagingService
from bot.people.service import PeopleService
from bot.scheduler.jobs import Job
from bot.settings import Settings, alert_channel_list
from bot.slack.calls import SlackCalls
from bot.slack.places import SLACK
from bot.slack.surfaces.alerts import SlackAlertNotices, SlackOffers
from bot.slack.surfaces.announcements import SlackAnnouncements
from bot.slack.surfaces.documents import SlackDocuments
from bot.slack.surfaces.oncall import SlackHandoffNotices
from bot.slack.surfaces.paging import SlackPages
from bot.slack.surfaces.reminders import SlackReminders
from bot.slack.surfaces.replies import SlackReplies
from bot.slack.surfaces.room import CREATE_CHANNEL, SlackRoom
from bot.vendors.twilio import TwilioClient, TwilioSmsSender, TwilioVoiceCaller
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
    kernel: Kernel, incidents: IncidentService, routing: RoutingConfig | None, paging: PagingService
) -> AlertService:
    """The alert feature, its offers and notices shown in Slack; new incidents paged."""
    settings, calls, clock = kernel.settings, kernel.calls, kernel.clock
    watched = alert_channel_list(settings.warroom_alert_channels)
    alerts = AlertService(
        kernel.engine,
        incidents,
        offers=OfferService(
            kernel.engine, kernel.outbox, SlackOffers(calls, clock=clock), clock=clock
        ),
        paging=paging,
        notices=SlackAlertNotices(calls, kernel.places),
        config=routing or load_routing_config(settings.warroom_config),
        offer_channel=watched[0] if watched else settings.warroom_announce_channel,
        clock=clock,
    )
    alerts.register()
    return alerts


@dataclass(frozen=True)
class Paging:
    """The paging feature: escalations, their delivery, people's contact methods."""

    service: PagingService
    reach: Reach
    delivery: Delivery


def build_senders(settings: Settings) -> Senders:
    """SMS and calls through Twilio, mail through SMTP, where they are set up."""
    sms: TwilioSmsSender | None = None
    voice: TwilioVoiceCaller | None = None
    mail: SmtpMailer | None = None
    sid, token, number = (
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from,
    )
    if sid and token and number:
        client = TwilioClient(sid, token, api_url=settings.twilio_api_url)
        sms, voice = TwilioSmsSender(client, number), TwilioVoiceCaller(client, number)
    if settings.warroom_smtp_url and settings.warroom_mail_from:
        target = parse_smtp_url(settings.warroom_smtp_url)
        mail = SmtpMailer(target, mail_from=settings.warroom_mail_from)
    return Senders(sms=sms, voice=voice, mail=mail)


def wire_paging(
    kernel: Kernel,
    incidents: IncidentService,
    oncall: OncallService,
    config: PagingConfig | None = None,
    senders: Senders | None = None,
) -> Paging:
    """Escalation policies from `warroom.yml` (or those given), pages shown in Slack, and
    SMS, calls and mail where they are set up."""
    engine, clock, settings = kernel.engine, kernel.clock, kernel.settings
    if config is None:
        config = load_paging_config(
            settings.warroom_config, schedules=list(oncall.schedules.values())
        )
    chat = CountedPages(SlackPages(kernel.calls), kernel.metrics)
    service = PagingService(engine, incidents, chat, config=config, clock=clock, oncall=oncall)
    senders = senders or build_senders(settings)
    delivery = Delivery(
        engine, kernel.outbox, chat, senders, public_url=settings.warroom_public_url, clock=clock
    )
    reach = Reach(engine, service, kernel.outbox, clock=clock, sms=senders.sms)
    service.register()
    delivery.register()
    reach.register(kernel.inbox)
    return Paging(service, reach, delivery)


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
