"""Properties over random rotations, zones, restrictions and overrides: no gap and no overlap
within a layer, one person per covered minute, the layering order, overrides exactly in their
period, and past shifts unchanged by roster edits."""

import bisect
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oncall_rule_plans import (
    CHANGES,
    MINUTE,
    TRICKY,
    near_a_change,
    plans,
    restrictions,
    rotations,
    union,
    users,
    windows,
    zones,
)

from bot.oncall.rules.layering import (
    LayerPlan,
    RosterVersion,
    SchedulePlan,
    final_shifts,
    layer_shifts,
    on_call_at,
)
from bot.oncall.rules.restrict import Restriction, restrict
from bot.oncall.rules.rotation import (
    Period,
    Rotation,
    handoff_at,
    handoffs,
    index_at,
    parse_rotation,
    rotation_shifts,
)
from bot.oncall.rules.shifts import Shift, Source

# No deadline and no slowness check: other test runs share the machine, and the properties are
# about what is computed, not how fast (bench/ measures that).
EXAMPLES = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _in_window(restriction: Restriction, zone: ZoneInfo, instant: datetime) -> bool:
    """Whether `instant`'s local wall clock is inside the restriction, read off the clock."""
    local = instant.astimezone(zone)
    minute, day = local.hour * 60 + local.minute, local.weekday()
    return any(
        (day in w.days and w.start <= minute < w.start + w.length)
        or ((day - 1) % 7 in w.days and minute < w.start + w.length - 1440)
        for w in restriction.windows
    )


def _disjoint_and_sorted(shifts: list[Shift], start: datetime, end: datetime) -> None:
    for shift in shifts:
        assert start <= shift.start < shift.end <= end
    for before, after in itertools.pairwise(shifts):
        assert before.end <= after.start


def _layer_reference(plan: SchedulePlan, layer: LayerPlan, instant: datetime) -> str | bool | None:
    """Who a layer has at `instant`, from its definition; False when the clock cannot tell."""
    taken = [o.user for o in plan.overrides if o.layer == layer.name and o.start <= instant < o.end]
    if taken:
        return taken[-1]
    active = [v for v in layer.versions if v.effective_from is None or v.effective_from <= instant]
    if not active:
        return None
    version = sorted(active, key=lambda v: (v.effective_from is not None, v.effective_from))[-1]
    index = index_at(version.rotation, instant)
    if index < 0:
        return None
    if version.restriction:
        if near_a_change(plan.zone, instant):
            return False  # the wall clock repeats or skips here; the examples tests cover it
        if not _in_window(version.restriction, plan.zone, instant):
            return None
    return version.users[index % len(version.users)]


def _reference(plan: SchedulePlan, instant: datetime) -> tuple[str, str, Source] | bool | None:
    """Who is on call at `instant`, read off the plan from the top down."""
    taken = [o.user for o in plan.overrides if o.layer == "" and o.start <= instant < o.end]
    if taken:
        return taken[-1], "", Source.OVERRIDE
    if plan.holiday_cover and instant.astimezone(plan.zone).date() in plan.holidays:
        return plan.holiday_cover, "", Source.HOLIDAY
    for layer in reversed(plan.layers):
        who = _layer_reference(plan, layer, instant)
        if who is False:
            return False
        if who is not None:
            overridden = any(
                o.layer == layer.name and o.start <= instant < o.end for o in plan.overrides
            )
            return str(who), layer.name, Source.OVERRIDE if overridden else Source.ROTATION
    return None


def _covering(shifts: list[Shift], instant: datetime) -> Shift | None:
    index = bisect.bisect_right([s.start for s in shifts], instant) - 1
    return shifts[index] if index >= 0 and instant < shifts[index].end else None


@EXAMPLES
@given(data=st.data(), zone=zones, people=users)
def test_a_rotation_has_no_gap_and_no_overlap_and_hands_off_on_time(
    data: st.DataObject, zone: ZoneInfo, people: tuple[str, ...]
) -> None:
    window = data.draw(windows(zone))
    rotation: Rotation = data.draw(rotations(zone))
    start, end = window
    shifts = rotation_shifts(rotation, people, start, end, layer="p")
    first = max(start, handoff_at(rotation, 0))
    if first >= end:
        assert shifts == []
        return
    assert shifts[0].start == first and shifts[-1].end == end
    boundaries = set(handoffs(rotation, start, end))
    for before, after in itertools.pairwise(shifts):
        assert before.end == after.start and before.user != after.user
        assert after.start in boundaries
    for shift in shifts:
        assert shift.user == people[index_at(rotation, shift.start) % len(people)]
    _handoffs_follow_their_clock(rotation, sorted(boundaries))


