"""Hypothesis strategies for the on-call rules' property tests: random rotations, zones,
restrictions, layers and overrides, and plain interval functions."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from bot.oncall.rules.layering import LayerPlan, OverridePlan, RosterVersion, SchedulePlan
from bot.oncall.rules.restrict import Restriction, parse_restriction
from bot.oncall.rules.rotation import WEEKDAYS, Rotation, parse_rotation

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
PEOPLE = ["U0ANA", "U0BEN", "U0CY", "U0DEE", "U0ED", "U0FAY", "bo@example.com"]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)

zones = st.sampled_from(ZONES).map(ZoneInfo)
# Mostly before the windows below, so that rotations have started; sometimes after.
anchors = (st.integers(-90, 0) | st.integers(-90, 500)).map(
    lambda n: date(2026, 1, 1) + timedelta(days=n)
)
users = st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=6, unique=True).map(tuple)
# Wall-clock times that some of the zones above skip or repeat once a year.
TRICKY = ["01:30", "02:00", "02:15", "02:30", "02:45", "03:00", "03:15", "03:30", "03:45"]
clocks = st.sampled_from(TRICKY) | st.tuples(st.integers(0, 23), st.integers(0, 59)).map(
    lambda hm: f"{hm[0]:02d}:{hm[1]:02d}"
)


def _changes(zone: ZoneInfo) -> list[datetime]:
    """The instants in 2026-2027 when the zone changes its offset (to six hours)."""
    found, here = [], EPOCH
    while here.year < 2028:
        step = here + timedelta(hours=6)
        if here.astimezone(zone).utcoffset() != step.astimezone(zone).utcoffset():
            found.append(here)
        here = step
    return found


CHANGES = {name: _changes(ZoneInfo(name)) for name in ZONES}


@st.composite
def rotation_texts(draw: st.DrawFn) -> tuple[str, str | None]:
    """A `rotation` and its `handoff`, as a person would write them."""
    kind = draw(st.sampled_from(["hourly", "daily", "weekly", "h", "d"]))
    clock = draw(clocks)
    if kind == "weekly":
        day = draw(st.sampled_from(WEEKDAYS))
        return kind, f"{draw(st.sampled_from([day, day[:3], day.upper()]))} {clock}"
    if kind == "h":
        return f"{draw(st.integers(1, 72))}h", draw(st.none() | st.just(clock))
    if kind == "d":
        return f"{draw(st.integers(1, 10))}d", clock
    return kind, draw(st.none() | st.just(clock))


@st.composite
def rotations(draw: st.DrawFn, zone: ZoneInfo) -> Rotation:
    """A parsed rotation in `zone`."""
    text, handoff = draw(rotation_texts())
    return parse_rotation(text, handoff, draw(anchors), zone)


@st.composite
def restrictions(draw: st.DrawFn) -> Restriction:
    """One to three windows: days, hours or both, some wrapping the week or midnight."""
    windows = []
    for _ in range(draw(st.integers(1, 3))):
        first, last = draw(st.sampled_from(WEEKDAYS)), draw(st.sampled_from(WEEKDAYS))
        days = first[:3] if first == last else f"{first[:3]}-{last[:3]}"
        start, end = draw(clocks), draw(clocks | st.just("24:00"))
        hours = f"{start}-{end}" if start != end else None
        shape = draw(st.sampled_from(["days", "hours", "both"]))
        windows.append(
            days
            if shape == "days" or not hours
            else hours
            if shape == "hours"
            else f"{days} {hours}"
        )
    return parse_restriction(", ".join(windows))


@st.composite
def windows(draw: st.DrawFn, zone: ZoneInfo, longest_days: int = 40) -> tuple[datetime, datetime]:
    """A window of time in 2026-2027, to the minute, often across one of `zone`'s changes."""
    days = draw(st.integers(1, longest_days) | st.sampled_from([7, longest_days]))
    length = timedelta(days=days) + draw(st.integers(-60, 1439)) * MINUTE
    start = EPOCH + draw(st.integers(0, 700 * 1440)) * MINUTE
    changes = CHANGES[zone.key]
    if draw(st.booleans()) and changes:
        before = draw(st.integers(0, int(length / MINUTE) - 1)) * MINUTE
        start = draw(st.sampled_from(changes)) - before
    return start, start + length


@st.composite
def layers(draw: st.DrawFn, zone: ZoneInfo, name: str) -> LayerPlan:
    """A layer of one or two roster versions, each maybe restricted."""
    versions = [
        RosterVersion(None, draw(users), draw(rotations(zone)), draw(st.none() | restrictions()))
    ]
    if draw(st.booleans()):
        since = EPOCH + draw(st.integers(0, 700 * 1440)) * MINUTE
        versions.append(
            RosterVersion(
                since, draw(users), draw(rotations(zone)), draw(st.none() | restrictions())
            )
        )
    return LayerPlan(name, tuple(draw(st.permutations(versions))))


@st.composite
def overrides(draw: st.DrawFn, layer_names: list[str], near: datetime) -> OverridePlan:
    """An override of a few minutes to a few days around `near`, of a layer or the schedule."""
    start = near + draw(st.integers(-3 * 1440, 20 * 1440)) * MINUTE
    end = start + draw(st.integers(1, 5 * 1440)) * MINUTE
    return OverridePlan(
        draw(st.sampled_from(PEOPLE)), start, end, draw(st.sampled_from(["", *layer_names]))
    )


@st.composite
def plans(draw: st.DrawFn, zone: ZoneInfo, near: datetime) -> SchedulePlan:
    """A schedule of one to three layers, overrides around `near`, maybe holiday cover."""
    names = [f"layer{n}" for n in range(draw(st.integers(1, 3)))]
    holidays = frozenset(
        (near.astimezone(zone).date() + timedelta(days=n))
        for n in draw(st.sets(st.integers(-2, 20), max_size=3))
    )
    return SchedulePlan(
        "sre",
        zone,
        tuple(draw(layers(zone, name)) for name in names),
        tuple(draw(st.lists(overrides(names, near), max_size=4))),
        holidays,
        draw(st.none() | st.sampled_from(PEOPLE)),
    )


def union(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, disjoint intervals covering exactly what `intervals` cover."""
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(i for i in intervals if i[0] < i[1]):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def near_a_change(zone: ZoneInfo, instant: datetime) -> bool:
    """Whether the zone's offset changes within four hours of `instant`."""
    offsets = {
        (instant + n * timedelta(hours=1)).astimezone(zone).utcoffset() for n in range(-4, 5)
    }
    return len(offsets) > 1
