"""The app wired to the paging vendors, for the end-to-end paging tests: fixtures (made by
the `*_fixture` functions, assigned in each test module), and what the app stored and sent.

A plain module (test files import it by name).
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from forwarding_proxy import forwarding_proxy
from integration.harness import WEBHOOK_TOKEN
from oncall.slack_oncall_app import TUESDAY, OncallApp, app_starter, on_record
from paging_vendors import Person, Vendors, paging_yml
from servers.smtp_server import smtp_server
from servers.twilio_server import TwilioEmulator
from sqlmodel import Session, col, select

from bot.sandbox import SandboxServer
from storage.models import Effect, Escalation, EscalationStep, Notification, PageAcknowledgement

StartApp = Callable[..., OncallApp]
SETTLE_SECONDS = 30.0


def sandbox_fixture() -> Callable[..., Any]:
    """`sandbox`: one Slack sandbox for the module; each app start resets its world."""

    @pytest.fixture(scope="module")
    def sandbox() -> Iterator[SandboxServer]:
        with SandboxServer() as server:
            yield server

    return sandbox


def vendors_fixture() -> Callable[..., Any]:
    """`vendors`, for the module (it needs `twilio` and `sandbox`): Twilio and Slack behind
    proxies that can fail requests, SMTP, and the app's front door, whose URL is the public URL
    the emulator posts inbound texts to."""

    @pytest.fixture(scope="module")
    def vendors(twilio: TwilioEmulator, sandbox: SandboxServer) -> Iterator[Vendors]:
        with (
            forwarding_proxy(twilio.url) as twilio_proxy,
            forwarding_proxy() as front_door,
            smtp_server() as smtp,
            forwarding_proxy(sandbox.url) as slack_proxy,
        ):
            twilio.set_sms_url(f"{front_door.url}/webhooks/twilio")
            yield Vendors(twilio, twilio_proxy, front_door, smtp, slack_proxy)

    return vendors


def start_app_fixture() -> Callable[..., Any]:
    """`start_app` (it needs `vendors` and `people`): start apps wired to the vendors on the
    test's database, on Tuesday morning; the front door forwards to the latest.
    `through_proxy` sends its Twilio requests, `slack_proxy` its Slack ones, through the
    proxies; other keywords are settings."""

    @pytest.fixture
    def start_app(
        database_url: str,
        sandbox: SandboxServer,
        tmp_path: Path,
        vendors: Vendors,
        people: dict[str, Person],
    ) -> Iterator[StartApp]:
        proxies = (vendors.twilio_proxy, vendors.front_door, vendors.slack_proxy)
        for proxy in proxies:
            proxy.reset()
        with app_starter(database_url, sandbox, tmp_path, yml=paging_yml(people)) as start:

            def start_wired(
                *,
                fresh: bool = True,
                through_proxy: bool = False,
                slack_proxy: bool = False,
                **overrides: Any,
            ) -> OncallApp:
                wiring = vendors.settings(through_proxy=through_proxy, slack_proxy=slack_proxy)
                app = start(TUESDAY, fresh=fresh, **(wiring | overrides))
                vendors.front_door.target = app.handle.url
                if fresh:  # a later app finds them on record (and may be busy already)
                    on_record(app)
                return app

            yield start_wired
            for proxy in proxies:
                proxy.reset()  # no fault left to keep the apps from settling as they stop

    return start_app


def notifications(app: OncallApp, person: Person | None = None) -> dict[str, Notification]:
    """The person's page notifications (every one when None) by method; one each expected."""
    with Session(app.warroom.engine) as session:
        query = select(Notification).where(Notification.purpose == "page")
        if person is not None:
            query = query.where(Notification.target == person.user)
        rows = list(session.exec(query.order_by(col(Notification.id))))
    by_method = {row.method: row for row in rows}
    assert len(by_method) == len(rows), [(r.method, r.level, r.loop) for r in rows]
    return by_method


def all_notifications(app: OncallApp) -> list[Notification]:
    """Every notification stored, oldest first."""
    with Session(app.warroom.engine) as session:
        return list(session.exec(select(Notification).order_by(col(Notification.id))))


