"""Layering: later layers win, roster versions take over at their time, overrides replace a
layer's or the whole schedule's coverage, holiday cover sits above the layers, and an iCal
layer's events are taken as they are."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.rules.layering import (
    LayerPlan,
    OverridePlan,
    RosterVersion,
    SchedulePlan,
    final_shifts,
    layer_shifts,
    on_call_at,
)
from bot.oncall.rules.restrict import parse_restriction
from bot.oncall.rules.rotation import Rotation, parse_rotation
from bot.oncall.rules.shifts import Shift, Source

BERLIN = ZoneInfo("Europe/Berlin")
ANCHOR = date(2026, 3, 2)  # a Monday
WEEKLY = parse_rotation("weekly", "monday 09:00", ANCHOR, BERLIN)
DAILY = parse_rotation("daily", "09:00", ANCHOR, BERLIN)


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def _local(shifts: list[Shift]) -> list[tuple[str, str, str, str, str]]:
    fmt = "%a %d %H:%M"
    return [
        (
            s.start.astimezone(BERLIN).strftime(fmt),
            s.end.astimezone(BERLIN).strftime(fmt),
            s.user,
            s.layer,
            s.source,
        )
        for s in shifts
    ]


def _layer(
    name: str, users: tuple[str, ...], restrict: str | None = None, rotation: Rotation = WEEKLY
) -> LayerPlan:
    restriction = parse_restriction(restrict) if restrict else None
    return LayerPlan(name, (RosterVersion(None, users, rotation, restriction),))


def test_office_hours_layer_above_a_round_the_clock_one_leaves_nights_and_weekends() -> None:
    plan = SchedulePlan(
        "sre",
        BERLIN,
        (_layer("always", ("NIGHT",)), _layer("office", ("DAY",), "mon-fri 09:00-18:00")),
    )
    shifts = final_shifts(plan, _at(2026, 3, 5), _at(2026, 3, 10))  # Thursday to Tuesday
    assert _local(shifts) == [
        ("Thu 05 00:00", "Thu 05 09:00", "NIGHT", "always", "rotation"),
        ("Thu 05 09:00", "Thu 05 18:00", "DAY", "office", "rotation"),
        ("Thu 05 18:00", "Fri 06 09:00", "NIGHT", "always", "rotation"),
        ("Fri 06 09:00", "Fri 06 18:00", "DAY", "office", "rotation"),
        (
            "Fri 06 18:00",
            "Mon 09 09:00",
            "NIGHT",
            "always",
            "rotation",
        ),  # one piece over the weekend
        ("Mon 09 09:00", "Mon 09 18:00", "DAY", "office", "rotation"),
        ("Mon 09 18:00", "Tue 10 00:00", "NIGHT", "always", "rotation"),
    ]


def test_a_lower_layer_never_shows_where_a_higher_one_covers() -> None:
    plan = SchedulePlan("sre", BERLIN, (_layer("low", ("A", "B")), _layer("high", ("C", "D"))))
    shifts = final_shifts(plan, _at(2026, 3, 2), _at(2026, 3, 30))
    assert {s.layer for s in shifts} == {"high"}
    assert [s.user for s in shifts] == ["C", "D", "C", "D"]


def test_nothing_is_on_call_before_the_anchor_or_where_no_layer_covers() -> None:
    plan = SchedulePlan("sre", BERLIN, (_layer("office", ("A",), "mon-fri 09:00-18:00"),))
    assert final_shifts(plan, _at(2026, 2, 1), _at(2026, 3, 2, 9)) == []
    assert on_call_at(plan, _at(2026, 3, 2, 8, 59)) is None
    assert on_call_at(plan, _at(2026, 3, 7, 12)) is None  # Saturday
    assert on_call_at(plan, _at(2026, 3, 6, 17, 59)) == Shift(
        _at(2026, 3, 6, 9), _at(2026, 3, 6, 18), "A", "office", Source.ROTATION
    )


def test_roster_versions_take_over_at_their_time_and_keep_counting_from_the_anchor() -> None:
    versions = (
        RosterVersion(None, ("A", "B"), WEEKLY, None),
        RosterVersion(_at(2026, 3, 16, 9), ("A", "B", "C"), WEEKLY, None),
    )
    plan = SchedulePlan("sre", BERLIN, (LayerPlan("primary", versions),))
    shifts = layer_shifts(plan, "primary", _at(2026, 3, 2), _at(2026, 4, 6, 9))
    # Shifts 0 and 1 with the old roster, then shift 2 -> users[2 % 3] = C, 3 -> A, 4 -> B.
    assert [s.user for s in shifts] == ["A", "B", "C", "A", "B"]
    assert shifts[2].start == _at(2026, 3, 16, 9)


def test_roster_versions_are_sorted_by_effective_time() -> None:
    later = RosterVersion(
        _at(2026, 3, 9, 9), ("X",), DAILY, parse_restriction("mon-fri 09:00-18:00")
    )
    plan = SchedulePlan(
        "sre", BERLIN, (LayerPlan("p", (later, RosterVersion(None, ("A", "B"), WEEKLY, None))),)
    )
    shifts = layer_shifts(plan, "p", _at(2026, 3, 2), _at(2026, 3, 11))
    assert _local(shifts) == [
        ("Mon 02 09:00", "Mon 09 09:00", "A", "p", "rotation"),
        ("Mon 09 09:00", "Mon 09 18:00", "X", "p", "rotation"),
        ("Tue 10 09:00", "Tue 10 18:00", "X", "p", "rotation"),
    ]


def test_a_layer_override_replaces_that_layer_even_where_it_would_not_cover() -> None:
    override = OverridePlan("SUB", _at(2026, 3, 6, 12), _at(2026, 3, 6, 20), layer="office")
    plan = SchedulePlan(
        "sre",
        BERLIN,
        (_layer("always", ("NIGHT",)), _layer("office", ("DAY",), "mon-fri 09:00-18:00")),
        (override,),
    )
    assert _local(layer_shifts(plan, "office", _at(2026, 3, 6), _at(2026, 3, 7))) == [
        ("Fri 06 09:00", "Fri 06 12:00", "DAY", "office", "rotation"),
        ("Fri 06 12:00", "Fri 06 20:00", "SUB", "office", "override"),
    ]
    assert _local(final_shifts(plan, _at(2026, 3, 6), _at(2026, 3, 7))) == [
        ("Fri 06 00:00", "Fri 06 09:00", "NIGHT", "always", "rotation"),
        ("Fri 06 09:00", "Fri 06 12:00", "DAY", "office", "rotation"),
        ("Fri 06 12:00", "Fri 06 20:00", "SUB", "office", "override"),
        ("Fri 06 20:00", "Sat 07 00:00", "NIGHT", "always", "rotation"),
    ]
    # A lower layer's override stays under the higher layer.
    low = OverridePlan("LOW", _at(2026, 3, 6, 8), _at(2026, 3, 6, 10), layer="always")
    plan = SchedulePlan("sre", BERLIN, plan.layers, (low,))
    assert [s.user for s in final_shifts(plan, _at(2026, 3, 6, 8), _at(2026, 3, 6, 10))] == [
        "LOW",
        "DAY",
    ]


def test_schedule_overrides_sit_above_everything_and_the_later_one_wins() -> None:
    overrides = (
        OverridePlan("FIRST", _at(2026, 12, 24, 18), _at(2026, 12, 26, 9)),
        OverridePlan("SECOND", _at(2026, 12, 25, 18), _at(2026, 12, 25, 20)),
    )
    plan = SchedulePlan(
        "sre",
        BERLIN,
        (_layer("primary", ("A", "B")),),
        overrides,
        holidays=frozenset({date(2026, 12, 25), date(2026, 12, 26)}),
        holiday_cover="HOLLY",
    )
    assert _local(final_shifts(plan, _at(2026, 12, 24), _at(2026, 12, 28))) == [
        ("Thu 24 00:00", "Thu 24 18:00", "A", "primary", "rotation"),
        ("Thu 24 18:00", "Fri 25 18:00", "FIRST", "", "override"),
        ("Fri 25 18:00", "Fri 25 20:00", "SECOND", "", "override"),
        ("Fri 25 20:00", "Sat 26 09:00", "FIRST", "", "override"),
        ("Sat 26 09:00", "Sun 27 00:00", "HOLLY", "", "holiday"),
        ("Sun 27 00:00", "Mon 28 00:00", "A", "primary", "rotation"),
    ]


def test_holiday_cover_takes_whole_local_dates_and_needs_a_cover() -> None:
    layers = (_layer("primary", ("A", "B")),)
    holidays = frozenset({date(2026, 3, 29)})  # the spring-forward day: 23 hours long
    plan = SchedulePlan("sre", BERLIN, layers, holidays=holidays, holiday_cover="HOLLY")
    shifts = final_shifts(plan, _at(2026, 3, 28), _at(2026, 3, 31))
    (holiday,) = [s for s in shifts if s.source is Source.HOLIDAY]
    assert (holiday.start, holiday.end, holiday.layer) == (_at(2026, 3, 29), _at(2026, 3, 30), "")
    assert holiday.end - holiday.start == timedelta(hours=23)
    assert on_call_at(plan, _at(2026, 3, 29, 12)) == holiday
    uncovered = SchedulePlan("sre", BERLIN, layers, holidays=holidays)
    assert {s.source for s in final_shifts(uncovered, _at(2026, 3, 28), _at(2026, 3, 31))} == {
        Source.ROTATION
    }


def test_touching_pieces_of_one_person_are_one_shift() -> None:
    override = OverridePlan("A", _at(2026, 3, 9, 9), _at(2026, 3, 9, 12))  # schedule-wide
    plan = SchedulePlan("sre", BERLIN, (_layer("p", ("A", "B")),), (override,))
    shifts = final_shifts(plan, _at(2026, 3, 2, 9), _at(2026, 3, 16, 9))
    # A's rotation shift, then A's override: different sources, so two pieces.
    assert [(s.user, s.source) for s in shifts] == [
        ("A", "rotation"),
        ("A", "override"),
        ("B", "rotation"),
    ]
    one = SchedulePlan("sre", BERLIN, (_layer("p", ("A",), rotation=DAILY),))
    assert len(final_shifts(one, _at(2026, 3, 2), _at(2026, 5, 1))) == 1


def test_ical_events_are_taken_as_they_are_and_the_later_starting_wins() -> None:
    events = (
        Shift(_at(2026, 3, 2), _at(2026, 3, 4), "a@example.com", "feed", Source.ICAL),
        Shift(_at(2026, 3, 3), _at(2026, 3, 3, 12), "U0BOB", "feed", Source.ICAL),
        Shift(_at(2026, 3, 6), _at(2026, 3, 7), "U0BOB", "feed", Source.ICAL),
    )
    plan = SchedulePlan("vendor", BERLIN, (LayerPlan("imported", fixed=events),))
    assert _local(final_shifts(plan, _at(2026, 3, 2, 12), _at(2026, 3, 8))) == [
        ("Mon 02 12:00", "Tue 03 00:00", "a@example.com", "imported", "ical"),
        ("Tue 03 00:00", "Tue 03 12:00", "U0BOB", "imported", "ical"),
        ("Tue 03 12:00", "Wed 04 00:00", "a@example.com", "imported", "ical"),
        ("Fri 06 00:00", "Sat 07 00:00", "U0BOB", "imported", "ical"),
    ]


def test_on_call_at_gives_the_whole_shift_however_long_the_same_person_stays() -> None:
    plan = SchedulePlan(
        "sre",
        BERLIN,
        (_layer("p", ("A",), rotation=parse_rotation("hourly", None, ANCHOR, BERLIN)),),
    )
    found = on_call_at(plan, _at(2026, 6, 1))
    assert found == Shift(
        _at(2026, 3, 2), found.end if found else _at(2026, 3, 2), "A", "p", Source.ROTATION
    )
    assert found is not None and found.end >= _at(2027, 6, 1)


def test_windows_are_half_open_and_an_unknown_layer_is_refused() -> None:
    plan = SchedulePlan("sre", BERLIN, (_layer("p", ("A", "B")),))
    assert final_shifts(plan, _at(2026, 3, 9, 9), _at(2026, 3, 9, 9)) == []
    assert on_call_at(plan, _at(2026, 3, 9, 9)) is not None
    assert on_call_at(plan, _at(2026, 3, 9, 9)).user == "B"  # type: ignore[union-attr]
    with pytest.raises(ValueError, match=r"^layer: "):
        layer_shifts(plan, "nope", _at(2026, 3, 9), _at(2026, 3, 10))
    with pytest.raises(ValueError, match="aware"):
        final_shifts(plan, datetime(2026, 3, 9), datetime(2026, 3, 10))
