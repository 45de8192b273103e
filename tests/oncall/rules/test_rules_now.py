"""Who is on call at an instant, from small windows grown as needed and kept in a timeline,
against the same answers worked out over wide windows; and the locality the small windows
rely on: the shifts of a window are those of any wider window cut to it."""

from datetime import datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oncall_rule_plans import EPOCH, MINUTE, PEOPLE, plans, windows, zones

from bot.oncall.rules.layering import (
    LayerPlan,
    OverridePlan,
    RosterVersion,
    SchedulePlan,
    final_shifts,
    layer_shifts,
    on_call_at,
)
from bot.oncall.rules.now import KEPT, Timeline, on_call_now
from bot.oncall.rules.restrict import parse_restriction
from bot.oncall.rules.rotation import parse_rotation
from bot.oncall.rules.shifts import Shift, Source, clip

UTC_ZONE = ZoneInfo("UTC")
EXAMPLES = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# The edge probes below ask about some thirty instants an example, each worked out the long way
# over five weeks: fewer examples keep the file's time near the others' (it took minutes once
# on a busy machine drawing plans of short shifts).
FEWER = settings(EXAMPLES, max_examples=30)
AHEAD = timedelta(days=35)
DAY = timedelta(days=1)


Expected = tuple[Shift | None, Shift | None, dict[str, Shift | None]]


def _expected(plan: SchedulePlan, instant: datetime) -> Expected:
    """The answer worked out the wide way: `on_call_at`, then the next person over the whole
    look ahead, then each layer over a day either side."""
    current = on_call_at(plan, instant)
    after = current.end if current else instant
    upcoming = next(
        (
            shift
            for shift in final_shifts(plan, after, after + AHEAD)
            if current is None or shift.user != current.user
        ),
        None,
    )
    layers: dict[str, Shift | None] = {}
    for layer in plan.layers:
        around = layer_shifts(plan, layer.name, instant - DAY, instant + DAY)
        layers[layer.name] = next((s for s in around if s.start <= instant < s.end), None)
    return current, upcoming, layers


@FEWER
@given(
    data=st.data(),
    zone=zones,
    minute=st.integers(0, 700 * 1440),
    later=st.lists(st.integers(-3 * 1440, 3 * 1440) | st.integers(-90, 90), max_size=3),
)
def test_who_from_small_windows_is_who_from_wide_ones(
    data: st.DataObject, zone: ZoneInfo, minute: int, later: list[int]
) -> None:
    instant = EPOCH + minute * MINUTE
    plan = data.draw(plans(zone, instant))
    names = [layer.name for layer in plan.layers]
    timeline = Timeline(plan)  # one timeline for every instant: what it keeps must not leak
    found = on_call_now(timeline, instant, names, ahead=AHEAD)
    assert (found.shift, found.next, found.layers) == _expected(plan, instant)
    # Right after it, the instants where a kept answer could wrongly hold: the edges of
    # every shift in it, a minute either side, and some further away.
    edges = [s for s in (found.shift, found.next, *found.layers.values()) if s is not None]
    probes = [e + d * MINUTE for s in edges for e in (s.start, s.end) for d in (-1, 0, 1)]
    # And where a layer's piece starts or stops being cut at a day from the instant.
    pieces = [s for s in found.layers.values() if s is not None]
    probes += [
        e + r + d * MINUTE
        for s in pieces
        for e in (s.start, s.end)
        for r in (-DAY, DAY)
        for d in (-1, 0, 1)
    ]
    for probe in [*probes, *(instant + n * MINUTE for n in later)]:
        on_call_now(timeline, instant, names, ahead=AHEAD)  # the answer kept is this one
        again = on_call_now(timeline, probe, names, ahead=AHEAD)
        assert (again.shift, again.next, again.layers) == _expected(plan, probe), probe


@EXAMPLES
@given(data=st.data(), zone=zones, cut=st.tuples(st.floats(0, 1), st.floats(0, 1)))
def test_the_shifts_of_a_window_are_those_of_a_wider_one_cut_to_it(
    data: st.DataObject, zone: ZoneInfo, cut: tuple[float, float]
) -> None:
    start, end = data.draw(windows(zone, longest_days=20))
    plan = data.draw(plans(zone, start))
    lo = start + (end - start) * min(cut)
    hi = start + (end - start) * max(cut)
    lo, hi = lo.replace(second=0, microsecond=0), hi.replace(second=0, microsecond=0)
    assert final_shifts(plan, lo, hi) == clip(final_shifts(plan, start, end), lo, hi)
    for layer in plan.layers:
        wide = layer_shifts(plan, layer.name, start, end)
        assert layer_shifts(plan, layer.name, lo, hi) == clip(wide, lo, hi)