def the_page(app: OncallApp) -> Escalation:
    """The one page stored."""
    with Session(app.warroom.engine) as session:
        return session.exec(select(Escalation)).one()


def acknowledgements(app: OncallApp) -> list[tuple[str, str]]:
    """(user, via) of every acknowledgement, in order."""
    with Session(app.warroom.engine) as session:
        rows = session.exec(select(PageAcknowledgement).order_by(col(PageAcknowledgement.id)))
        return [(row.user, row.via) for row in rows]


def page_dms(app: OncallApp, person: Person) -> list[dict[str, Any]]:
    """The page DMs the person got (each as it reads now)."""
    return [m for m in app.driver.dm_messages(person.name) if "You are paged" in str(m.get("text"))]


def post_alert(app: OncallApp, title: str = "Checkout errors", service: str = "checkout") -> None:
    """A critical alert of the service arrives by webhook (stored; not carried out yet)."""
    alert = {"title": title, "dedup_key": service, "severity": "critical", "service": service}
    response = httpx.post(
        f"{app.handle.url}/webhooks/generic",
        json=alert,
        headers={"authorization": f"Bearer {WEBHOOK_TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 202, response.text


def alert(app: OncallApp, title: str = "Checkout errors", service: str = "checkout") -> None:
    """A critical alert of the service arrives by webhook, and is carried out."""
    post_alert(app, title, service)
    settle(app)


def settle(app: OncallApp) -> None:
    """Carry out every stored request and every due effect, and again while an effect is still
    held: the app's own worker may claim a retry coming due just as settling looks for one
    (the outbox's drain can miss it), and another app on the database may be at work."""
    deadline = time.monotonic() + SETTLE_SECONDS
    app.settle()
    while held_effects(app):
        if time.monotonic() > deadline:
            raise AssertionError(f"effects still held after {SETTLE_SECONDS} s of settling")
        time.sleep(0.05)
        app.settle()


def held_effects(app: OncallApp) -> int:
    """How many effects a worker holds right now (claimed, not finished)."""
    now = app.clock()
    with Session(app.warroom.engine) as session:
        query = select(Effect).where(Effect.state == "pending", col(Effect.claimed_until) > now)
        return len(session.exec(query).all())


def later(app: OncallApp, **delta: float) -> None:
    """Move the clock on, and carry out what came due."""
    app.clock.advance(**delta)
    settle(app)


# After the first level's page: its mail, its call, the second level, and so on to the third
# level's call; each step clear of the one before by more than settling waits.
CLIMB = [(65, "mail"), (300, "call"), (300, "level 2"), (65, "mail"), (300, "call")]
CLIMB += [(300, "level 3"), (65, "mail"), (300, "call")]


def climb(*apps: OncallApp) -> None:
    """Move every app's clock through three levels of the policy, all apps settling together
    at each step (they share one database: each step is done before the clock moves on)."""
    with ThreadPoolExecutor(len(apps)) as pool:
        for seconds, _what in CLIMB:
            for app in apps:
                app.clock.advance(seconds=seconds)
            list(pool.map(settle, apps))
            for app in apps:
                settle(app)


def assert_reached_once(app: OncallApp, vendors: Vendors, people: dict[str, Person]) -> None:
    """Each person was paged at their level once, by every method: one DM, one text, one mail,
    one call; no level skipped or paged twice."""
    reached = {
        p.name: (
            len(page_dms(app, p)),
            len(vendors.texts_to(p)),
            len(vendors.mails_to(p)),
            len(vendors.calls_to(p)),
        )
        for p in people.values()
    }
    assert reached == dict.fromkeys(people, (1, 1, 1, 1))
    with Session(app.warroom.engine) as session:
        steps = session.exec(select(EscalationStep).order_by(col(EscalationStep.id)))
        assert [(s.level, s.loop, s.people) for s in steps] == [
            (0, 0, ["U0CAROL"]),
            (1, 0, ["U0BOB"]),
            (2, 0, ["U0ALICE"]),
        ]
    rows = all_notifications(app)
    assert len(rows) == 4 * 3 and {n.state for n in rows} == {"sent"}
