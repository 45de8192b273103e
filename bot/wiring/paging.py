"""Paging wired: escalations shown in Slack, and SMS, calls and mail where they are set up."""

from dataclasses import dataclass

from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.incidents.service import IncidentService
from bot.observability.counting import CountedPages
from bot.oncall.service import OncallService
from bot.paging.config import load_paging_config
from bot.paging.definitions import PagingConfig
from bot.paging.delivery import Delivery, Senders
from bot.paging.reach import Reach
from bot.paging.service import PagingService
from bot.settings import Settings
from bot.slack.surfaces.paging import SlackPages
from bot.vendors.twilio import TwilioClient, TwilioSmsSender, TwilioVoiceCaller
from bot.wiring.kernel import Kernel


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
