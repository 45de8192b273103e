"""The real app with stakeholder updates and the status page in it, for tests: built by
`bot.app.build_warroom` from a warroom.yml with components and stakeholders, mail going to a
real SMTP server."""

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from integration.harness import MANIFEST, SECRET, Harness, ShiftableClock, build_test_settings
from servers.smtp_server import SmtpServer
from sqlmodel import Session, col, select

from bot.app import build_warroom
from bot.kernel.outbox import Policy
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver
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


@dataclass
class CommsHarness(Harness):
    """The app, the sandbox, the driver, and the SMTP server stakeholders' mail goes to."""

    smtp: SmtpServer | None = None

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


@contextmanager
def comms_app(
    database_url: str,
    sandbox: SandboxServer,
    folder: Path,
    smtp: SmtpServer | None,
    *,
    config_text: str = WARROOM_YML,
) -> Iterator[CommsHarness]:
    """The app serving on its own port, with `config_text` as warroom.yml."""
    config = folder / "warroom.yml"
    config.write_text(config_text)
    mail = {"warroom_smtp_url": smtp.url(), "warroom_mail_from": MAIL_FROM} if smtp else {}
    with ExitStack() as stack:
        sandbox.reset()
        settings = build_test_settings(
            database_url, sandbox.api_url, warroom_config=str(config), **mail
        )
        clock = ShiftableClock()
        warroom = build_warroom(settings, clock=clock, outbox_policy=FAST)
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
        yield CommsHarness(driver=driver, warroom=warroom, handle=handle, clock=clock, smtp=smtp)
