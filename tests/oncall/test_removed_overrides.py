"""A removed override keeps its past: it held from its start until it was removed, so the
shifts it covered, the hours ledger and the handoffs stay as they were; only the time after the
removal goes back to the rotation. One removed before it began never held."""

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from oncall_schedules import SRE_YML, sre
from slack_oncall_app import (
    TUESDAY,
    OncallApp,
    StartApp,
    members,
    on_record,
)
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot.cli import main
from bot.oncall.config import load_schedules
from bot.oncall.rules.hours import split_hours
from bot.oncall.rules.shifts import Shift, Source
from bot.oncall.service import OncallService
from storage.database import make_engine
from storage.models import OncallOverride

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=BERLIN)


def timeline(shifts: list[Shift]) -> list[tuple[datetime, datetime, str, Source]]:
    return [(s.start, s.end, s.user, s.source) for s in shifts]


async def test_a_running_override_removed_keeps_the_shifts_it_already_covered(
    engine: Engine,
) -> None:
    # U0B has sre's week of 12 January; U0C takes Wednesday 09:00-17:00 and is removed at noon.
    clock = [berlin(14, 8)]
    service = OncallService(engine, [sre("U0A", "U0B")], clock=lambda: clock[0])
    taken = await service.add_override("sre", "U0C", berlin(14, 9), berlin(14, 17), by="U0B")
    clock[0] = berlin(14, 12)
    past = (berlin(13, 0), berlin(14, 12))
    before = await service.shifts("sre", *past)
    hours_before = split_hours(before, BERLIN, frozenset())

    assert await service.remove_override(taken, by="U0B") is True
    assert await service.shifts("sre", *past) == before
    assert split_hours(await service.shifts("sre", *past), BERLIN, frozenset()) == hours_before
    assert timeline(await service.shifts("sre", berlin(14, 0), berlin(15, 0))) == [
        (berlin(14, 0), berlin(14, 9), "U0B", Source.ROTATION),
        (berlin(14, 9), berlin(14, 12), "U0C", Source.OVERRIDE),  # held until removed
        (berlin(14, 12), berlin(15, 0), "U0B", Source.ROTATION),
    ]
    (now,) = await service.who("sre")
    assert now.shift is not None and now.shift.user == "U0B"
    assert await service.overrides("sre") == []  # no longer listed: it cannot be removed twice


async def test_a_layer_override_removed_keeps_its_past_in_that_layer(engine: Engine) -> None:
    clock = [berlin(14, 8)]
    service = OncallService(engine, [sre("U0A", "U0B", secondary=("U0X",))], clock=lambda: clock[0])
    taken = await service.add_override(
        "sre", "U0C", berlin(14, 9), berlin(14, 17), layer="primary", by="U0B"
    )
    clock[0] = berlin(14, 10, 30)
    assert await service.remove_override(taken, by="U0B") is True
    primary = await service.layer_shifts("sre", "primary", berlin(14, 0), berlin(15, 0))
    assert timeline(primary) == [
        (berlin(14, 0), berlin(14, 9), "U0B", Source.ROTATION),
        (berlin(14, 9), berlin(14, 10, 30), "U0C", Source.OVERRIDE),
        (berlin(14, 10, 30), berlin(15, 0), "U0B", Source.ROTATION),
    ]


async def test_an_override_removed_before_it_began_never_held(engine: Engine) -> None:
    clock = [berlin(14, 8)]
    service = OncallService(engine, [sre("U0A", "U0B")], clock=lambda: clock[0])
    taken = await service.add_override("sre", "U0C", berlin(15, 9), berlin(15, 17), by="U0B")
    clock[0] = berlin(15, 8, 59)
    assert await service.remove_override(taken, by="U0B") is True
    clock[0] = berlin(16, 0)
    assert timeline(await service.shifts("sre", berlin(15, 0), berlin(16, 0))) == [
        (berlin(15, 0), berlin(16, 0), "U0B", Source.ROTATION),
    ]


