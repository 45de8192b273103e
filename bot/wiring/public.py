"""The communication hub wired: the public status page and its subscribers, and stakeholder
updates posted in Slack and mailed."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter

from bot.comms.definitions import CommsConfig
from bot.comms.delivery import StakeholderDelivery
from bot.comms.public import PublicUpdates
from bot.comms.service import CommsService
from bot.incidents.reminders import ReminderService
from bot.incidents.service import IncidentService
from bot.paging.delivery import Senders
from bot.scheduler.jobs import Job
from bot.slack.surfaces.stakeholders import SlackStakeholders
from bot.statuspage.config import load_statuspage_config
from bot.statuspage.definitions import StatusPageConfig
from bot.statuspage.service import StatusPageService
from bot.statuspage.subscribers import SubscriberService
from bot.statuspage.subscribers_delivery import SubscriberDelivery
from bot.statuspage.subscribers_mail import MailRenderer
from bot.statuspage.subscribers_source import ServicePublications
from bot.statuspage.subscribers_webhooks import WebhookSubscribers
from bot.web.status.routes import build_status_router
from bot.web.status_subscribe import build_status_subscribe_router
from bot.web.status_subscribe_links import ItsdangerousLinkSigner
from bot.web.status_subscribe_senders import HttpWebhookPoster
from bot.wiring.kernel import Kernel


@dataclass(frozen=True)
class Public:
    """The status page, its subscribers and stakeholder updates."""

    page: StatusPageService
    subscribers: SubscriberService
    comms: CommsService
    updates: PublicUpdates  # publications made from an incident (Slack's side)
    routers: tuple[APIRouter, ...]

    def jobs(self, interval: timedelta) -> Mapping[str, tuple[Job, timedelta]]:
        """Its scheduled jobs: maintenance starts and ends when due."""
        return {"statuspage-maintenance": (self.page.tick, interval)}


def wire_public(
    kernel: Kernel,
    incidents: IncidentService,
    reminders: ReminderService,
    senders: Senders,
    comms_config: CommsConfig,
    config: StatusPageConfig | None = None,
) -> Public:
    """The status page from `warroom.yml`'s components (or those given), subscribers mailed
    through the paging SMTP sender, stakeholders told in Slack and by mail."""
    engine, outbox, clock = kernel.engine, kernel.outbox, kernel.clock
    public_url = kernel.settings.warroom_public_url
    config = config or load_statuspage_config(kernel.settings.warroom_config)
    page = StatusPageService(engine, outbox, config, clock)
    subscribers = SubscriberService(
        engine,
        outbox,
        config,
        ItsdangerousLinkSigner(),
        public_url=public_url,
        clock=clock,
        mail_enabled=senders.mail is not None,
    )
    publications = ServicePublications(engine, page, config, public_url)
    renderer = MailRenderer(config.branding, public_url)
    SubscriberDelivery(
        engine, outbox, subscribers, publications, renderer, senders.mail, clock=clock
    ).register()
    WebhookSubscribers(engine, outbox, publications, HttpWebhookPoster(), clock=clock).register()
    chat = SlackStakeholders(kernel.calls)
    comms = CommsService(incidents, reminders, config=comms_config, room_url=chat.room_url)
    StakeholderDelivery(comms, chat, senders.mail).register()
    routers = (
        build_status_subscribe_router(subscribers, config=config, public_url=public_url),
        build_status_router(page, public_url),
    )
    return Public(page, subscribers, comms, PublicUpdates(incidents, page, reminders), routers)
