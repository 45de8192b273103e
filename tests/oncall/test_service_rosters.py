"""Roster history: a change to warroom.yml holds from the next handoff on; past and current
shifts keep their people, a pending change is replaced rather than stacked, and processes
syncing at the same time store each version once."""

import asyncio
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from oncall_schedules import sre, with_users
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.oncall.rules.shifts import Shift, Source
from bot.oncall.service import OncallService
from storage import migrate
from storage.database import make_engine
from storage.models import OncallRoster

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(month: int, day: int, hour: int = 9) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BERLIN)


def clock_at(instant: list[datetime]) -> Callable[[], datetime]:
    return lambda: instant[0]


def rows(engine: Engine, schedule: str = "sre") -> list[OncallRoster]:
    with Session(engine) as session:
        query = select(OncallRoster).where(OncallRoster.schedule == schedule)
        return list(session.exec(query.order_by(OncallRoster.id)))  # type: ignore[arg-type]


def people(shifts: list[Shift]) -> list[tuple[datetime, str]]:
    return [(shift.start.astimezone(BERLIN), shift.user) for shift in shifts]


async def test_the_first_sync_stores_a_version_in_force_since_ever(engine: Engine) -> None:
    now = [berlin(1, 14, 12)]
    service = OncallService(engine, [sre("U0A", "U0B")], clock=clock_at(now))
    assert await service.sync_rosters() == 1
    restarted = OncallService(engine, [sre("U0A", "U0B")], clock=clock_at(now))
    assert await restarted.sync_rosters() == 0  # nothing changed: nothing stored
    (row,) = rows(engine)
    assert (row.layer, row.users, row.effective_from) == ("primary", ["U0A", "U0B"], None)
    assert row.rotation["timezone"] == "Europe/Berlin"
    assert row.rotation["handoff"] == "monday 09:00"


async def test_adding_a_person_changes_shifts_from_the_next_handoff_only(engine: Engine) -> None:
    now = [berlin(1, 14, 12)]  # a Wednesday: U0B holds the week of Jan 12
    before = OncallService(engine, [sre("U0A", "U0B")], clock=clock_at(now))
    await before.sync_rosters()
    span = (berlin(1, 5), berlin(2, 9))
    old = await before.shifts("sre", *span)
    assert people(old) == [
        (berlin(1, 5), "U0A"),
        (berlin(1, 12), "U0B"),
        (berlin(1, 19), "U0A"),
        (berlin(1, 26), "U0B"),
        (berlin(2, 2), "U0A"),
    ]

    after = OncallService(engine, [sre("U0A", "U0B", "U0C")], clock=clock_at(now))
    assert await after.sync_rosters() == 1
    assert rows(engine)[-1].effective_from == berlin(1, 19)  # the next Monday 09:00
    new = await after.shifts("sre", *span)
    assert new[:2] == old[:2]  # the past and the current shift keep their people
    assert people(new)[2:] == [
        (berlin(1, 19), "U0C"),  # the rotation stays on its anchor: shift 2 of 3 people
        (berlin(1, 26), "U0A"),
        (berlin(2, 2), "U0B"),
    ]
    # Months later, recomputing the past gives the same history.
    now[0] = berlin(4, 1)
    assert await after.shifts("sre", *span) == new
    (who,) = await after.who("sre", at=berlin(1, 14, 12))
    assert who.shift is not None and who.shift.user == "U0B"
    assert who.until == berlin(1, 19)
    assert who.next is not None and who.next.user == "U0C"


async def test_a_pending_change_is_replaced_not_stacked(engine: Engine) -> None:
    now = [berlin(1, 14, 12)]
    schedule = sre("U0A", "U0B")
    await OncallService(engine, [schedule], clock=clock_at(now)).sync_rosters()
    now[0] = berlin(1, 15)
    await OncallService(
        engine, [with_users(schedule, "primary", "U0A", "U0B", "U0C")], clock=clock_at(now)
    ).sync_rosters()
    now[0] = berlin(1, 16)
    latest = OncallService(
        engine, [with_users(schedule, "primary", "U0A", "U0B", "U0D")], clock=clock_at(now)
    )
    assert await latest.sync_rosters() == 1
    versions = rows(engine)
    assert [(r.users, r.effective_from) for r in versions] == [
        (["U0A", "U0B"], None),
        (["U0A", "U0B", "U0D"], berlin(1, 19)),
    ]
    # Going back to what holds now drops the pending change and stores nothing new.
    now[0] = berlin(1, 17)
    back = OncallService(engine, [schedule], clock=clock_at(now))
    assert await back.sync_rosters() == 0
    assert [(r.users, r.effective_from) for r in rows(engine)] == [(["U0A", "U0B"], None)]


