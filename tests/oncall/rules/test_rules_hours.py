"""Hours on call split into business hours, evenings, nights, weekends and holidays, by the
local wall clock and in real elapsed time."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.oncall.rules.hours import Hours, split_hours
from bot.oncall.rules.shifts import Shift, Source

BERLIN = ZoneInfo("Europe/Berlin")
CAIRO = ZoneInfo("Africa/Cairo")  # springs forward at Friday 00:00, a weekday
H = timedelta(hours=1)


def _local(zone: ZoneInfo, parts: tuple[int, ...]) -> datetime:
    year, month, day, *rest = parts
    hour = rest[0] if rest else 0
    return datetime(year, month, day, hour, tzinfo=zone).astimezone(UTC)


def _shift(zone: ZoneInfo, start: tuple[int, ...], end: tuple[int, ...], user: str = "A") -> Shift:
    return Shift(
        _local(zone, start),
        _local(zone, end),
        user,
        "p",
        Source.ROTATION,
    )


def test_a_whole_week_splits_into_its_kinds_of_hours() -> None:
    week = _shift(BERLIN, (2026, 3, 2), (2026, 3, 9))  # Monday to Monday
    hours = split_hours([week], BERLIN, frozenset())
    assert hours == {"A": Hours(business=45 * H, evening=20 * H, night=55 * H, weekend=48 * H)}
    assert hours["A"].total == 168 * H


def test_a_holiday_counts_as_holiday_whatever_its_weekday() -> None:
    week = _shift(BERLIN, (2026, 3, 2), (2026, 3, 9))
    holidays = frozenset({date(2026, 3, 4), date(2026, 3, 7), date(2026, 5, 1)})  # Wed, Sat
    hours = split_hours([week], BERLIN, holidays)["A"]
    assert hours == Hours(
        business=36 * H, evening=16 * H, night=44 * H, weekend=24 * H, holiday=48 * H
    )


def test_parts_of_a_day_are_cut_at_their_local_boundaries() -> None:
    shifts = [
        _shift(BERLIN, (2026, 3, 3, 17), (2026, 3, 3, 23), "A"),  # Tuesday
        _shift(BERLIN, (2026, 3, 6, 21), (2026, 3, 7, 1), "B"),  # Friday night into Saturday
    ]
    hours = split_hours(shifts, BERLIN, frozenset())
    assert hours["A"] == Hours(business=1 * H, evening=4 * H, night=1 * H)
    assert hours["B"] == Hours(evening=1 * H, night=2 * H, weekend=1 * H)


def test_daylight_saving_makes_the_changing_hours_shorter_or_longer() -> None:
    # Cairo's clocks jump from Friday 24 April 2026 00:00 to 01:00: that night is 8 hours.
    night = _shift(CAIRO, (2026, 4, 23, 22), (2026, 4, 24, 9))
    assert split_hours([night], CAIRO, frozenset())["A"] == Hours(night=10 * H)
    # Berlin's weekends of the changes last 47 and 49 hours.
    spring = _shift(BERLIN, (2026, 3, 28), (2026, 3, 30))
    autumn = _shift(BERLIN, (2026, 10, 24), (2026, 10, 26), "B")
    hours = split_hours([spring, autumn], BERLIN, frozenset())
    assert (hours["A"], hours["B"]) == (Hours(weekend=47 * H), Hours(weekend=49 * H))
    # A holiday on the spring-forward Sunday is 23 hours.
    holiday = split_hours([spring], BERLIN, frozenset({date(2026, 3, 29)}))["A"]
    assert holiday == Hours(weekend=24 * H, holiday=23 * H)


def test_nobody_without_shifts_and_each_user_apart() -> None:
    assert split_hours([], BERLIN, frozenset()) == {}
    shifts = [_shift(BERLIN, (2026, 3, 2, 9), (2026, 3, 2, 10), user) for user in ("A", "B", "A")]
    hours = split_hours(shifts, BERLIN, frozenset())
    assert {user: h.business for user, h in hours.items()} == {"A": 2 * H, "B": H}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(
        [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Africa/Cairo",
        ]
    ),
    start=st.integers(0, 2 * 365 * 24 * 60),
    minutes=st.integers(1, 40 * 24 * 60),
    holidays=st.sets(st.integers(0, 800), max_size=20),
)
def test_the_kinds_add_up_to_the_real_time_on_call(
    zone: str, start: int, minutes: int, holidays: set[int]
) -> None:
    begin = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=start)
    shift = Shift(begin, begin + timedelta(minutes=minutes), "A", "p", Source.ROTATION)
    days = frozenset(date(2026, 1, 1) + timedelta(days=n) for n in holidays)
    hours = split_hours([shift], ZoneInfo(zone), days)["A"]
    assert hours.total == timedelta(minutes=minutes)
    assert min(
        hours.business, hours.evening, hours.night, hours.weekend, hours.holiday
    ) >= timedelta(0)
