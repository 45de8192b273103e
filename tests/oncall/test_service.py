"""The on-call service over a real database: who is on call, overrides (stored, checked,
removed), holiday cover from the `holidays` package, e-mails resolved through the people
directory, page targets and calendar feed tokens."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from oncall_schedules import sre
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.errors import DomainError
from bot.oncall.config import HolidayDef, LayerDef, ScheduleDef
from bot.oncall.published import PublishedCalendars
from bot.oncall.rules.shifts import Shift, Source
from bot.oncall.service import (
    OncallService,
    OverrideRefused,
    UnknownLayer,
    UnknownSchedule,
    UnknownTarget,
)
from storage.models import Person

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def service_at(
    engine: Engine, *schedules: ScheduleDef, now: datetime | None = None
) -> tuple[OncallService, list[datetime]]:
    clock = [now or berlin(1, 14, 12)]
    return OncallService(engine, schedules, clock=lambda: clock[0]), clock


def users(shifts: list[Shift]) -> list[tuple[datetime, datetime, str, Source]]:
    return [
        (s.start.astimezone(BERLIN), s.end.astimezone(BERLIN), s.user, s.source) for s in shifts
    ]


async def test_who_names_the_person_until_when_the_next_one_and_each_layer(
    engine: Engine,
) -> None:
    service, _ = service_at(engine, sre("U0A", "U0B", secondary=("U0X", "U0Y")))
    (now,) = await service.who()
    assert now.schedule == "sre"
    assert now.shift is not None and now.shift.user == "U0Y"  # the later layer wins
    assert (now.shift.start, now.until) == (berlin(1, 12), berlin(1, 19))
    assert now.next is not None and (now.next.user, now.next.start) == ("U0X", berlin(1, 19))
    assert {name: s.user if s else None for name, s in now.layers.items()} == {
        "primary": "U0B",
        "secondary": "U0Y",
    }
    (earlier,) = await service.who("sre", at=berlin(1, 6))
    assert earlier.shift is not None and earlier.shift.user == "U0X"


async def test_who_says_nobody_outside_a_restricted_layer(engine: Engine) -> None:
    office = LayerDef(
        "office", ("U0A",), "weekly", "monday 09:00", berlin(1, 5).date(), "mon-fri 09:00-18:00"
    )
    service, _ = service_at(engine, ScheduleDef("day", "Europe/Berlin", layers=(office,)))
    (night,) = await service.who("day", at=berlin(1, 14, 20))
    assert (night.shift, night.until) == (None, None)
    assert night.next is not None and night.next.start == berlin(1, 15, 9)
    assert night.layers == {"office": None}


async def test_an_unknown_schedule_is_refused_with_the_names_there_are(engine: Engine) -> None:
    service, _ = service_at(engine, sre("U0A"), sre("U0B", name="db"))
    with pytest.raises(UnknownSchedule) as raised:
        await service.who("payments")
    assert raised.value.message == "No schedule 'payments' (schedules: sre, db)."
    with pytest.raises(UnknownSchedule):
        await service.shifts("payments", berlin(1, 1), berlin(1, 2))


async def test_an_override_takes_the_shift_and_is_shown_as_such(engine: Engine) -> None:
    service, _ = service_at(engine, sre("U0A", "U0B", secondary=("U0X", "U0Y")))
    whole = await service.add_override(
        "sre", "U0CAROL", berlin(1, 15, 18), berlin(1, 16, 8), by="U0B"
    )
    layer = await service.add_override(
        "sre", "U0DAN", berlin(1, 14, 12), berlin(1, 21), layer="primary", by="U0B"
    )
    final = await service.shifts("sre", berlin(1, 15), berlin(1, 17))
    assert users(final) == [
        (berlin(1, 15), berlin(1, 15, 18), "U0Y", Source.ROTATION),
        (berlin(1, 15, 18), berlin(1, 16, 8), "U0CAROL", Source.OVERRIDE),
        (berlin(1, 16, 8), berlin(1, 17), "U0Y", Source.ROTATION),
    ]
    primary = await service.layer_shifts("sre", "primary", berlin(1, 14), berlin(1, 20))
    assert users(primary) == [
        (berlin(1, 14), berlin(1, 14, 12), "U0B", Source.ROTATION),
        (berlin(1, 14, 12), berlin(1, 20), "U0DAN", Source.OVERRIDE),
    ]
    listed = await service.overrides("sre")
    assert [(o.id, o.user, o.layer, o.created_by) for o in listed] == [
        (layer, "U0DAN", "primary", "U0B"),
        (whole, "U0CAROL", "", "U0B"),
    ]
    assert await service.remove_override(whole, by="U0A") is True
    assert await service.remove_override(whole, by="U0A") is False  # once
    assert [o.id for o in await service.overrides("sre")] == [layer]
    after = await service.shifts("sre", berlin(1, 15), berlin(1, 17))
    assert users(after) == [(berlin(1, 15), berlin(1, 17), "U0Y", Source.ROTATION)]


async def test_past_overrides_are_not_listed_but_stay_in_history(engine: Engine) -> None:
    service, clock = service_at(engine, sre("U0A", "U0B"))
    made = await service.add_override("sre", "U0C", berlin(1, 14, 12), berlin(1, 14, 14), by="U0A")
    clock[0] = berlin(1, 15)
    assert await service.overrides("sre") == []
    shifts = await service.shifts("sre", berlin(1, 14, 12), berlin(1, 14, 14))
    assert [(s.user, s.source) for s in shifts] == [("U0C", Source.OVERRIDE)]
    assert made > 0


@pytest.mark.parametrize(
    ("user", "start", "end", "layer", "error", "words"),
    [
        ("U0C", berlin(1, 15), berlin(1, 15), "", OverrideRefused, "must end after it starts"),
        ("U0C", berlin(1, 16), berlin(1, 15), "", OverrideRefused, "must end after it starts"),
        ("U0C", berlin(1, 10), berlin(1, 14, 11), "", OverrideRefused, "ends in the past"),
        ("U0C", berlin(1, 15), berlin(4, 16), "", OverrideRefused, "at most 90 days"),
        ("carol", berlin(1, 15), berlin(1, 16), "", OverrideRefused, "not a Slack user id"),
        ("U0C", berlin(1, 15), berlin(1, 16), "tertiary", UnknownLayer, "layers: primary"),
        (
            "U0C",
            datetime(2026, 1, 15, 9),
            berlin(1, 16),
            "",
            OverrideRefused,
            "needs a time zone",
        ),
    ],
    ids=["empty", "backwards", "past", "too-long", "user", "layer", "naive"],
)
async def test_a_bad_override_is_refused_and_nothing_is_stored(
    engine: Engine,
    user: str,
    start: datetime,
    end: datetime,
    layer: str,
    error: type[DomainError],
    words: str,
) -> None:
    service, _ = service_at(engine, sre("U0A", "U0B"))
    with pytest.raises(error) as raised:
        await service.add_override("sre", user, start, end, layer=layer, by="U0A")
    assert words in raised.value.message
    assert await service.overrides("sre") == []


async def test_exactly_ninety_days_is_allowed(engine: Engine) -> None:
    service, _ = service_at(engine, sre("U0A"))
    start = berlin(1, 15)
    await service.add_override("sre", "U0C", start, start + timedelta(days=90), by="U0A")
    assert len(await service.overrides("sre")) == 1


async def test_public_holidays_are_covered_whole_local_days(engine: Engine) -> None:
    holidays = HolidayDef(country="DE", subdivision="BE", cover="U0FRANK")
    service, _ = service_at(engine, sre("U0A", "U0B", holidays=holidays), now=berlin(3, 1))
    # 8 March is International Women's Day: a public holiday in Berlin only.
    final = await service.shifts("sre", berlin(3, 7), berlin(3, 9, 9))
    assert [(s.user, s.source) for s in final] == [
        ("U0A", Source.ROTATION),
        ("U0FRANK", Source.HOLIDAY),
        ("U0A", Source.ROTATION),
    ]
    assert (final[1].start, final[1].end) == (berlin(3, 8, 0), berlin(3, 9, 0))
    brandenburg = HolidayDef(country="DE", subdivision="BB", cover="U0FRANK")
    other, _ = service_at(engine, sre("U0A", "U0B", holidays=brandenburg, name="bb"))
    assert {s.user for s in await other.shifts("bb", berlin(3, 7), berlin(3, 9, 9))} == {"U0A"}


async def test_an_email_takes_its_place_and_becomes_the_id_once_known(engine: Engine) -> None:
    service, _ = service_at(engine, sre("U0A", "carol@example.com"))
    await service.sync_rosters()
    span = (berlin(1, 12), berlin(1, 26))
    assert [s.user for s in await service.shifts("sre", *span)] == ["carol@example.com", "U0A"]
    with Session(engine) as session:
        session.add(Person(id="U0CAROL", handle="carol", email="Carol@Example.com"))
        session.commit()
    assert [s.user for s in await service.shifts("sre", *span)] == ["U0CAROL", "U0A"]
    assert [(name, s.user) for name, s in await service.user_shifts("U0CAROL", *span)] == [
        ("sre", "U0CAROL")
    ]


async def test_page_targets_name_who_is_on_call(engine: Engine) -> None:
    service, _ = service_at(engine, sre("U0A", "U0B", secondary=("U0X", "U0Y")))
    await service.add_override("sre", "U0Z", berlin(1, 14, 12), berlin(1, 14, 13), by="U0A")

    def targets(target: str, at: datetime) -> list[str]:
        with Session(engine) as session:
            return service.resolve_targets(session, target, at)

    assert targets("schedule:sre", berlin(1, 14, 15)) == ["U0Y", "U0B"]
    assert targets("schedule:sre", berlin(1, 14, 12, 30)) == ["U0Z", "U0Y", "U0B"]
    assert targets("schedule:sre/primary", berlin(1, 14, 15)) == ["U0B"]
    assert targets("schedule:sre/secondary", berlin(1, 20)) == ["U0X"]
    with pytest.raises(UnknownTarget) as unknown:
        targets("schedule:payments", berlin(1, 14))
    assert "schedules: sre" in unknown.value.message
    with pytest.raises(UnknownTarget) as layer:
        targets("schedule:sre/tertiary", berlin(1, 14))
    assert "layers: primary, secondary" in layer.value.message


async def no_names(ids: list[str]) -> dict[str, str]:
    return {}


async def test_feed_tokens_are_made_once_per_feed_and_open_only_it(engine: Engine) -> None:
    service, _ = service_at(engine, sre("U0A"))
    token = await service.feed_token("schedule:sre")
    assert len(token) >= 32
    assert await service.feed_token("schedule:sre") == token
    other = await service.feed_token("user:U0A")
    assert other != token
    calendars = PublishedCalendars(service, no_names, clock=service.clock)
    assert await calendars.opens("schedule:sre", token)
    assert await calendars.opens("user:U0A", other)
    assert not await calendars.opens("user:U0A", token)  # a token opens its own feed only
    assert not await calendars.opens("schedule:sre", token[:-1])
    assert not await calendars.opens("schedule:sre", "")
    assert not await calendars.opens("user:U0B", "")  # no token made: nothing opens it
    again, _ = service_at(engine, sre("U0A"))  # another process: the same stored token
    assert await again.feed_token("schedule:sre") == token