async def test_a_change_after_a_change_took_effect_counts_from_the_newer_rotation(
    engine: Engine,
) -> None:
    now = [berlin(1, 14, 12)]
    schedule = sre("U0A", "U0B")
    await OncallService(engine, [schedule], clock=clock_at(now)).sync_rosters()
    now[0] = berlin(1, 15)
    three = with_users(schedule, "primary", "U0A", "U0B", "U0C")
    await OncallService(engine, [three], clock=clock_at(now)).sync_rosters()
    now[0] = berlin(1, 21)  # the 3-person roster holds since Jan 19
    two = with_users(schedule, "primary", "U0A", "U0C")
    service = OncallService(engine, [two], clock=clock_at(now))
    await service.sync_rosters()
    assert [r.effective_from for r in rows(engine)] == [None, berlin(1, 19), berlin(1, 26)]
    shifts = await service.shifts("sre", berlin(1, 12), berlin(2, 9))
    assert people(shifts) == [
        (berlin(1, 12), "U0B"),
        (berlin(1, 19), "U0C"),  # shift 2 of [A, B, C], then shift 3 of [A, C]: C again
        (berlin(2, 2), "U0A"),  # shift 4 of [A, C]
    ]
    assert shifts[1].end == berlin(2, 2)


async def test_a_layer_gone_from_the_file_stops_at_its_next_handoff(engine: Engine) -> None:
    now = [berlin(1, 14, 12)]
    both = sre("U0A", "U0B", secondary=("U0X", "U0Y"))
    await OncallService(engine, [both], clock=clock_at(now)).sync_rosters()
    only_primary = sre("U0A", "U0B")
    service = OncallService(engine, [only_primary], clock=clock_at(now))
    assert await service.sync_rosters() == 1
    removed = rows(engine)[-1]
    assert (removed.layer, removed.users, removed.effective_from) == (
        "secondary",
        [],
        berlin(1, 19),
    )
    final = await service.shifts("sre", berlin(1, 5), berlin(1, 26))
    # The secondary (the later layer) covered the past and covers the current week.
    assert people(final) == [(berlin(1, 5), "U0X"), (berlin(1, 12), "U0Y"), (berlin(1, 19), "U0A")]


async def test_a_layer_added_later_starts_at_its_own_next_handoff(engine: Engine) -> None:
    now = [berlin(1, 14, 12)]
    await OncallService(engine, [sre("U0A", "U0B")], clock=clock_at(now)).sync_rosters()
    service = OncallService(engine, [sre("U0A", "U0B", secondary=("U0X",))], clock=clock_at(now))
    await service.sync_rosters()
    assert rows(engine)[-1].effective_from == berlin(1, 19)
    final = await service.shifts("sre", berlin(1, 12), berlin(1, 26))
    assert people(final) == [(berlin(1, 12), "U0B"), (berlin(1, 19), "U0X")]


def test_rows_are_only_written_by_sync(engine: Engine) -> None:
    # Reading shifts before any sync shows what the first sync would store, and stores nothing.
    service = OncallService(engine, [sre("U0A")], clock=lambda: berlin(1, 14))
    shifts = asyncio.run(service.shifts("sre", berlin(1, 14), berlin(1, 15)))
    assert [s.user for s in shifts] == ["U0A"] and shifts[0].source is Source.ROTATION
    assert rows(engine) == []


async def test_processes_syncing_at_once_store_each_version_once(database_url: str) -> None:
    # Four engines are four processes' connection pools; several rounds give the race a chance.
    rounds = 6
    engines = [make_engine(database_url) for _ in range(4)]
    try:
        for round_ in range(rounds):
            name = f"race-{round_}"
            now = [berlin(1, 14, 12)]
            first = sre("U0A", "U0B", secondary=("U0X", "U0Y"), name=name)
            racers = [OncallService(e, [first], clock=clock_at(now)) for e in engines]
            stored = await asyncio.gather(*(r.sync_rosters() for r in racers))
            assert sorted(stored) == [0, 0, 0, 2]
            assert [(r.layer, r.effective_from) for r in rows(engines[0], name)] == [
                ("primary", None),
                ("secondary", None),
            ]
            changed = with_users(first, "primary", "U0A", "U0B", "U0C")
            racers = [OncallService(e, [changed], clock=clock_at(now)) for e in engines]
            stored = await asyncio.gather(*(r.sync_rosters() for r in racers))
            assert sorted(stored) == [0, 0, 0, 1]
            assert len(rows(engines[0], name)) == 3
    finally:
        for engine in engines:
            engine.dispose()


async def test_an_older_process_never_undoes_a_newer_ones_change(engine: Engine) -> None:
    # A rolling restart: the old process synced its file at its start and keeps ticking.
    now = [berlin(1, 14, 12)]
    old = OncallService(engine, [sre("U0A", "U0B")], clock=clock_at(now))
    await old.sync_rosters()
    new = OncallService(engine, [sre("U0A", "U0B", "U0C")], clock=clock_at(now))
    assert await new.sync_rosters() == 1
    now[0] = berlin(1, 15)
    assert await old.sync_rosters() == 0
    assert [r.users for r in rows(engine)] == [["U0A", "U0B"], ["U0A", "U0B", "U0C"]]
    # Both read the same rosters from the database: the newer change holds for both.
    week = (berlin(1, 19), berlin(1, 26))
    assert await old.shifts("sre", *week) == await new.shifts("sre", *week)
    assert [s.user for s in await old.shifts("sre", *week)] == ["U0C"]


async def test_a_sync_that_could_not_reach_the_database_is_made_on_a_later_tick(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'later.db'}"
    engine = make_engine(url)
    service = OncallService(engine, [sre("U0A")], clock=lambda: berlin(1, 14))
    with pytest.raises(OperationalError):
        await service.sync_rosters()  # no tables yet: as good as no database
    migrate.upgrade(url)
    assert await service.sync_rosters() == 1
    engine.dispose()
