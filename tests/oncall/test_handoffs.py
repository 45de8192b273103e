"""Handoffs end to end: the app's clock passes 09:00 on a Monday in Berlin; the incoming and
outgoing people get one DM each, #sre one post per schedule, the user groups become who is on
call (never nobody), exactly once: ticked again, after a restart, and with two processes on
one PostgreSQL."""

import asyncio
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from slack_oncall_app import (
    BEFORE_HANDOFF,
    HANDOFF,
    OncallApp,
    StartApp,
    members,
    message_text,
    overrides,
)
from sqlalchemy import event
from sqlmodel import Session, select

from bot.oncall.handoffs import HandoffTick
from bot.oncall.service import OncallService
from bot.sandbox import SandboxServer
from bot.slack.ids import ActionId, BlockId
from storage.database import make_engine
from storage.models import Effect


def texts(messages: list[dict[str, Any]]) -> list[str]:
    """What each message says."""
    return [message_text(m) for m in messages]


def bot_posts(app: OncallApp, channel: str = "sre") -> list[str]:
    return texts([m for m in app.driver.messages(channel) if m.get("user") == "U0BOT"])


def test_the_first_look_brings_the_groups_in_line_quietly(start_app: StartApp) -> None:
    app = start_app()
    report = app.tick_handoffs()
    # sre (alice's week began last Monday) and early (carol since 07:00): over an hour ago,
    # so recorded without a word, but the groups now name who is on call.
    assert (len(report.announced), len(report.quiet)) == (0, 2)
    assert [(h.schedule, h.incoming) for h in app.handoffs()] == [
        ("sre", ["U0ALICE"]),
        ("early", ["U0CAROL"]),
    ]
    assert members(app.driver, "sre-oncall") == ["U0ALICE"]
    assert members(app.driver, "early-oncall") == ["U0CAROL"]
    assert not any(app.driver.dm_messages(u) for u in ("alice", "bob", "carol"))
    assert bot_posts(app) == []
    assert app.tick_handoffs() == HandoffTick()  # nothing more to say


def test_a_handoff_is_told_once_to_everyone(start_app: StartApp) -> None:
    app = start_app()
    app.tick_handoffs()
    # During alice's shift: an incident declared by hand, and an alert that becomes one.
    app.driver.slash("alice", "general", "declare sev2 Checkout is slow")
    app.alert("Queue backlog growing", "queue", "queue-backlog")
    app.settle()
    app.clock.advance(seconds=60)  # 09:00:30 in Berlin

    report = app.tick_handoffs()

    assert len(report.announced) == 2 and not report.quiet
    recorded = [(h.schedule, h.at, h.outgoing, h.incoming) for h in app.handoffs()[2:]]
    assert sorted(recorded) == [
        ("early", HANDOFF, ["U0CAROL"], []),
        ("sre", HANDOFF, ["U0ALICE"], ["U0BOB"]),
    ]
    (incoming,) = texts(app.driver.dm_messages("bob"))
    assert "You are on call for sre" in incoming and "Handed over by <@U0ALICE>" in incoming
    assert "Checkout is slow" in incoming  # open now
    assert "2 fired" in incoming and "Queue backlog growing" in incoming
    (outgoing,) = texts(app.driver.dm_messages("alice"))
    assert "Your on-call shift in sre ended" in outgoing and "<@U0BOB> has the pager" in outgoing
    (carol,) = texts(app.driver.dm_messages("carol"))
    assert "Nobody is on call in early after you" in carol
    posts = bot_posts(app)
    assert len(posts) == 2
    sre = next(p for p in posts if "*sre* handoff" in p)
    assert "<@U0ALICE> → <@U0BOB>" in sre
    early = next(p for p in posts if "*early*" in p)
    assert "nobody is on call" in early
    assert "@early-oncall user group keeps <@U0CAROL>: Slack cannot empty a user group" in early
    assert members(app.driver, "sre-oncall") == ["U0BOB"]
    assert members(app.driver, "early-oncall") == ["U0CAROL"]  # never emptied
    updates = app.driver.calls("usergroups.users.update")
    assert len(updates) == 3 and all(call["ok"] for call in updates)  # two quiet, one now
    assert len(app.driver.calls("usergroups.list")) == 2  # each group's id looked up once

    app.clock.advance(seconds=30)
    assert app.tick_handoffs() == HandoffTick()
    assert len(app.driver.dm_messages("bob")) == 1 and len(bot_posts(app)) == 2
    assert len(app.driver.calls("usergroups.users.update")) == 3


