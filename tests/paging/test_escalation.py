"""Escalation policies end to end: the real app over signed HTTP against the Slack sandbox, a
real database, and a clock moved by hand. An alert routed to a policy pages its first level;
each timeout pages the next; `repeat` starts again; an empty level is passed at once and
recorded; an exhausted policy says so once; an acknowledgement stops the rest; **Escalate
now** moves on at once; severity rules page at once or later; a crash loses and doubles
nothing."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from oncall.slack_oncall_app import (
    TUESDAY,
    OncallApp,
    StartApp,
    app_starter,
    message_text,
    on_record,
)
from sqlmodel import Session, col, select

from bot.sandbox import SandboxServer
from bot.slack.ids import ActionId
from storage.models import Escalation, EscalationStep, Incident, Notification, PageAcknowledgement

# On TUESDAY (10:00 in Berlin) bob has sre's primary layer; nobody is in `weekend`.
PAGING_YML = """
routes:
  - name: checkout
    match: {service: checkout}
    action: declare
    escalation: production-api
  - name: batch
    match: {service: batch}
    action: declare
    escalation: weekend-first
  - name: web
    match: {service: web}
    action: declare
    page: [U0CAROL]
escalation_policies:
  - name: production-api
    levels:
      - targets: [schedule:sre/primary]
        timeout: 30m
      - targets: [U0CAROL]
        timeout: 15m
    repeat: 1
    notify_at_once: {sev2: [U0ALICE]}
    unresolved: {sev2: {after: 2h, escalate_to: [U0ALICE]}}
  - name: weekend-first
    levels:
      - targets: [schedule:weekend]
        timeout: 10m
      - targets: [U0CAROL]
        timeout: 10m
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
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


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each app start resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def start_app(database_url: str, sandbox: SandboxServer, tmp_path: Path) -> Iterator[StartApp]:
    """Apps reading the paging warroom.yml."""
    with app_starter(database_url, sandbox, tmp_path, yml=PAGING_YML) as start:
        yield start


@pytest.fixture
def app(start_app: StartApp) -> OncallApp:
    """The app on Tuesday morning."""
    app = start_app(TUESDAY)
    on_record(app)
    return app


def page_dms(app: OncallApp, user: str) -> list[dict[str, object]]:
    """The page DMs a person got (each page message, however edited since)."""
    return [m for m in app.driver.dm_messages(user) if "You are paged" in str(m.get("text"))]


def steps(app: OncallApp) -> list[tuple[int, int, str, list[str]]]:
    with Session(app.warroom.engine) as session:
        rows = session.exec(select(EscalationStep).order_by(col(EscalationStep.id)))
        return [(s.level, s.loop, s.outcome, s.people) for s in rows]


def escalations(app: OncallApp) -> list[Escalation]:
    with Session(app.warroom.engine) as session:
        return list(session.exec(select(Escalation).order_by(col(Escalation.id))))


def slack_notifications(app: OncallApp) -> list[tuple[str, str]]:
    with Session(app.warroom.engine) as session:
        query = select(Notification).where(Notification.method == "slack")
        return [(n.target, n.state) for n in session.exec(query.order_by(col(Notification.id)))]


def room_of(app: OncallApp) -> str:
    """The incident's channel."""
    with Session(app.warroom.engine) as session:
        incident = session.exec(select(Incident)).one()
    room = app.driver.channel_by_name(f"inc-{incident.number}-checkout-errors")
    assert room is not None
    return str(room["id"])


def channel_notices(app: OncallApp, words: str) -> list[str]:
    messages = app.driver.messages(room_of(app))
    return [message_text(m) for m in messages if words in message_text(m)]


def later(app: OncallApp, **delta: float) -> None:
    app.clock.advance(**delta)
    app.settle()


def test_an_unacknowledged_page_climbs_each_level_repeats_then_says_so_once(
    app: OncallApp,
) -> None:
    app.alert("Checkout errors", "checkout", "checkout-errors")
    # level 1: bob (on call in sre/primary) and, the incident being SEV2, alice at once
    assert steps(app) == [(0, 0, "paged", ["U0BOB", "U0ALICE"])]
    assert len(page_dms(app, "bob")) == 1 and len(page_dms(app, "alice")) == 1
    later(app, minutes=29)
    assert len(steps(app)) == 1  # not before the timeout
    later(app, minutes=2)
    assert steps(app)[-1] == (1, 0, "paged", ["U0CAROL"])
    later(app, minutes=16)
    assert steps(app)[-1] == (0, 1, "paged", ["U0BOB"])  # repeat: level 1 again
    later(app, minutes=31)
    later(app, minutes=16)
    assert [(level, loop) for level, loop, _, _ in steps(app)] == [(0, 0), (1, 0), (0, 1), (1, 1)]
    assert len(page_dms(app, "bob")) == 2 and len(page_dms(app, "carol")) == 2
    (page, *_waiting) = escalations(app)
    assert page.state == "exhausted"
    said = app.driver.wait_for(
        lambda: channel_notices(app, "Nobody acknowledged"), description="the exhausted notice"
    )
    assert said == [
        ":warning: Nobody acknowledged page 1 (policy production-api): every level was paged, "
        "2 times over. Page someone with /incident page."
    ]
    later(app, hours=1)
    assert len(channel_notices(app, "Nobody acknowledged")) == 1
    assert len(steps(app)) == 4 + 1  # only the unresolved rule's page (2 h) came since