@EXAMPLES
@given(
    data=st.data(),
    zone=zones.filter(lambda z: bool(CHANGES[z.key])),
    people=users,
    clock=st.sampled_from(TRICKY),
    kind=st.sampled_from(["daily", "weekly sun", "weekly sat", "2d"]),
)
def test_handoffs_at_times_the_clock_skips_or_repeats(
    data: st.DataObject, zone: ZoneInfo, people: tuple[str, ...], clock: str, kind: str
) -> None:
    rotation_text, _, day = kind.partition(" ")
    anchor = data.draw(st.dates(date(2025, 10, 1), date(2026, 2, 1)))  # before every window
    rotation = parse_rotation(rotation_text, f"{day} {clock}".strip(), anchor, zone)
    change = data.draw(st.sampled_from(CHANGES[zone.key]))
    start, end = change - timedelta(days=8), change + timedelta(days=8)
    shifts = rotation_shifts(rotation, people, start, end, layer="p")
    assert union([(s.start, s.end) for s in shifts]) == [(start, end)]
    _handoffs_follow_their_clock(rotation, handoffs(rotation, start, end))


def _handoffs_follow_their_clock(rotation: Rotation, found: list[datetime]) -> None:
    zone = rotation.zone
    if rotation.period in (Period.HOURLY, Period.HOURS):
        for before, after in itertools.pairwise(found):
            assert after - before == timedelta(hours=rotation.count)
        return
    for instant in found:
        local = instant.astimezone(zone)
        if rotation.weekday is not None:
            assert local.weekday() == rotation.weekday
        if (local.hour, local.minute) == (rotation.at.hour, rotation.at.minute):
            assert local.fold == 0  # an ambiguous time is its first occurrence
        else:  # the handoff's time did not exist that day: the end of the gap
            assert (instant - MINUTE).astimezone(zone).utcoffset() != local.utcoffset()
            wanted = local.replace(hour=rotation.at.hour, minute=rotation.at.minute, tzinfo=None)
            assert (
                wanted.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
                != wanted
            )


@EXAMPLES
@given(data=st.data(), zone=zones, people=users, restriction=restrictions())
def test_a_restriction_keeps_exactly_the_minutes_inside_its_windows(
    data: st.DataObject,
    zone: ZoneInfo,
    people: tuple[str, ...],
    restriction: Restriction,
) -> None:
    window = data.draw(windows(zone))
    shifts = rotation_shifts(data.draw(rotations(zone)), people, *window, layer="p")
    kept = restrict(shifts, restriction, zone)
    _disjoint_and_sorted(kept, *window)
    minutes = data.draw(
        st.lists(st.integers(0, int((window[1] - window[0]) / MINUTE) - 1), max_size=40)
    )
    for offset in minutes:
        instant = window[0] + offset * MINUTE
        if near_a_change(zone, instant):
            continue
        before, after = _covering(shifts, instant), _covering(kept, instant)
        if before is not None and _in_window(restriction, zone, instant):
            assert after is not None and after.user == before.user
        else:
            assert after is None


@EXAMPLES
@given(data=st.data(), zone=zones)
def test_final_shifts_give_one_person_per_minute_by_the_layering_order(
    data: st.DataObject, zone: ZoneInfo
) -> None:
    window = data.draw(windows(zone, longest_days=30))
    plan = data.draw(plans(zone, window[0]))
    start, end = window
    final = final_shifts(plan, start, end)
    _disjoint_and_sorted(final, start, end)
    for before, after in itertools.pairwise(final):
        if before.end == after.start:
            assert (before.user, before.layer, before.source) != (
                after.user,
                after.layer,
                after.source,
            )
    for layer in plan.layers:
        _disjoint_and_sorted(layer_shifts(plan, layer.name, start, end), start, end)
    span = int((end - start) / MINUTE)
    minutes = data.draw(st.lists(st.integers(0, span - 1), max_size=40))
    minutes += [int((s.start - start) / MINUTE) for s in final] + [
        int((s.end - start) / MINUTE) - 1 for s in final
    ]
    for offset in minutes:
        instant = start + offset * MINUTE
        expected = _reference(plan, instant)
        if expected is False:
            continue
        found = _covering(final, instant)
        assert (found and (found.user, found.layer, found.source)) == (expected or None)
    for offset in minutes[:3]:
        instant = start + offset * MINUTE
        found, now = _covering(final, instant), on_call_at(plan, instant)
        assert (found and (found.user, found.layer, found.source)) == (
            now and (now.user, now.layer, now.source)
        )
        assert now is None or now.start <= instant < now.end


