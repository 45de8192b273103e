"""The plans a service keeps between reads: reused while nothing changed, and never trusted
past a change made anywhere else: an override stored by another process (`warroom oncall
override`, a real process), an override removed and a roster changed through another engine,
an e-mail the people directory resolved meanwhile. SQLite and PostgreSQL."""

import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from oncall_schedules import ANCHOR, SRE_YML, sre, weekly, with_users
from processes import WARROOM, warroom_env
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.oncall.config import ScheduleDef
from bot.oncall.service import OncallService
from storage.database import make_engine
from storage.models import Person

BERLIN = ZoneInfo("Europe/Berlin")


async def _who_at(service: OncallService, at: datetime) -> str | None:
    (found,) = await service.who("sre", at=at)
    return found.shift.user if found.shift else None


def test_a_plan_is_kept_while_nothing_changes(engine: Engine) -> None:
    service = OncallService(engine, [sre("U0ALICE", "U0BOB")], clock=lambda: datetime.now(UTC))
    with Session(engine) as session:
        first = service.plan_in(session, "sre")
    with Session(engine) as session:
        assert service.plan_in(session, "sre") is first  # not read and built again


async def test_an_override_another_process_stores_is_seen_on_the_next_call(
    database_url: str, nowhere: Path
) -> None:
    (nowhere / "warroom.yml").write_text(SRE_YML, encoding="utf-8")
    engine = make_engine(database_url)
    try:
        service = OncallService(engine, [sre("U0ALICE", "U0BOB")], clock=lambda: datetime.now(UTC))
        day = (datetime.now(BERLIN) + timedelta(days=3)).date()
        evening = datetime.combine(day, datetime.min.time(), BERLIN) + timedelta(hours=20)
        before = await _who_at(service, evening)
        assert before in ("U0ALICE", "U0BOB")
        assert await _who_at(service, evening) == before  # warm: kept plans and windows
        done = subprocess.run(
            [
                *WARROOM,
                *("oncall", "override", "sre", "--user", "U0ERIN"),
                *("--from", f"{day}T18:00", "--to", f"{day + timedelta(days=1)}T08:00"),
            ],
            cwd=nowhere,
            env=warroom_env(DATABASE_URL=database_url, WARROOM_CONFIG="warroom.yml"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert await _who_at(service, evening) == "U0ERIN"
    finally:
        engine.dispose()


async def test_an_override_removed_and_a_roster_changed_elsewhere_are_seen(
    database_url: str,
) -> None:
    schedule = sre("U0ALICE", "U0BOB")
    now = datetime(2026, 3, 11, 12, tzinfo=BERLIN)  # a Wednesday of U0BOB's week
    next_week = now + timedelta(days=7)  # U0ALICE's
    mine, theirs = make_engine(database_url), make_engine(database_url)
    try:
        service = OncallService(mine, [schedule], clock=lambda: now)
        other = OncallService(theirs, [schedule], clock=lambda: now)
        await other.sync_rosters()
        at = now + timedelta(hours=2)
        assert await _who_at(service, at) == "U0BOB"
        taken = await other.add_override("sre", "U0ERIN", now, now + timedelta(hours=4), by="U0X")
        assert await _who_at(service, at) == "U0ERIN"
        assert await other.remove_override(taken, by="U0X")
        assert await _who_at(service, at) == "U0BOB"  # removed as it began: it never held
        assert await _who_at(service, next_week) == "U0ALICE"
        changed = OncallService(
            theirs, [with_users(schedule, "primary", "U0CAROL")], clock=lambda: now
        )
        assert await changed.sync_rosters() == 1  # from next Monday 09:00
        assert await _who_at(service, at) == "U0BOB"
        assert await _who_at(service, next_week) == "U0CAROL"
    finally:
        mine.dispose()
        theirs.dispose()


async def test_an_email_the_people_directory_resolves_meanwhile_is_seen(engine: Engine) -> None:
    layer = weekly("primary", "carol@example.com")
    schedule = ScheduleDef("sre", "Europe/Berlin", layers=(layer,))
    service = OncallService(engine, [schedule], clock=lambda: datetime.now(UTC))
    at = datetime.combine(ANCHOR, datetime.min.time(), BERLIN) + timedelta(days=10)
    assert await _who_at(service, at) == "carol@example.com"
    with Session(engine) as session:
        session.add(Person(id="U0CAROL", email="Carol@Example.com", refreshed_at=at))
        session.commit()
    assert await _who_at(service, at) == "U0CAROL"
    with Session(engine) as session:
        carol = session.get(Person, "U0CAROL")
        assert carol is not None
        carol.email = "carol@elsewhere.example"  # the same people, the same times: only this
        session.add(carol)
        session.commit()
    assert await _who_at(service, at) == "carol@example.com"


async def test_an_override_in_one_schedule_keeps_what_the_others_worked_out(
    database_url: str,
) -> None:
    ops = ScheduleDef("ops", "Europe/Berlin", layers=(weekly("primary", "U0CAROL", "U0DAN"),))
    now = datetime(2026, 3, 11, 12, tzinfo=BERLIN)
    mine, theirs = make_engine(database_url), make_engine(database_url)
    try:
        service = OncallService(mine, [sre("U0ALICE", "U0BOB"), ops], clock=lambda: now)
        other = OncallService(theirs, [sre("U0ALICE", "U0BOB"), ops], clock=lambda: now)
        await service.who(at=now)
        with Session(mine) as session:
            before = service.timelines_in(session, ["sre", "ops"], start=now, end=now)
        await other.add_override("sre", "U0ERIN", now, now + timedelta(hours=4), by="U0X")
        assert await _who_at(service, now) == "U0ERIN"
        with Session(mine) as session:
            after = service.timelines_in(session, ["sre", "ops"], start=now, end=now)
        assert after["sre"] is not before["sre"]  # its plan changed
        assert after["ops"] is before["ops"]  # the same plan: its shifts and answers kept
        assert after["ops"].answers_worked_out == 1
    finally:
        mine.dispose()
        theirs.dispose()
