"""The conformance suite: an 8-person weekly rotation handing off Monday 09:00 resolves exactly
one person for every minute of 2026-2027 in zones with ordinary, half-hour and 45-minute
offsets, changing hands only at Monday 09:00 local, fairly, and across every daylight-saving
change without a gap or an overlap."""

import itertools
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.oncall.rules.layering import (
    LayerPlan,
    RosterVersion,
    SchedulePlan,
    final_shifts,
    on_call_at,
)
from bot.oncall.rules.rotation import parse_rotation
from bot.oncall.rules.shifts import Shift

H = timedelta(hours=1)
USERS = tuple(f"U0PERSON{n}" for n in range(8))
# What a week-long shift may last in each zone: 168 h, minus or plus the zone's DST change.
LENGTHS = {
    "Europe/Berlin": {167 * H, 168 * H, 169 * H},
    "America/New_York": {167 * H, 168 * H, 169 * H},
    "Australia/Sydney": {167 * H, 168 * H, 169 * H},
    "Asia/Kolkata": {168 * H},
    "Australia/Lord_Howe": {167.5 * H, 168 * H, 168.5 * H},
    "Pacific/Chatham": {167 * H, 168 * H, 169 * H},
}


def _plan(zone: ZoneInfo) -> SchedulePlan:
    rotation = parse_rotation("weekly", "monday 09:00", date(2025, 12, 29), zone)
    return SchedulePlan(
        "sre", zone, (LayerPlan("primary", (RosterVersion(None, USERS, rotation, None),)),)
    )


def _window(zone: ZoneInfo) -> tuple[datetime, datetime]:
    return datetime(2026, 1, 1, tzinfo=zone).astimezone(UTC), datetime(
        2028, 1, 1, tzinfo=zone
    ).astimezone(UTC)


def _transitions(zone: ZoneInfo, start: datetime, end: datetime) -> list[datetime]:
    """Every instant the zone's UTC offset changes in `[start, end)`, to the minute."""
    found, here = [], start
    while here < end:
        step = here + 6 * H
        if here.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            lo, hi = here, step
            while hi - lo > timedelta(minutes=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == lo.astimezone(zone).utcoffset():
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
        here = step
    return found


def _covering(shifts: list[Shift], instant: datetime) -> list[Shift]:
    return [shift for shift in shifts if shift.start <= instant < shift.end]


@pytest.fixture(params=list(LENGTHS), ids=list(LENGTHS))
def zone(request: pytest.FixtureRequest) -> ZoneInfo:
    return ZoneInfo(request.param)


def test_one_person_for_every_minute_changing_only_at_monday_0900(zone: ZoneInfo) -> None:
    start, end = _window(zone)
    shifts = final_shifts(_plan(zone), start, end)
    assert shifts[0].start == start and shifts[-1].end == end
    for before, after in itertools.pairwise(shifts):
        assert before.end == after.start  # no gap, no overlap
        assert before.user != after.user
        local = after.start.astimezone(zone)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        assert local.fold == 0
    # Every Monday of the two years is a handoff, none is skipped.
    mondays = sum(1 for n in range(730) if (date(2026, 1, 1) + timedelta(days=n)).weekday() == 0)
    assert len(shifts) - 1 == mondays


def test_each_person_gets_13_plus_or_minus_1_shifts_in_104_weeks(zone: ZoneInfo) -> None:
    start, _ = _window(zone)
    shifts = final_shifts(_plan(zone), start, start + timedelta(weeks=104))
    counts = Counter(shift.user for shift in shifts)
    assert set(counts) == set(USERS)
    assert all(12 <= count <= 14 for count in counts.values()), counts
    assert max(counts.values()) - min(counts.values()) <= 1


def test_week_lengths_change_only_by_the_zones_daylight_saving(zone: ZoneInfo) -> None:
    start, end = _window(zone)
    whole = final_shifts(_plan(zone), start, end)[1:-1]
    lengths = {shift.end - shift.start for shift in whole}
    assert lengths == LENGTHS[zone.key]
    for shift in whole:
        change = shift.end.astimezone(zone).utcoffset() - shift.start.astimezone(zone).utcoffset()  # type: ignore[operator]
        assert shift.end - shift.start == 168 * H - change


def test_on_call_at_agrees_with_final_shifts_at_random_minutes_and_every_change(
    zone: ZoneInfo,
) -> None:
    start, end = _window(zone)
    plan = _plan(zone)
    shifts = final_shifts(plan, start, end)
    changes = _transitions(zone, start, end)
    assert len(changes) == (0 if zone.key == "Asia/Kolkata" else 4)
    rng = random.Random(zone.key)
    minutes = [start + timedelta(minutes=rng.randrange(2 * 525_600)) for _ in range(300)]
    minutes += [
        change + delta
        for change in changes
        for delta in (-timedelta(minutes=1), timedelta(0), timedelta(minutes=1))
    ]
    for instant in minutes:
        (expected,) = _covering(shifts, instant)
        found = on_call_at(plan, instant)
        assert found is not None and found.user == expected.user
        # The window's first and last shifts are cut by the window; on_call_at's are whole.
        assert found.start <= expected.start and found.end >= expected.end
        if start < expected.start and expected.end < end:
            assert found == expected