@EXAMPLES
@given(data=st.data(), zone=zones)
def test_overrides_appear_exactly_in_their_period(data: st.DataObject, zone: ZoneInfo) -> None:
    window = data.draw(windows(zone, longest_days=30))
    plan = data.draw(plans(zone, window[0]))
    start, end = window
    final = final_shifts(plan, start, end)
    for name in ["", *(layer.name for layer in plan.layers)]:
        wanted = union(
            [(max(o.start, start), min(o.end, end)) for o in plan.overrides if o.layer == name]
        )
        shifts = final if name == "" else layer_shifts(plan, name, start, end)
        pieces = [s for s in shifts if s.source is Source.OVERRIDE and s.layer == name]
        assert union([(s.start, s.end) for s in pieces]) == wanted
        for piece in pieces:
            covering = [
                o for o in plan.overrides if o.layer == name and o.start <= piece.start < o.end
            ]
            assert piece.user == covering[-1].user  # the later override wins


@EXAMPLES
@given(data=st.data(), zone=zones, people=users)
def test_an_unrestricted_layer_covers_every_minute_after_its_first_handoff(
    data: st.DataObject, zone: ZoneInfo, people: tuple[str, ...]
) -> None:
    window = data.draw(windows(zone))
    rotation = data.draw(rotations(zone))
    plan = SchedulePlan(
        "sre", zone, (LayerPlan("p", (RosterVersion(None, people, rotation, None),)),)
    )
    start, end = window
    covered = union([(s.start, s.end) for s in layer_shifts(plan, "p", start, end)])
    first = max(start, handoff_at(rotation, 0))
    assert covered == ([(first, end)] if first < end else [])


@EXAMPLES
@given(data=st.data(), zone=zones)
def test_a_roster_edit_at_the_next_handoff_leaves_the_past_and_the_current_shift_alone(
    data: st.DataObject, zone: ZoneInfo
) -> None:
    window = data.draw(windows(zone, longest_days=30))
    plan = data.draw(plans(zone, window[0]))
    start, end = window
    now = start + data.draw(st.integers(0, int((end - start) / MINUTE))) * MINUTE
    edited = data.draw(st.sampled_from(plan.layers))
    current = sorted(
        (v for v in edited.versions if v.effective_from is None or v.effective_from <= now),
        key=lambda v: (v.effective_from is not None, v.effective_from),
    )
    assume(current)
    upcoming = [h for h in handoffs(current[-1].rotation, now, now + timedelta(days=40)) if h > now]
    assume(upcoming)
    change = upcoming[0]
    added = RosterVersion(
        change,
        data.draw(users),
        data.draw(rotations(plan.zone)),
        data.draw(st.none() | restrictions()),
    )
    layers = tuple(
        LayerPlan(layer.name, (*layer.versions, added)) if layer is edited else layer
        for layer in plan.layers
    )
    after = SchedulePlan(
        plan.name, plan.zone, layers, plan.overrides, plan.holidays, plan.holiday_cover
    )
    assert final_shifts(after, start, change) == final_shifts(plan, start, change)
    assert layer_shifts(after, edited.name, start, change) == layer_shifts(
        plan, edited.name, start, change
    )
    before_edit = final_shifts(plan, start, end)
    after_edit = final_shifts(after, start, end)
    assert [s for s in before_edit if s.end <= now] == [s for s in after_edit if s.end <= now]
    held = _covering(before_edit, now)
    still = _covering(after_edit, now)
    assert (held and (held.start, held.user)) == (still and (still.start, still.user))