def test_a_tick_with_no_handoff_due_looks_at_no_schedule(start_app: StartApp) -> None:
    app = start_app()  # 08:59:30 in Berlin, half a minute before the handoff
    asked: list[str] = []
    event.listen(app.warroom.engine, "before_cursor_execute", _asking_for_handoffs(asked))
    assert app.tick_handoffs().looked_at == ["sre", "early", "weekend"]  # the first look
    # sre and early were brought in line just now: looked at once more, then not until 09:00.
    assert app.tick_handoffs().looked_at == ["sre", "early"]
    asked.clear()
    for _ in range(3):
        app.clock.advance(seconds=5)
        quiet = app.tick_handoffs()
        assert quiet == HandoffTick() and quiet.looked_at == []
    assert asked == []  # nothing read about handoffs: the next change was kept
    app.clock.advance(seconds=30)  # 09:00:15: both change hands

    report = app.tick_handoffs()

    assert report.looked_at == ["sre", "early"] and len(report.announced) == 2
    assert app.tick_handoffs().looked_at == ["sre", "early"]  # recorded: that is checked once
    app.clock.advance(seconds=5)
    assert app.tick_handoffs().looked_at == []
    assert [len(app.driver.dm_messages(u)) for u in ("alice", "bob", "carol")] == [1, 1, 1]
    # An hour after the handoff, the record is held against who is on call, once.
    app.clock.advance(hours=1)
    assert app.tick_handoffs().looked_at == ["sre", "early"]
    assert app.tick_handoffs().looked_at == []


def _asking_for_handoffs(asked: list[str]) -> Callable[..., None]:
    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        if "oncallhandoff" in statement.lower():
            asked.append(statement)

    return record


def test_a_handoff_recorded_before_a_crash_is_told_once_by_the_next_process(
    start_app: StartApp,
) -> None:
    first = start_app()
    first.tick_handoffs()
    first.clock.advance(seconds=60)
    first.driver.outage(True)  # Slack is down: the handoff is recorded, its effects wait
    assert len(first.handle.run(first.warroom.handoffs.tick()).announced) == 2
    first.crash()
    assert first.driver.dm_messages("bob") == []  # nothing went out
    first.driver.outage(False)
    first.driver.close()

    second = start_app(BEFORE_HANDOFF + timedelta(seconds=75), fresh=False)
    assert second.tick_handoffs() == HandoffTick()  # recorded already: nothing new
    second.driver.wait_for(
        lambda: len(second.driver.dm_messages("bob")) == 1 and len(bot_posts(second)) == 2,
        description="the waiting DMs and posts to go out",
    )
    second.settle()
    assert [len(second.driver.dm_messages(u)) for u in ("alice", "bob", "carol")] == [1, 1, 1]
    assert len(bot_posts(second)) == 2
    assert members(second.driver, "sre-oncall") == ["U0BOB"]
    assert len(second.handoffs()) == 4


def test_the_scheduler_hands_over_by_itself_within_seconds(start_app: StartApp) -> None:
    app = start_app(HANDOFF - timedelta(seconds=3), warroom_tick_interval="1s")
    app.driver.wait_for(
        lambda: len(app.driver.dm_messages("bob")) == 1,
        timeout=20,
        description="the handoff job to tell bob",
    )
    (handoff,) = [h for h in app.handoffs() if h.schedule == "sre" and h.at == HANDOFF]
    assert handoff.recorded_at is not None
    assert handoff.recorded_at - HANDOFF < timedelta(seconds=60)
    assert members(app.driver, "sre-oncall") == ["U0BOB"]


