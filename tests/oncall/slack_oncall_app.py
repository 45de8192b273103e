"""The real app with on-call schedules, on real HTTP against the Slack sandbox, its clock set
to a chosen instant and moved by hand; driven by signed requests like the integration tests.

A plain module (test files wrap `app_starter` in a fixture of their own).
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from integration.harness import MANIFEST, SECRET, WEBHOOK_TOKEN, build_test_settings
from sqlmodel import Session, col, select

from bot.app import Warroom, build_warroom
from bot.kernel.outbox import Policy
from bot.oncall.handoffs import HandoffTick
from bot.sandbox import SandboxServer, ServerHandle, serve_in_thread
from bot.sandbox.driver import SlackDriver
from storage.models import OncallHandoff, OncallOverride, Person

# Tuesday 10 March 2026, 10:00 in Berlin: bob has sre's primary week, carol the daytime layer
# (tue-fri 09:00-17:00, so she is the one on call); nobody at the early desk (07:00-09:00);
# nobody in weekend (Saturdays 10:00-11:00 in New York, on summer time since 8 March).
TUESDAY = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)

FAST = Policy(first_retry=timedelta(milliseconds=50), max_backoff=timedelta(seconds=1))
# Monday 9 March 2026, 08:59:30 in Berlin (UTC+1): alice's week of sre ends at 09:00, bob's
# begins; the early desk (carol, 07:00-09:00) closes with nobody after it.
BEFORE_HANDOFF = datetime(2026, 3, 9, 7, 59, 30, tzinfo=UTC)
HANDOFF = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)

WARROOM_YML = """
routes:
  - name: checkout
    match: {service: checkout}
    action: declare
    page: [schedule:sre]
  - name: checkout-daytime
    match: {service: web}
    action: declare
    page: [schedule:sre/daytime]
  - name: batch
    match: {service: batch}
    action: declare
    page: [schedule:weekend, U0BOB]
schedules:
  - name: sre
    timezone: Europe/Berlin
    handoff_channel: sre
    user_group: sre-oncall
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
      - name: daytime
        users: [U0CAROL]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
        restrict: "tue-fri 09:00-17:00"
  - name: early
    timezone: Europe/Berlin
    handoff_channel: sre
    user_group: early-oncall
    layers:
      - name: desk
        users: [U0CAROL]
        rotation: daily
        handoff: "07:00"
        start: 2026-01-05
        restrict: "mon-fri 07:00-09:00"
  - name: weekend
    timezone: America/New_York
    layers:
      - name: only
        users: [U0CAROL]
        rotation: weekly
        handoff: "saturday 10:00"
        start: 2026-01-03
        restrict: "sat 10:00-11:00"