async def test_two_removals_at_once_remove_once(database_url: str) -> None:
    """A double click carried out by two processes at the same moment: one removal wins."""
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        clock = [berlin(14, 8)]
        one, other = (
            OncallService(engine, [sre("U0A", "U0B")], clock=lambda: clock[0]) for engine in engines
        )
        for hour in range(9, 21):
            taken = await one.add_override("sre", "U0C", berlin(14, hour), berlin(15, 0), by="U0B")
            removed = await asyncio.gather(
                one.remove_override(taken, by="U0A"), other.remove_override(taken, by="U0B")
            )
            assert sorted(removed) == [False, True]
    finally:
        for engine in engines:
            engine.dispose()


def test_the_hours_ledger_of_the_past_is_the_same_after_a_removal(
    nowhere: Path,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`warroom oncall hours` over the last day, before and after removing an override that
    has been running for three hours (the command reads the real clock, as it is run)."""
    (nowhere / "warroom.yml").write_text(SRE_YML, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(nowhere / "warroom.yml"))
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    engine = make_engine(database_url)
    service = OncallService(
        engine, load_schedules(str(nowhere / "warroom.yml")), clock=lambda: datetime.now(UTC)
    )
    start = now - timedelta(hours=3)
    taken = asyncio.run(
        service.add_override("sre", "U0CAROL", start, now + timedelta(hours=5), by="U0BOB")
    )
    shown = [(now - timedelta(days=1)).astimezone(BERLIN), now.astimezone(BERLIN)]
    period = ["--from", f"{shown[0]:%Y-%m-%dT%H:%M}", "--to", f"{shown[1]:%Y-%m-%dT%H:%M}"]

    def ledger() -> dict[str, str]:
        assert main(["oncall", "hours", *period, "--csv"]) == 0
        rows = csv.DictReader(io.StringIO(capsys.readouterr().out))
        return {row["user"]: row["total"] for row in rows}

    before = ledger()
    assert before["U0CAROL"] == "3.00"
    assert asyncio.run(service.remove_override(taken, by="U0BOB")) is True
    engine.dispose()
    assert ledger() == before


# -- handoffs -------------------------------------------------------------------------------


def only_override(app: OncallApp) -> OncallOverride:
    with Session(app.warroom.engine) as session:
        return session.exec(select(OncallOverride)).one()


def test_a_removal_is_a_handoff_at_the_moment_of_removal(start_app: StartApp) -> None:
    app = start_app(TUESDAY)
    on_record(app)
    app.tick_handoffs()
    app.ask("bob", "override sre <@U0ALICE|alice> now +8h")
    app.tick_handoffs()
    app.clock.advance(minutes=30)
    taken = only_override(app)
    assert taken.id is not None
    app.handle.run(app.warroom.oncall.remove_override(taken.id, by="U0CAROL"))
    # The removal is a change in the shifts like any other: told within the hour.
    report = app.tick_handoffs()
    assert (len(report.announced), len(report.quiet)) == (1, 0)
    back = app.handoffs()[-1]
    removed = only_override(app)
    assert (back.at, back.outgoing, back.incoming) == (
        removed.removed_at,
        ["U0ALICE"],
        ["U0CAROL"],
    )
    assert members(app.driver, "sre-oncall") == ["U0CAROL"]


def test_a_removal_nobody_saw_is_recorded_at_the_moment_of_removal(start_app: StartApp) -> None:
    app = start_app(TUESDAY)
    on_record(app)
    app.tick_handoffs()
    app.ask("bob", "override sre <@U0ALICE|alice> now +8h")
    app.tick_handoffs()
    app.clock.advance(minutes=30)
    taken = only_override(app)
    assert taken.id is not None
    app.handle.run(app.warroom.oncall.remove_override(taken.id, by="U0CAROL"))
    app.clock.advance(hours=2)  # every process was down since: too late to announce
    report = app.tick_handoffs()
    assert (len(report.announced), len(report.quiet)) == (0, 1)
    back = app.handoffs()[-1]
    assert (back.at, back.incoming) == (only_override(app).removed_at, ["U0CAROL"])
    assert members(app.driver, "sre-oncall") == ["U0CAROL"]
