"""Restrictions: the weekly local hours a layer covers, parsed and applied in wall-clock time
(daylight-saving correct)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.rules.restrict import Window, parse_restriction, restrict
from bot.oncall.rules.shifts import Shift, Source

BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
WEEKDAYS = frozenset(range(5))


def _at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def _local(shifts: list[Shift]) -> list[tuple[str, str]]:
    return [
        (
            s.start.astimezone(BERLIN).strftime("%a %d %H:%M"),
            s.end.astimezone(BERLIN).strftime("%a %d %H:%M"),
        )
        for s in shifts
    ]


@pytest.mark.parametrize(
    ("text", "windows"),
    [
        ("mon-fri 09:00-18:00", [Window(WEEKDAYS, 540, 540)]),
        (
            "Mon-Fri 09:00-18:00, SAT 10:00-14:00",
            [Window(WEEKDAYS, 540, 540), Window(frozenset({5}), 600, 240)],
        ),
        ("sat", [Window(frozenset({5}), 0, 1440)]),
        ("fri-mon", [Window(frozenset({4, 5, 6, 0}), 0, 1440)]),
        ("saturday-sunday 00:00-24:00", [Window(frozenset({5, 6}), 0, 1440)]),
        ("mon-fri 18:00-09:00", [Window(WEEKDAYS, 1080, 900)]),
        ("22:00-06:00", [Window(frozenset(range(7)), 1320, 480)]),
        ("sun-sat 9:30-10:00", [Window(frozenset(range(7)), 570, 30)]),
    ],
)
def test_restrictions_parse(text: str, windows: list[Window]) -> None:
    restriction = parse_restriction(text)
    assert list(restriction.windows) == windows
    assert restriction.text == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        " , ",
        "mon-fri 09:00-18:00,",
        "weekdays 09:00-18:00",
        "funday",
        "mon-fri 09:00",
        "mon-fri 09:00-25:00",
        "mon-fri 24:00-09:00",
        "mon-fri 09:00-24:30",
        "mon-fri 09:60-10:00",
        "mon-fri 09:00-09:00",
        "mon-fri 09:00-18:00 extra",
        "mon-fri 9-18",
    ],
)
def test_bad_restrictions_name_the_field(text: str) -> None:
    with pytest.raises(ValueError, match=r"^restrict: "):
        parse_restriction(text)


def _week(user: str = "A") -> list[Shift]:
    """Monday 2 March 2026 00:00 to the next Monday, one shift."""
    return [Shift(_at(2026, 3, 2), _at(2026, 3, 9), user, "day", Source.ROTATION)]


def test_office_hours_keep_the_weekday_daytime_of_a_shift() -> None:
    kept = restrict(_week(), parse_restriction("mon-fri 09:00-18:00"), BERLIN)
    assert _local(kept) == [
        (f"{d} 0{n} 09:00", f"{d} 0{n} 18:00")
        for n, d in zip(range(2, 7), ["Mon", "Tue", "Wed", "Thu", "Fri"], strict=True)
    ]
    assert {(s.user, s.layer, s.source) for s in kept} == {("A", "day", Source.ROTATION)}


def test_windows_crossing_midnight_run_into_the_next_day() -> None:
    kept = restrict(_week(), parse_restriction("mon-fri 18:00-09:00"), BERLIN)
    # Monday 00:00-09:00 belongs to Sunday's (absent) window; Friday's runs into Saturday.
    assert _local(kept) == [
        ("Mon 02 18:00", "Tue 03 09:00"),
        ("Tue 03 18:00", "Wed 04 09:00"),
        ("Wed 04 18:00", "Thu 05 09:00"),
        ("Thu 05 18:00", "Fri 06 09:00"),
        ("Fri 06 18:00", "Sat 07 09:00"),
    ]


def test_several_windows_and_a_range_wrapping_the_week() -> None:
    kept = restrict(_week(), parse_restriction("fri-mon, wed 10:00-14:00"), BERLIN)
    assert _local(kept) == [
        ("Mon 02 00:00", "Tue 03 00:00"),
        ("Wed 04 10:00", "Wed 04 14:00"),
        ("Fri 06 00:00", "Mon 09 00:00"),  # Friday, Saturday, Sunday touch: one piece
    ]


def test_a_whole_day_window_keeps_everything_on_those_days() -> None:
    kept = restrict(_week(), parse_restriction("00:00-24:00"), BERLIN)
    assert kept == _week()


def test_restrictions_follow_the_wall_clock_across_daylight_saving() -> None:
    shift = [Shift(_at(2026, 3, 27), _at(2026, 3, 31), "A", "night", Source.ROTATION)]
    kept = restrict(shift, parse_restriction("22:00-06:00"), BERLIN)
    # Thursday's night cut by the shift's start, then three nights, Monday's cut by its end.
    assert [s.end - s.start for s in kept] == [6 * H, 8 * H, 7 * H, 8 * H, 2 * H]
    assert _local(kept)[2] == ("Sat 28 22:00", "Sun 29 06:00")
    autumn = [Shift(_at(2026, 10, 24, 12), _at(2026, 10, 25, 12), "A", "night", Source.ROTATION)]
    (night,) = restrict(autumn, parse_restriction("sat 22:00-06:00"), BERLIN)
    assert night.end - night.start == 9 * H


def test_a_window_inside_the_gap_is_empty() -> None:
    (kept,) = restrict(_week(), parse_restriction("sun 02:00-02:59"), BERLIN)
    assert kept.end - kept.start == 59 * timedelta(minutes=1)  # 8 March: no change that day
    change = [Shift(_at(2026, 3, 28), _at(2026, 3, 30), "A", "x", Source.ROTATION)]
    assert restrict(change, parse_restriction("sun 02:00-02:59"), BERLIN) == []


def test_only_the_parts_of_each_shift_inside_are_kept() -> None:
    shifts = [
        Shift(_at(2026, 3, 2, 8), _at(2026, 3, 2, 12), "A", "x", Source.ROTATION),
        Shift(_at(2026, 3, 2, 12), _at(2026, 3, 3, 10), "B", "x", Source.ROTATION),
    ]
    kept = restrict(shifts, parse_restriction("mon-fri 09:00-18:00"), BERLIN)
    assert [(s.user, *_local([s])[0]) for s in kept] == [
        ("A", "Mon 02 09:00", "Mon 02 12:00"),
        ("B", "Mon 02 12:00", "Mon 02 18:00"),
        ("B", "Tue 03 09:00", "Tue 03 10:00"),
    ]
    assert restrict([], parse_restriction("sat"), BERLIN) == []
