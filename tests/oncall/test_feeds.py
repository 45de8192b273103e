"""iCal layers against a real local calendar server: the schedule follows the feed, fetches are
conditional and due every ten minutes whatever the number of processes, and a failing feed
keeps its last good copy and says since when it fails."""

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from ical_server import FeedServer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.oncall.config import LayerDef, ScheduleDef
from bot.oncall.feeds import FeedService
from bot.oncall.rules.shifts import Shift, Source
from bot.oncall.service import OncallService
from bot.web.ical_fetch import HttpFeedFetcher
from storage.database import make_engine
from storage.models import OncallFeedCopy, Person

FEED = (Path(__file__).parents[1] / "fixtures" / "ical" / "vendor_google.ics").read_bytes()
EMPTY = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nEND:VCALENDAR\r\n"
START = datetime(2026, 3, 1, 12, tzinfo=UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def vendor(url: str) -> ScheduleDef:
    """The issue's vendor schedule: one layer, an iCal feed, in New York time."""
    return ScheduleDef(
        name="vendor",
        timezone="America/New_York",
        layers=(LayerDef(name="imported", ical=url),),
    )


@pytest.fixture
def server() -> Iterator[FeedServer]:
    with FeedServer(FEED) as running:
        yield running


@pytest.fixture
def clock() -> Clock:
    return Clock()


def services(engine: Engine, url: str, clock: Clock) -> tuple[FeedService, OncallService]:
    schedules = [vendor(url)]
    feeds = FeedService(engine, schedules, HttpFeedFetcher(timeout=2.0), clock=clock)
    return feeds, OncallService(engine, schedules, clock=clock, feeds=feeds)


def add_person(engine: Engine, user: str, email: str) -> None:
    with Session(engine) as session:
        session.add(Person(id=user, handle=user.lower(), email=email, refreshed_at=START))
        session.commit()


def copy_of(engine: Engine) -> OncallFeedCopy:
    with Session(engine) as session:
        return session.exec(select(OncallFeedCopy)).one()


def timeline(shifts: list[Shift]) -> list[tuple[datetime, datetime, str]]:
    return [(s.start, s.end, s.user) for s in shifts]


MARCH = [
    (utc(2026, 3, 2, 14), utc(2026, 3, 8, 5), "bob@vendor.example"),
    (utc(2026, 3, 8, 5), utc(2026, 3, 9, 4), "dave@vendor.example"),  # 23-hour local day
    (utc(2026, 3, 9, 4), utc(2026, 3, 9, 13), "bob@vendor.example"),  # 09:00 EDT
    (utc(2026, 3, 9, 13), utc(2026, 3, 16, 13), "U0ALICE"),
    (utc(2026, 3, 16, 13), utc(2026, 3, 23, 13), "bob@vendor.example"),
    (utc(2026, 3, 23, 13), utc(2026, 3, 30, 13), "U0CAROL"),  # Alice's week excluded
]


async def march(oncall: OncallService) -> list[tuple[datetime, datetime, str]]:
    return timeline(await oncall.shifts("vendor", utc(2026, 3, 2, 14), utc(2026, 3, 30, 13)))


async def test_the_schedule_follows_the_feed_across_summer_time_and_an_exdate(
    engine: Engine, server: FeedServer, clock: Clock
) -> None:
    add_person(engine, "U0ALICE", "alice.archer@vendor.example")
    feeds, oncall = services(engine, server.url, clock)
    assert timeline(await oncall.shifts("vendor", utc(2026, 3, 1), utc(2026, 4, 1))) == []
    assert await feeds.refresh_due() == 1
    assert await march(oncall) == MARCH
    shifts = await oncall.shifts("vendor", utc(2026, 3, 2, 14), utc(2026, 3, 30, 13))
    assert {(s.layer, s.source) for s in shifts} == {("imported", Source.ICAL)}
    (now,) = await oncall.who("vendor", at=utc(2026, 3, 25, 12))
    assert now.shift is not None and now.shift.user == "U0CAROL"
    assert now.until == utc(2026, 3, 30, 13)
    (status,) = await feeds.status("vendor")
    assert (status.failing, status.fetched_at, status.checked_at) == (False, START, START)


async def test_the_next_fetch_is_conditional_and_a_304_keeps_the_copy(
    engine: Engine, server: FeedServer, clock: Clock
) -> None:
    feeds, oncall = services(engine, server.url, clock)
    await feeds.refresh_due()
    first = server.seen[0].headers
    assert "if-none-match" not in first and "if-modified-since" not in first
    clock.advance(minutes=10)
    assert await feeds.refresh_due() == 1
    second = server.seen[1].headers
    assert second["if-none-match"] == '"v1"'
    assert second["if-modified-since"] == "Sun, 01 Mar 2026 12:00:00 GMT"
    copy = copy_of(engine)
    assert copy.body == FEED.decode() and copy.etag == '"v1"'
    assert (copy.fetched_at, copy.checked_at) == (START, START + timedelta(minutes=10))
    assert len(await march(oncall)) == len(MARCH)


async def test_a_changed_feed_replaces_the_copy(
    engine: Engine, server: FeedServer, clock: Clock
) -> None:
    feeds, oncall = services(engine, server.url, clock)
    await feeds.refresh_due()
    server.plan.body = FEED.replace(b"Carol (Slack U0CAROL)", b"Frank (Slack U0FRANK)")
    server.plan.etag = '"v2"'
    clock.advance(minutes=10)
    await feeds.refresh_due()
    assert copy_of(engine).etag == '"v2"'
    assert (await march(oncall))[-1][2] == "U0FRANK"


async def test_a_feed_is_fetched_once_per_ten_minutes_across_processes_and_restarts(
    database_url: str, server: FeedServer, clock: Clock
) -> None:
    first, second = make_engine(database_url), make_engine(database_url)
    try:
        one, _ = services(first, server.url, clock)
        other, _ = services(second, server.url, clock)
        fetched = await asyncio.gather(one.refresh_due(), other.refresh_due())
        assert sorted(fetched) == [0, 1] and len(server.seen) == 1
        clock.advance(minutes=9)
        restarted, _ = services(first, server.url, clock)  # a new process: nothing in memory
        assert await restarted.refresh_due() == 0
        assert await other.refresh_due() == 0
        assert len(server.seen) == 1
        clock.advance(minutes=1)
        fetched = await asyncio.gather(restarted.refresh_due(), other.refresh_due())
        assert sorted(fetched) == [0, 1] and len(server.seen) == 2
    finally:
        first.dispose()
        second.dispose()


@pytest.mark.parametrize(
    ("fail", "error"),
    [
        ({"status": 500, "body": b"upstream error"}, "the feed answered HTTP 500"),
        ({"body": b"<!doctype html><title>Sign in</title>"}, "not an iCalendar feed"),
        ({"body": EMPTY}, "the feed has no events"),
    ],
)
async def test_a_failing_feed_keeps_the_last_good_copy_and_says_since_when(
    engine: Engine, server: FeedServer, clock: Clock, fail: dict[str, object], error: str
) -> None:
    feeds, oncall = services(engine, server.url, clock)
    await feeds.refresh_due()
    good = await march(oncall)
    for name, value in fail.items():
        setattr(server.plan, name, value)
    server.plan.etag = '"broken"'
    clock.advance(minutes=10)
    failed_at = clock.now
    await feeds.refresh_due()
    clock.advance(minutes=10)
    await feeds.refresh_due()
    assert len(server.seen) == 3
    assert await march(oncall) == good
    (status,) = await feeds.status()
    assert status.failing and error in (status.error or "")
    assert status.failing_since == failed_at  # the first failure, not the latest
    assert (status.fetched_at, status.checked_at) == (START, clock.now)
    copy = copy_of(engine)
    assert (copy.body, copy.etag) == (FEED.decode(), '"v1"')


async def test_a_feed_that_is_down_keeps_the_copy_and_is_well_again_once_back(
    engine: Engine, clock: Clock
) -> None:
    server = FeedServer(FEED)
    feeds, oncall = services(engine, server.url, clock)
    await feeds.refresh_due()
    good = await march(oncall)
    server.stop()
    clock.advance(minutes=10)
    await feeds.refresh_due()
    (status,) = await feeds.status()
    assert status.failing and "cannot fetch the feed" in (status.error or "")
    assert await march(oncall) == good
    with FeedServer(FEED) as back:
        moved = vendor(back.url)  # the same feed, served again (on a new port)
        feeds = FeedService(engine, [moved], HttpFeedFetcher(), clock=clock)
        oncall = OncallService(engine, [moved], clock=clock, feeds=feeds)
        assert await feeds.refresh_due() == 1  # a moved feed is due at once
        (status,) = await feeds.status()
        assert not status.failing and status.failing_since is None
        assert await march(oncall) == good


async def test_a_feed_that_never_worked_leaves_the_layer_empty_and_says_so(
    engine: Engine, server: FeedServer, clock: Clock
) -> None:
    server.plan.status = 503
    feeds, oncall = services(engine, server.url, clock)
    await feeds.refresh_due()
    assert await oncall.shifts("vendor", utc(2026, 3, 1), utc(2026, 4, 1)) == []
    (now,) = await oncall.who("vendor")
    assert now.shift is None
    (status,) = await feeds.status()
    assert (status.fetched_at, status.failing_since) == (None, START)


async def test_a_schedule_without_feeds_fetches_nothing(engine: Engine, clock: Clock) -> None:
    plain = ScheduleDef(
        name="sre",
        timezone="Europe/Berlin",
        layers=(LayerDef(name="primary", users=("U0A",), rotation="daily", handoff="09:00"),),
    )
    feeds = FeedService(engine, [plain], HttpFeedFetcher(), clock=clock)
    assert await feeds.refresh_due() == 0
    assert await feeds.status() == []


async def test_a_copy_is_parsed_once_and_again_only_when_a_new_one_is_taken(
    engine: Engine, server: FeedServer, clock: Clock
) -> None:
    feeds, oncall = services(engine, server.url, clock)
    await feeds.refresh_due()
    good = await march(oncall)
    with Session(engine) as session:  # the stored text changes behind the service's back
        copy = session.exec(select(OncallFeedCopy)).one()
        copy.body = FEED.decode().replace("U0CAROL", "U0FRANK")
        session.add(copy)
        session.commit()
    assert await march(oncall) == good  # same copy (same fetched_at): not read again
    with Session(engine) as session:
        copy = session.exec(select(OncallFeedCopy)).one()
        copy.fetched_at = START + timedelta(minutes=1)
        session.add(copy)
        session.commit()
    assert (await march(oncall))[-1][2] == "U0FRANK"