def test_an_acknowledgement_stops_every_later_level_and_edits_every_page(app: OncallApp) -> None:
    app.alert("Checkout errors", "checkout", "checkout-errors")
    (page,) = page_dms(app, "bob")
    dm = app.driver.dm_channel("bob") or ""
    app.driver.click("bob", dm, str(page["ts"]), ActionId.ACKNOWLEDGE_PAGE)
    app.settle()
    first, *_ = escalations(app)
    assert (first.state, first.acknowledged_by) == ("acknowledged", "U0BOB")
    later(app, minutes=31)
    later(app, minutes=16)
    assert len(steps(app)) == 1 and page_dms(app, "carol") == []
    for user in ("bob", "alice"):
        (edited,) = page_dms(app, user)
        assert "Acknowledged by <@U0BOB>" in message_text(edited)
        assert not [b for b in edited.get("blocks") or [] if b.get("type") == "actions"]
    with Session(app.warroom.engine) as session:
        incident = session.exec(select(Incident)).one()
        acks = session.exec(select(PageAcknowledgement)).all()
    assert incident.acknowledged_by == "U0BOB"
    assert [(a.user, a.via) for a in acks] == [("U0BOB", "slack")]


def test_a_second_responder_is_recorded_the_first_counts(app: OncallApp) -> None:
    app.alert("Checkout errors", "checkout", "checkout-errors")
    (page,) = page_dms(app, "alice")
    dm = app.driver.dm_channel("alice") or ""
    app.driver.click("alice", dm, str(page["ts"]), ActionId.ACKNOWLEDGE_PAGE)
    app.settle()
    room = room_of(app)
    app.driver.join("bob", room)
    assert app.driver.slash("bob", room, "ack", command="/incident").status_code == 200
    app.settle()
    with Session(app.warroom.engine) as session:
        acks = session.exec(select(PageAcknowledgement).order_by(col(PageAcknowledgement.id)))
        assert [(a.user, a.via) for a in acks] == [("U0ALICE", "slack"), ("U0BOB", "command")]
    assert escalations(app)[0].acknowledged_by == "U0ALICE"


def test_escalate_now_pages_the_next_level_at_once(app: OncallApp) -> None:
    app.alert("Checkout errors", "checkout", "checkout-errors")
    (page,) = page_dms(app, "bob")
    dm = app.driver.dm_channel("bob") or ""
    app.driver.click("bob", dm, str(page["ts"]), ActionId.ESCALATE_PAGE)
    app.settle()
    assert steps(app)[-1] == (1, 0, "paged", ["U0CAROL"])
    assert len(page_dms(app, "carol")) == 1
    later(app, minutes=14)  # level 1's 30 minutes no longer count: level 2's 15 do
    assert len(steps(app)) == 2
    later(app, minutes=2)
    assert steps(app)[-1] == (0, 1, "paged", ["U0BOB"])


def test_an_empty_level_is_passed_at_once_and_recorded_as_no_responder(app: OncallApp) -> None:
    app.alert("Batch stuck", "batch", "batch-stuck")
    assert steps(app) == [(0, 0, "no_responder", []), (1, 0, "paged", ["U0CAROL"])]
    assert len(page_dms(app, "carol")) == 1


def test_a_route_naming_people_pages_them_once_with_no_timeout(app: OncallApp) -> None:
    app.alert("Web slow", "web", "web-slow")
    assert steps(app) == [(0, 0, "paged", ["U0CAROL"])]
    later(app, hours=3)
    assert slack_notifications(app) == [("U0CAROL", "sent")]
    assert escalations(app)[0].state == "active"


def test_a_sev2_still_unresolved_after_two_hours_pages_the_manager(app: OncallApp) -> None:
    app.alert("Checkout errors", "checkout", "checkout-errors")
    (page,) = page_dms(app, "bob")
    dm = app.driver.dm_channel("bob") or ""
    app.driver.click("bob", dm, str(page["ts"]), ActionId.ACKNOWLEDGE_PAGE)
    app.settle()
    later(app, minutes=119)
    assert len(page_dms(app, "alice")) == 1  # only the at-once notice of level 1
    later(app, minutes=2)
    assert len(page_dms(app, "alice")) == 2
    waiting = escalations(app)[1]
    assert (waiting.state, waiting.reason) == ("active", "SEV2 unresolved after 2h")


def test_a_crash_mid_escalation_loses_and_doubles_nothing(
    app: OncallApp, start_app: StartApp
) -> None:
    app.alert("Checkout errors", "checkout", "checkout-errors")
    app.crash()
    again = start_app(TUESDAY, fresh=False)
    again.clock.offset = app.clock.offset
    later(again, minutes=31)
    later(again, minutes=1)
    assert [(level, loop) for level, loop, _, _ in steps(again)] == [(0, 0), (1, 0)]
    assert len(page_dms(again, "bob")) == 1 and len(page_dms(again, "carol")) == 1
