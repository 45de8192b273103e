"""The incident, alert and on-call features wired with the Slack surfaces that carry out their
effects."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.alerts.config import load_routing_config
from bot.alerts.offers import OfferService
from bot.alerts.rules.routing import RoutingConfig
from bot.alerts.service import AlertService
from bot.incidents.postmortem.render import PostmortemRenderer, load_postmortem_renderer
from bot.incidents.postmortem.service import PostmortemService
from bot.incidents.publishing import Publisher
from bot.incidents.reminders import ReminderService, RoomRepair
from bot.incidents.service import IncidentService
from bot.oncall.config import ScheduleDef, load_schedules
from bot.oncall.feeds import FeedService
from bot.oncall.handoffs import HandoffService
from bot.oncall.service import OncallService
from bot.paging.service import PagingService
from bot.people.service import PeopleService
from bot.scheduler.jobs import Job
from bot.settings import alert_channel_list
from bot.slack.places import SLACK
from bot.slack.surfaces.alerts import SlackAlertNotices, SlackOffers
from bot.slack.surfaces.announcements import SlackAnnouncements
from bot.slack.surfaces.documents import SlackDocuments
from bot.slack.surfaces.oncall import SlackHandoffNotices
from bot.slack.surfaces.reminders import SlackReminders
from bot.slack.surfaces.replies import SlackReplies
from bot.slack.surfaces.room import CREATE_CHANNEL, SlackRoom
from bot.slack.surfaces.stakeholders import SlackPublicReminders
from bot.web.ical_fetch import HttpFeedFetcher
from bot.wiring.kernel import Kernel
from storage.enums import ReminderKind


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
        senders={ReminderKind.PUBLIC_UPDATE_DUE: SlackPublicReminders(calls, clock=clock)},
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
