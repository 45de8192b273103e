"""The real app with stakeholder updates and the status page in it, for tests: built by
`bot.app.build_warroom`, then given the comms services the way the composition root is to give
them (SlackDeps.comms and .status_page, the outbox handlers, the public-update reminder's
sender, the stakeholder cadence, `/maintenance`), mail going to a real SMTP server."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from integration.harness import MANIFEST, SECRET, Harness, ShiftableClock, build_test_settings
from servers.smtp_server import SmtpServer
from sqlmodel import Session, col, select

import bot.app
from bot.alerts.rules.routing import RoutingConfig
from bot.app import build_warroom
from bot.comms.config import load_comms_config
from bot.comms.delivery import StakeholderDelivery
from bot.comms.ports import Mail
from bot.comms.public import PublicUpdates
from bot.comms.service import CommsService
from bot.email.smtp import SmtpMailer
from bot.email.smtp_url import parse_smtp_url
from bot.kernel.outbox import Policy
from bot.paging.ports import Delivered
from bot.paging.ports import Mail as SmtpMail
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver
from bot.slack.deps import SlackDeps
from bot.slack.listeners.statuspage import MAINTENANCE, handle_maintenance_command
from bot.slack.surfaces.stakeholders import SlackPublicReminders, SlackStakeholders
from bot.statuspage.config import load_statuspage_config
from bot.statuspage.service import StatusPageService
from storage.enums import ReminderKind
from storage.models import PublicIncident, PublicUpdate, TimelineEvent

FAST = Policy(first_retry=timedelta(milliseconds=50), max_backoff=timedelta(seconds=1))
MAIL_FROM = "Warroom <warroom@example.com>"
WARROOM_YML = """\
components:
  - name: API
    services: [checkout]
  - name: Web
    services: [checkout, web]
  - name: Search
    services: [search]
stakeholders:
  - name: executives
    channel: "#exec"
    emails: [cto@example.com, ceo@example.com]
    severities: [sev1]
  - name: customer-success
    channel: cs-alerts
    emails: [cs@example.com]
    when_customers_affected: true
"""


class StakeholderMailer:
    """The comms `Mailer` on the paging SMTP mailer (the wiring's adapter)."""

    def __init__(self, mailer: SmtpMailer) -> None:
        self.mailer = mailer

    async def send_mail(self, mail: Mail, *, retry: bool) -> Delivered:
        """Send one mail through SMTP, the same Message-ID on a retry."""
        smtp = SmtpMail(
            to=mail.to,
            subject=mail.subject,
            text=mail.text,
            message_id=mail.message_id,
            html=mail.html,
            headers=dict(mail.headers),
        )
        return await self.mailer.send_mail(smtp, retry=retry)


@dataclass
class CommsHarness(Harness):
    """The app, the sandbox, the driver, and the SMTP server stakeholders' mail goes to."""

    smtp: SmtpServer | None = None
    deps: SlackDeps | None = None

    def command(self, user: str, channel: str, text: str) -> str:
        """Run `/incident <text>`, carry out what it stored, return its one ephemeral answer."""
        before = len(self.driver.ephemerals(user))
        response = self.driver.slash(user, channel, text)
        assert response.status_code == 200, response.text
        self.settle()
        shown = self.driver.wait_for(
            lambda: self.driver.ephemerals(user)[before:], description=f"an answer to {text}"
        )
        assert len(shown) == 1, shown
        return str(shown[0].get("text") or "")

    def events(self, kind: str, number: int = 1) -> list[TimelineEvent]:
        """The incident's timeline events of one kind."""
        return [e for e in self.timeline(number) if e.kind == kind]

    def public_incidents(self) -> list[PublicIncident]:
        """Every public incident."""
        return self.rows(PublicIncident)

    def public_updates(self) -> list[PublicUpdate]:
        """Every publication, oldest first."""
        with Session(self.engine) as session:
            return list(session.exec(select(PublicUpdate).order_by(col(PublicUpdate.id))))

    def mails(self) -> list[Any]:
        """Mails the SMTP server received, oldest first."""
        assert self.smtp is not None
        return list(self.smtp.received)


def wire_comms(warroom: Any, deps: SlackDeps, config: str, smtp: SmtpServer | None) -> None:
    """What the composition root does for stakeholders and the status page."""
    clock, calls = warroom.incidents.clock, deps.calls
    comms_config = load_comms_config(config)
    policy = replace(
        warroom.incidents.policy, stakeholder_severities=comms_config.nagged_severities()
    )
    warroom.incidents.policy = warroom.reminders.policy = policy
    chat = SlackStakeholders(calls)
    comms = CommsService(
        warroom.incidents, warroom.reminders, config=comms_config, room_url=chat.room_url
    )
    mailer = None
    if smtp is not None:
        smtp_mailer = SmtpMailer(parse_smtp_url(smtp.url()), mail_from=MAIL_FROM, clock=clock)
        mailer = StakeholderMailer(smtp_mailer)
    StakeholderDelivery(comms, chat, mailer).register()
    page = StatusPageService(warroom.engine, warroom.outbox, load_statuspage_config(config), clock)
    public = PublicUpdates(warroom.incidents, page, warroom.reminders)
    object.__setattr__(deps, "comms", comms)
    object.__setattr__(deps, "status_page", public)
    warroom.reminders.senders[ReminderKind.PUBLIC_UPDATE_DUE] = SlackPublicReminders(
        calls, clock=clock
    )
    warroom.slack.command(MAINTENANCE)(handle_maintenance_command)


@contextmanager
def comms_app(
    database_url: str,
    sandbox: SandboxServer,
    folder: Path,
    smtp: SmtpServer | None,
    monkeypatch: pytest.MonkeyPatch,
    *,
    config_text: str = WARROOM_YML,
) -> Iterator[CommsHarness]:
    """The app serving on its own port, with `config_text` as warroom.yml."""
    config = folder / "warroom.yml"
    config.write_text(config_text)
    made: list[SlackDeps] = []

    def keep_deps(**fields: Any) -> SlackDeps:
        made.append(SlackDeps(**fields))
        return made[-1]

    monkeypatch.setattr(bot.app, "SlackDeps", keep_deps)
    with ExitStack() as stack:
        sandbox.reset()
        settings = build_test_settings(database_url, sandbox.api_url, warroom_config=str(config))
        clock = ShiftableClock()
        # Routing is given: its loader does not know the status page's and stakeholders'
        # sections of warroom.yml yet.
        warroom = build_warroom(settings, clock=clock, outbox_policy=FAST, routing=RoutingConfig())
        wire_comms(warroom, made[-1], str(config), smtp)
        handle = serve_in_thread(warroom.http)
        driver = SlackDriver(f"{handle.url}/slack/events", SECRET, sandbox.url)
        driver.connect_events()
        driver.configure(subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"])

        def stop() -> None:
            handle.run(warroom.settle())
            handle.stop()
            driver.close()
            warroom.engine.dispose()

        stack.callback(stop)
        yield CommsHarness(
            driver=driver, warroom=warroom, handle=handle, clock=clock, smtp=smtp, deps=made[-1]
        )