"""


class SetClock:
    """Real time, shifted so that it reads a chosen instant now; moved forward by hand."""

    def __init__(self, at: datetime) -> None:
        self.offset = at - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        """Move time forward, e.g. `advance(seconds=60)`."""
        self.offset += timedelta(**delta)


@dataclass
class OncallApp:
    """One app process: Warroom on its own port, a driver playing the people."""

    warroom: Warroom
    handle: ServerHandle
    driver: SlackDriver
    clock: SetClock
    stopped: bool = False

    def stop(self) -> None:
        """Finish what is stored, then stop serving (as `warroom run` does on SIGTERM)."""
        if self.stopped:
            return
        self.stopped = True
        self.handle.run(self.warroom.settle())
        self.handle.stop()
        self.driver.close()
        self.warroom.engine.dispose()

    def crash(self) -> None:
        """Stop serving at once, leaving what is stored for the next process (the driver
        stays usable)."""
        self.stopped = True
        self.handle.stop()
        self.warroom.engine.dispose()

    def alert(self, title: str, service: str, key: str) -> None:
        """An alert arrives by webhook (Warroom's own JSON format) and is carried out."""
        response = httpx.post(
            f"{self.handle.url}/webhooks/generic",
            json={"title": title, "dedup_key": key, "severity": "critical", "service": service},
            headers={"authorization": f"Bearer {WEBHOOK_TOKEN}"},
            timeout=30,
        )
        assert response.status_code == 202, response.text
        self.settle()

    def settle(self) -> None:
        """Carry out every stored request and every due effect."""
        self.handle.run(self.warroom.settle())

    def tick_handoffs(self) -> HandoffTick:
        """One run of the handoff job on the app's loop, then everything it set off."""
        report = self.handle.run(self.warroom.handoffs.tick())
        self.settle()
        return report

    def ask(self, user: str, text: str, channel: str = "general") -> str:
        """Run `/oncall <text>` as `user`, carry it out, and return what they were shown
        (the text and every block's text of the one new ephemeral message)."""
        before = len(self.driver.ephemerals(user))
        response = self.driver.slash(user, channel, text, command="/oncall")
        assert response.status_code == 200, response.text
        self.settle()
        shown = self.driver.wait_for(
            lambda: self.driver.ephemerals(user)[before:],
            description=f"an answer to /oncall {text}",
        )
        assert len(shown) == 1, shown
        return message_text(shown[0])

    def handoffs(self) -> list[OncallHandoff]:
        """Recorded handoffs, oldest first."""
        with Session(self.warroom.engine) as session:
            query = select(OncallHandoff).order_by(col(OncallHandoff.at), col(OncallHandoff.id))
            return list(session.exec(query))


def message_text(message: dict[str, Any]) -> str:
    """What a message says: its text and every block's text (and accessory's), joined."""
    parts = [message.get("text") or ""]
    for block in message.get("blocks") or []:
        parts.append(str((block.get("text") or {}).get("text") or ""))
        parts += [str(e.get("text") or "") for e in block.get("elements") or []]
    return "\n".join(parts)


def on_record(app: OncallApp, zones: dict[str, str] | None = None) -> None:
    """The people directory knows alice, bob and carol, freshly, with these time zones (none
    unless given), so no answer looks them up in Slack."""
    zones = zones or {}
    with Session(app.warroom.engine) as session:
        for user_id, handle in (("U0ALICE", "alice"), ("U0BOB", "bob"), ("U0CAROL", "carol")):
            person = session.get(Person, user_id) or Person(id=user_id, handle=handle)
            person.timezone = zones.get(user_id, "")
            person.refreshed_at = app.clock()
            session.add(person)
        session.commit()


def members(driver: SlackDriver, handle: str) -> list[str]:
    """A sandbox user group's members."""
    return next(g["users"] for g in driver.usergroups() if g["handle"] == handle)


StartApp = Callable[..., OncallApp]


@contextmanager
def app_starter(
    database_url: str, sandbox: SandboxServer, tmp_path: Path, yml: str = WARROOM_YML
) -> Iterator[StartApp]:
    """Start apps on one database (each stopped on the way out): `fresh=True` (the default)
    resets the sandbox and sets up #sre and the user groups; later apps share the world.
    `yml` is the warroom.yml they read (`WARROOM_YML` by default)."""
    config = tmp_path / "warroom.yml"
    config.write_text(yml)
    with ExitStack() as stack:

        def start(
            at: datetime = BEFORE_HANDOFF, *, fresh: bool = True, **overrides: Any
        ) -> OncallApp:
            if fresh:
                sandbox.reset()
            values = {
                "warroom_config": str(config),
                "warroom_webhook_token": WEBHOOK_TOKEN,
                **overrides,
            }
            settings = build_test_settings(database_url, sandbox.api_url, **values)
            clock = SetClock(at)
            warroom = build_warroom(settings, clock=clock, outbox_policy=FAST)
            handle = serve_in_thread(warroom.http)
            driver = SlackDriver(f"{handle.url}/slack/events", SECRET, sandbox.url)
            driver.connect_events()
            driver.configure(
                subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"]
            )
            if fresh:
                channel = driver.create_channel("alice", "sre")
                driver.invite("alice", channel, "U0BOT")
                driver.add_usergroup("sre-oncall", ["carol"])
                driver.add_usergroup("early-oncall", ["alice"])
            app = OncallApp(warroom, handle, driver, clock)
            stack.callback(app.stop)
            return app

        yield start


def overrides(app: OncallApp) -> list[OncallOverride]:
    """Every override stored, oldest first."""
    with Session(app.warroom.engine) as session:
        return list(session.exec(select(OncallOverride).order_by(col(OncallOverride.id))))