def test_two_processes_on_one_postgresql_tell_each_handoff_once(
    start_app: StartApp, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("two processes sharing a database need PostgreSQL (WARROOM_TEST_POSTGRES_URL)")
    apps = [start_app(), start_app(fresh=False)]

    def tick_together() -> None:
        reports: list[HandoffTick] = []
        threads = [
            threading.Thread(target=lambda a=a: reports.append(a.tick_handoffs())) for a in apps
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(reports) == 2

    tick_together()
    for app in apps:
        app.clock.advance(seconds=60)
    tick_together()
    for app in apps:
        app.settle()

    assert sorted((h.schedule, h.at) for h in apps[0].handoffs()[2:]) == [
        ("early", HANDOFF),
        ("sre", HANDOFF),
    ]
    driver = apps[0].driver
    assert [len(driver.dm_messages(u)) for u in ("alice", "bob", "carol")] == [1, 1, 1]
    assert len(bot_posts(apps[0])) == 2
    assert len(driver.calls("usergroups.users.update")) == 3
    assert members(driver, "sre-oncall") == ["U0BOB"]


TUESDAY_LATE = datetime(2026, 3, 10, 9, 30, tzinfo=UTC)  # 10:30 in Berlin: carol since 09:00


def test_an_override_and_its_removal_hand_the_pager_over_and_back(start_app: StartApp) -> None:
    app = start_app(TUESDAY_LATE)
    assert len(app.tick_handoffs().quiet) == 1  # sre: carol since 09:00; early: nobody, ever
    assert members(app.driver, "sre-oncall") == ["U0CAROL"]
    app.ask("bob", "override sre <@U0ALICE|alice> now +8h")

    assert len(app.tick_handoffs().announced) == 1
    (override,) = overrides(app)
    taken = app.handoffs()[-1]
    assert (taken.at, taken.outgoing, taken.incoming) == (
        override.start_at,
        ["U0CAROL"],
        ["U0ALICE"],
    )
    assert "You are on call for sre" in texts(app.driver.dm_messages("alice"))[-1]
    assert "<@U0ALICE> has the pager now" in texts(app.driver.dm_messages("carol"))[-1]
    assert members(app.driver, "sre-oncall") == ["U0ALICE"]

    app.clock.advance(minutes=10)
    app.ask("carol", "overrides sre")
    listed = app.driver.ephemerals("carol")[-1]
    block = f"{BlockId.ONCALL_OVERRIDE}:{override.id}"
    app.driver.click(
        "carol", "general", listed["ts"], ActionId.ONCALL_REMOVE_OVERRIDE, block_id=block
    )
    app.settle()
    # The removed override held until it was removed: its end is a change in the shifts,
    # dated when it was removed.
    assert len(app.tick_handoffs().announced) == 1
    (removed,) = overrides(app)
    back = app.handoffs()[-1]
    assert (back.at, back.outgoing, back.incoming) == (
        removed.removed_at,
        ["U0ALICE"],
        ["U0CAROL"],
    )
    assert "You are on call for sre" in texts(app.driver.dm_messages("carol"))[-1]
    assert members(app.driver, "sre-oncall") == ["U0CAROL"]
    assert app.tick_handoffs() == HandoffTick()


def test_an_override_stored_by_another_process_ends_the_quiet_at_once(
    start_app: StartApp, database_url: str
) -> None:
    app = start_app(TUESDAY_LATE)
    app.tick_handoffs()
    app.tick_handoffs()
    assert app.tick_handoffs().looked_at == []  # carol until 17:00: nothing due
    engine = make_engine(database_url)
    try:
        schedules = list(app.warroom.handoffs.oncall.schedules.values())
        other = OncallService(engine, schedules, clock=app.clock)
        now = app.clock()
        asyncio.run(other.add_override("sre", "U0ALICE", now, now + timedelta(hours=8), by="U0BOB"))
    finally:
        engine.dispose()

    report = app.tick_handoffs()

    assert report.looked_at == ["sre"]  # the only plan that changed: the others stay quiet
    handed = app.handoffs()[-1]
    assert len(report.announced) == 1 and (handed.at, handed.incoming) == (now, ["U0ALICE"])
    assert members(app.driver, "sre-oncall") == ["U0ALICE"]


def test_an_override_made_late_is_told_when_it_is_made(start_app: StartApp) -> None:
    app = start_app(TUESDAY_LATE)
    app.tick_handoffs()
    # It began at 08:00, before anyone knew: the pager changes hands now.
    app.ask("bob", "override sre <@U0ALICE|alice> 2026-03-10 08:00 +8h")
    assert len(app.tick_handoffs().announced) == 1
    (override,) = overrides(app)
    handed = app.handoffs()[-1]
    assert (handed.at, handed.incoming) == (override.created_at, ["U0ALICE"])
    assert len(app.driver.dm_messages("alice")) == 1
    assert members(app.driver, "sre-oncall") == ["U0ALICE"]


def test_a_group_slack_will_not_update_holds_up_nothing_else(start_app: StartApp) -> None:
    app = start_app()
    app.tick_handoffs()
    app.driver.inject("usergroups.users.update", "permission_denied", times=5)
    app.clock.advance(seconds=60)
    assert len(app.tick_handoffs().announced) == 2
    assert len(app.driver.dm_messages("bob")) == 1 and len(bot_posts(app)) == 2
    assert members(app.driver, "sre-oncall") == ["U0ALICE"]  # Slack said no: left as it was
    with Session(app.warroom.engine) as session:
        groups = session.exec(select(Effect).where(Effect.kind == "oncall.group")).all()
    failed = [e for e in groups if e.state == "failed"]
    assert len(failed) == 1 and "permission_denied" in (failed[0].last_error or "")
    assert len(app.driver.calls("usergroups.users.update")) == 3  # tried once, not forever


def test_a_group_deleted_and_made_anew_is_found_again(
    start_app: StartApp, oncall_sandbox: SandboxServer
) -> None:
    app = start_app()
    app.tick_handoffs()  # the group's id is known from here on
    world = oncall_sandbox.world
    (old,) = [g.id for g in world.usergroups.values() if g.handle == "sre-oncall"]
    del world.usergroups[old]  # an admin deletes the group and makes it again
    made_again = app.driver.add_usergroup("sre-oncall", ["carol"])
    app.clock.advance(seconds=60)
    app.tick_handoffs()
    assert members(app.driver, "sre-oncall") == ["U0BOB"]
    assert [g["id"] for g in app.driver.usergroups() if g["handle"] == "sre-oncall"] == [made_again]
