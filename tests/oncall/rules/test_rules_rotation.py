"""Rotations: parsing `rotation` and `handoff`, the anchor, who holds which shift, and the
daylight-saving rules for handoffs (a gap moves to its end, an ambiguous time is its first
occurrence)."""

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.rules.rotation import (
    Period,
    Rotation,
    handoffs,
    parse_rotation,
    rotation_shifts,
)
from bot.oncall.rules.shifts import Shift, Source

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)


def _at(
    zone: ZoneInfo, year: int, month: int, day: int, hour: int = 0, minute: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(
    ("rotation", "handoff", "expected"),
    [
        ("weekly", "monday 09:00", (Period.WEEKLY, 1, time(9, 0), 0)),
        ("Weekly", "FRI 17:30", (Period.WEEKLY, 1, time(17, 30), 4)),
        ("weekly", "Sunday 0:05", (Period.WEEKLY, 1, time(0, 5), 6)),
        ("daily", "09:00", (Period.DAILY, 1, time(9, 0), None)),
        ("daily", None, (Period.DAILY, 1, time(0, 0), None)),
        ("hourly", None, (Period.HOURLY, 1, time(0, 0), None)),
        ("hourly", "00:15", (Period.HOURLY, 1, time(0, 15), None)),
        ("12h", "08:00", (Period.HOURS, 12, time(8, 0), None)),
        (" 3D ", "18:00", (Period.DAYS, 3, time(18, 0), None)),
    ],
)
def test_rotations_and_handoffs_parse(
    rotation: str, handoff: str | None, expected: tuple[Period, int, time, int | None]
) -> None:
    parsed = parse_rotation(rotation, handoff, date(2026, 1, 5), BERLIN)
    assert (parsed.period, parsed.count, parsed.at, parsed.weekday) == expected
    assert (parsed.anchor, parsed.zone) == (date(2026, 1, 5), BERLIN)


@pytest.mark.parametrize(
    ("rotation", "handoff", "field"),
    [
        ("weekly", "funday 09:00", "handoff"),
        ("daily", "25:00", "handoff"),
        ("daily", "09:60", "handoff"),
        ("daily", "nine", "handoff"),
        ("weekly", "09:00", "handoff"),
        ("weekly", None, "handoff"),
        ("daily", "monday 09:00", "handoff"),
        ("weekly", "monday 09:00 sharp", "handoff"),
        ("weekly", "monday", "handoff"),
        ("0d", "09:00", "rotation"),
        ("-3h", None, "rotation"),
        ("fortnightly", None, "rotation"),
        ("3w", None, "rotation"),
        ("100000h", None, "rotation"),
    ],
)
def test_bad_rotations_and_handoffs_name_the_field(
    rotation: str, handoff: str | None, field: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        parse_rotation(rotation, handoff, date(2026, 1, 5), BERLIN)


def test_a_weekly_rotation_starts_at_the_first_handoff_on_or_after_its_anchor() -> None:
    rotation = parse_rotation("weekly", "monday 09:00", date(2026, 1, 1), BERLIN)  # a Thursday
    shifts = rotation_shifts(
        rotation, ("A", "B"), _at(BERLIN, 2025, 12, 1), _at(BERLIN, 2026, 1, 26), layer="p"
    )
    assert [(s.start, s.end, s.user) for s in shifts] == [
        (_at(BERLIN, 2026, 1, 5, 9), _at(BERLIN, 2026, 1, 12, 9), "A"),
        (_at(BERLIN, 2026, 1, 12, 9), _at(BERLIN, 2026, 1, 19, 9), "B"),
        (_at(BERLIN, 2026, 1, 19, 9), _at(BERLIN, 2026, 1, 26, 0), "A"),
    ]
    assert {(s.layer, s.source) for s in shifts} == {("p", Source.ROTATION)}


def test_an_anchor_on_the_handoff_day_starts_that_day() -> None:
    rotation = parse_rotation("weekly", "mon 09:00", date(2026, 1, 5), BERLIN)
    assert handoffs(rotation, _at(BERLIN, 2026, 1, 1), _at(BERLIN, 2026, 1, 13)) == [
        _at(BERLIN, 2026, 1, 5, 9),
        _at(BERLIN, 2026, 1, 12, 9),
    ]


def test_shift_n_goes_to_user_n_modulo_the_roster_counted_from_the_anchor() -> None:
    rotation = parse_rotation("daily", "09:00", date(2026, 1, 1), BERLIN)
    # Day 40 after the anchor: 40 % 3 == 1, so B, then C, then A.
    shifts = rotation_shifts(
        rotation,
        ("A", "B", "C"),
        _at(BERLIN, 2026, 2, 10, 9),
        _at(BERLIN, 2026, 2, 13, 9),
        layer="",
    )
    assert [s.user for s in shifts] == ["B", "C", "A"]


def test_a_roster_of_one_is_one_shift_from_the_first_handoff() -> None:
    rotation = parse_rotation("hourly", None, date(2026, 1, 1), BERLIN)
    start, end = _at(BERLIN, 2025, 12, 31), _at(BERLIN, 2027, 1, 1)
    assert rotation_shifts(rotation, ("A",), start, end, layer="x") == [
        Shift(_at(BERLIN, 2026, 1, 1), end, "A", "x", Source.ROTATION)
    ]
    assert rotation_shifts(rotation, (), start, end, layer="x") == []


def test_handoffs_include_the_window_start_and_exclude_its_end() -> None:
    rotation = parse_rotation("daily", "09:00", date(2026, 1, 1), BERLIN)
    start, end = _at(BERLIN, 2026, 1, 2, 9), _at(BERLIN, 2026, 1, 4, 9)
    assert handoffs(rotation, start, end) == [start, _at(BERLIN, 2026, 1, 3, 9)]


def test_custom_day_rotations_hand_off_every_n_local_days() -> None:
    rotation = parse_rotation("3d", "18:00", date(2026, 3, 20), BERLIN)
    found = handoffs(rotation, _at(BERLIN, 2026, 3, 20), _at(BERLIN, 2026, 4, 1))
    assert [h.astimezone(BERLIN).replace(tzinfo=None) for h in found] == [
        datetime(2026, 3, d, 18) for d in (20, 23, 26, 29)
    ]
    # Across the spring-forward night a 3-day shift is an hour short, and never overlaps.
    assert found[2] - found[1] == 72 * H and found[3] - found[2] == 71 * H


def test_hour_rotations_count_elapsed_time_across_daylight_saving() -> None:
    rotation = parse_rotation("8h", "01:30", date(2026, 3, 28), BERLIN)
    found = handoffs(rotation, _at(BERLIN, 2026, 3, 28), _at(BERLIN, 2026, 3, 30))
    assert {b - a for a, b in itertools.pairwise(found)} == {8 * H}
    local = [h.astimezone(BERLIN).strftime("%d %H:%M") for h in found]
    assert local == ["28 01:30", "28 09:30", "28 17:30", "29 01:30", "29 10:30", "29 18:30"]


def test_daily_handoff_in_berlins_spring_gap_moves_to_the_end_of_the_gap() -> None:
    rotation = parse_rotation("daily", "02:30", date(2026, 3, 27), BERLIN)
    found = handoffs(rotation, _at(BERLIN, 2026, 3, 28), _at(BERLIN, 2026, 3, 31))
    assert found == [
        datetime(2026, 3, 28, 1, 30, tzinfo=UTC),  # 02:30 CET
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # 03:00 CEST: 02:30 does not exist that day
        datetime(2026, 3, 30, 0, 30, tzinfo=UTC),  # 02:30 CEST
    ]
    assert found[1].astimezone(BERLIN).strftime("%H:%M %z") == "03:00 +0200"
    assert [b - a for a, b in itertools.pairwise(found)] == [23.5 * H, 23.5 * H]


def test_daily_handoff_in_berlins_autumn_fold_is_its_first_occurrence() -> None:
    rotation = parse_rotation("daily", "02:30", date(2026, 10, 23), BERLIN)
    found = handoffs(rotation, _at(BERLIN, 2026, 10, 24), _at(BERLIN, 2026, 10, 27))
    assert found[1] == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert found[1].astimezone(BERLIN).strftime("%H:%M %z") == "02:30 +0200"
    assert [b - a for a, b in itertools.pairwise(found)] == [24 * H, 25 * H]


def test_new_york_handoffs_follow_the_same_rules() -> None:
    spring = parse_rotation("daily", "02:30", date(2026, 3, 1), NEW_YORK)
    assert handoffs(spring, _at(NEW_YORK, 2026, 3, 8), _at(NEW_YORK, 2026, 3, 8, 12)) == [
        datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 03:00 EDT
    ]
    autumn = parse_rotation("daily", "01:30", date(2026, 10, 1), NEW_YORK)
    assert handoffs(autumn, _at(NEW_YORK, 2026, 11, 1), _at(NEW_YORK, 2026, 11, 1, 12)) == [
        datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first 01:30, EDT
    ]


def test_weekly_shifts_around_a_handoff_in_the_gap_lose_half_an_hour_each() -> None:
    rotation = parse_rotation("weekly", "sunday 02:30", date(2026, 1, 1), BERLIN)
    shifts = rotation_shifts(
        rotation, ("A", "B"), _at(BERLIN, 2026, 3, 15), _at(BERLIN, 2026, 11, 9), layer=""
    )
    lengths = [s.end - s.start for s in shifts[1:-1]]
    # 02:30 on 29 March does not exist: that handoff is at 03:00, so the shifts either side
    # of it lose half an hour each; on 25 October the first 02:30 is the handoff.
    assert set(lengths) == {167.5 * H, 168 * H, 169 * H}
    assert lengths.count(167.5 * H) == 2 and lengths.count(169 * H) == 1


def test_rotations_are_values() -> None:
    parsed = parse_rotation("weekly", "monday 09:00", date(2026, 1, 5), BERLIN)
    assert parsed == Rotation(Period.WEEKLY, 1, time(9, 0), 0, date(2026, 1, 5), BERLIN)