def test_an_hourly_rotation_is_answered_from_an_hour_and_kept() -> None:
    rotation = parse_rotation("hourly", None, EPOCH.date(), UTC_ZONE)
    hourly = LayerPlan("hourly", (RosterVersion(None, tuple(PEOPLE[:3]), rotation),))
    plan = SchedulePlan("sre", rotation.zone, (hourly,))
    timeline = Timeline(plan)
    at = EPOCH + timedelta(days=40, minutes=20)
    found = on_call_now(timeline, at, ["hourly"], ahead=AHEAD)
    hour = at.replace(minute=0)
    first = PEOPLE[(40 * 24) % 3]
    assert found.shift == Shift(hour, hour + timedelta(hours=1), first, "hourly", Source.ROTATION)
    assert found.next is not None and found.next.start == hour + timedelta(hours=1)
    assert 0 < timeline.windows_kept <= KEPT
    again = on_call_now(timeline, at + timedelta(minutes=30), ["hourly"], ahead=AHEAD)
    assert again == found
    assert timeline.answers_worked_out == 1  # the answer kept: nothing worked out again
    # Part way through the hour the next answer was worked out ahead: when the hour ends,
    # the ask finds it ready, and works nothing out.
    assert timeline.answers_worked_ahead == 1
    windows = timeline.windows_worked_out
    following = on_call_now(timeline, hour + timedelta(hours=1), ["hourly"], ahead=AHEAD)
    assert following.shift == found.next
    assert (timeline.answers_worked_out, timeline.windows_worked_out) == (1, windows)


def test_a_week_long_shift_is_found_whole_and_an_override_cuts_it() -> None:
    rotation = parse_rotation("weekly", "monday 09:00", EPOCH.date(), UTC_ZONE)
    weekly = LayerPlan("weekly", (RosterVersion(None, ("U0ANA", "U0BEN"), rotation),))
    monday = datetime(2026, 3, 9, 9, tzinfo=EPOCH.tzinfo)
    wednesday = monday + timedelta(days=2)
    taken = OverridePlan("U0CY", wednesday, wednesday + timedelta(hours=3))
    plan = SchedulePlan("sre", rotation.zone, (weekly,), (taken,))
    found = on_call_now(Timeline(plan), wednesday - timedelta(hours=5), ["weekly"], ahead=AHEAD)
    assert found.shift is not None
    assert (found.shift.start, found.shift.end) == (monday, wednesday)
    assert found.next == Shift(
        wednesday, wednesday + timedelta(hours=3), "U0CY", "", Source.OVERRIDE
    )
    layer = found.layers["weekly"]
    assert layer is not None and layer.end == wednesday - timedelta(hours=5) + DAY  # cut a day on


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    zone=zones,
    minute=st.integers(0, 700 * 1440),
    steps=st.lists(st.sampled_from(["end", "after end", "before end"]) | st.integers(1, 600)),
)
def test_answers_worked_out_ahead_are_the_answers_at_their_instants(
    data: st.DataObject, zone: ZoneInfo, minute: int, steps: list[str | int]
) -> None:
    instant = EPOCH + minute * MINUTE
    plan = data.draw(plans(zone, instant))
    names = [layer.name for layer in plan.layers]
    timeline = Timeline(plan)
    found = on_call_now(timeline, instant, names, ahead=AHEAD)
    # Forward only, as the clock goes: to the current shift's end (where the answer worked
    # out ahead takes over), a minute either side of it, or some minutes on.
    for step in steps:
        end = found.shift.end if found.shift else found.next.start if found.next else None
        if isinstance(step, int) or end is None or end <= instant:
            instant += (step if isinstance(step, int) else 7) * MINUTE
        else:
            instant = end + {"end": 0, "after end": 1, "before end": -1}[step] * MINUTE
        found = on_call_now(timeline, instant, names, ahead=AHEAD)
        assert (found.shift, found.next, found.layers) == _expected(plan, instant), instant


def test_every_three_minutes_each_answer_is_ready_before_it_is_needed() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    weekly = parse_rotation("weekly", "monday 09:00", EPOCH.date(), berlin)
    daily = parse_rotation("daily", "08:30", EPOCH.date(), berlin)
    hourly = parse_rotation("hourly", None, EPOCH.date(), berlin)
    working = parse_restriction("mon-fri 09:00-18:00")
    plan = SchedulePlan(
        "sre",
        berlin,
        (
            LayerPlan("weekly", (RosterVersion(None, tuple(PEOPLE[:4]), weekly),)),
            LayerPlan("daily", (RosterVersion(None, tuple(PEOPLE[2:6]), daily),)),
            LayerPlan("hourly", (RosterVersion(None, tuple(PEOPLE[:5]), hourly, working),)),
        ),
    )
    names = [layer.name for layer in plan.layers]
    timeline = Timeline(plan)
    start = datetime(2026, 3, 9, tzinfo=EPOCH.tzinfo)  # a Monday, midnight UTC
    seen: list[Shift | None] = []
    for n in range(2 * 480):  # two days, across two UTC midnights and a weekly handoff
        at = start + n * 3 * MINUTE
        found = on_call_now(timeline, at, names, ahead=AHEAD)
        if n % 20 == 0 or not seen or found.shift != seen[-1]:
            assert (found.shift, found.next, found.layers) == _expected(plan, at), at
        seen.append(found.shift)
    changes = sum(1 for a, b in pairwise(seen) if a != b)
    assert changes > 20  # the hourly layer changes hands every hour of the working day
    # The first answer was worked out when asked; every later one ahead, by an earlier ask.
    assert timeline.answers_worked_out == 1
    assert timeline.answers_worked_ahead >= changes
