"""Layering: a schedule's layers, roster versions, overrides and holiday cover, made into the
one person on call at each instant.

From the bottom up: each layer (its roster versions' rotations, restricted, or an iCal feed's
events), that layer's overrides over it, later layers over earlier ones, holiday cover over
every layer, and schedule-wide overrides over everything; among overrides the later wins.
"""

import bisect
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.rules.overlay import overlay, stack
from bot.oncall.rules.restrict import Restriction, restrict
from bot.oncall.rules.rotation import Rotation, length, rotation_shifts
from bot.oncall.rules.shifts import Shift, Source, clip, utc
from bot.oncall.rules.wallclock import local_date, resolve_at

# How far `on_call_at` looks for the start and end of the shift it finds: one person on call
# for longer than this is reported with the shift cut at this distance.
REACH_LIMIT = timedelta(days=366)
# Most final shifts at an instant start and end within a day of it (restricted layers, daily
# rotations, overrides): look there first, which is cheap even for hourly rotations.
FIRST_LOOK = timedelta(days=1)


@dataclass(frozen=True)
class RosterVersion:
    """A layer's people and rotation from `effective_from` (None: since ever) to the next."""

    effective_from: datetime | None
    users: tuple[str, ...]
    rotation: Rotation
    restriction: Restriction | None = None


@dataclass(frozen=True)
class LayerPlan:
    """A layer: its roster versions, or the fixed shifts of an iCal feed."""

    name: str
    versions: tuple[RosterVersion, ...] = ()
    fixed: tuple[Shift, ...] = ()


@dataclass(frozen=True)
class OverridePlan:
    """`user` takes a layer's shifts (or the whole schedule's, layer "") over `[start, end)`."""

    user: str
    start: datetime
    end: datetime
    layer: str = ""


@dataclass(frozen=True)
class SchedulePlan:
    """Everything the rules need to say who is on call in one schedule."""

    name: str
    zone: ZoneInfo
    layers: tuple[LayerPlan, ...]  # bottom first; later layers win
    overrides: tuple[OverridePlan, ...] = ()  # later ones win
    holidays: frozenset[date] = frozenset()
    holiday_cover: str | None = None


def layer_shifts(plan: SchedulePlan, layer: str, start: datetime, end: datetime) -> list[Shift]:
    """One layer's shifts over `[start, end)`, its overrides applied; ValueError for a layer
    the schedule does not have."""
    for candidate in plan.layers:
        if candidate.name == layer:
            return _layer(plan, candidate, utc(start), utc(end))
    raise ValueError(f"layer: schedule {plan.name!r} has no layer {layer!r}")


def _layer(plan: SchedulePlan, layer: LayerPlan, start: datetime, end: datetime) -> list[Shift]:
    if start >= end:
        return []
    rostered = _rostered(plan, layer, start, end)
    fixed = _fixed(layer, start, end) if layer.fixed else []
    taken = _overrides(plan, layer.name, start, end)
    if not (fixed or taken):
        return rostered  # roster versions have disjoint spans: nothing to stack
    ranked = [(0, shift) for shift in rostered] + [(1, shift) for shift in fixed]
    return overlay(ranked + [(2, shift) for shift in taken], merge_same_person=False)


def _rostered(plan: SchedulePlan, layer: LayerPlan, start: datetime, end: datetime) -> list[Shift]:
    """Each roster version's shifts within its own span of time."""
    versions = sorted(
        layer.versions,
        key=lambda v: (v.effective_from is not None, v.effective_from and utc(v.effective_from)),
    )
    shifts: list[Shift] = []
    for version, following in zip(versions, [*versions[1:], None], strict=False):
        lo = max(start, utc(version.effective_from)) if version.effective_from else start
        hi = (
            min(end, utc(following.effective_from))
            if following and following.effective_from
            else end
        )
        if lo >= hi:
            continue
        found = rotation_shifts(version.rotation, version.users, lo, hi, layer=layer.name)
        shifts += restrict(found, version.restriction, plan.zone) if version.restriction else found
    return shifts


def _fixed(layer: LayerPlan, start: datetime, end: datetime) -> list[Shift]:
    """A feed's events as they are (named after the layer); of two that overlap, the
    later-starting wins from its start."""
    events = sorted(
        (
            replace(shift, start=utc(shift.start), end=utc(shift.end), layer=layer.name)
            for shift in layer.fixed
            if shift.start < end and shift.end > start
        ),
        key=lambda shift: shift.start,
    )
    return overlay([(0, shift) for shift in clip(events, start, end)], merge_same_person=False)


def _overrides(plan: SchedulePlan, layer: str, start: datetime, end: datetime) -> list[Shift]:
    """The overrides of `layer` ("" for the schedule-wide ones), in the order they were made."""
    taken = (
        Shift(utc(override.start), utc(override.end), override.user, layer, Source.OVERRIDE)
        for override in plan.overrides
        if override.layer == layer
    )
    return clip(taken, start, end)


def _holiday_cover(plan: SchedulePlan, start: datetime, end: datetime) -> list[Shift]:
    """Whole local holiday dates, held by the schedule's holiday cover."""
    if not plan.holiday_cover:
        return []
    first, last = local_date(start, plan.zone), local_date(end, plan.zone)
    days = sorted(day for day in plan.holidays if first <= day <= last)
    cover = (
        Shift(
            resolve_at(day, 0, plan.zone),
            resolve_at(day, 1440, plan.zone),
            plan.holiday_cover,
            "",
            Source.HOLIDAY,
        )
        for day in days
    )
    return clip(cover, start, end)


def final_shifts(plan: SchedulePlan, start: datetime, end: datetime) -> list[Shift]:
    """The one person on call at each covered instant of `[start, end)`; touching pieces of the
    same user, layer and source are one shift; time nobody covers is simply absent."""
    start, end = utc(start), utc(end)
    if start >= end:
        return []
    levels = [_layer(plan, layer, start, end) for layer in plan.layers]
    levels.append(_holiday_cover(plan, start, end))
    # Schedule-wide overrides may overlap one another (the later wins): made one level first.
    taken = [(0, shift) for shift in _overrides(plan, "", start, end)]
    levels.append(
        overlay(taken, merge_same_person=False) if len(taken) > 1 else [s for _, s in taken]
    )
    return stack(levels)


def on_call_at(plan: SchedulePlan, instant: datetime) -> Shift | None:
    """The final shift covering `instant`, or None when nobody is on call. Only a window around
    `instant` is computed, widened until the shift's start and end are inside it."""
    instant = utc(instant)
    reach = _reach(plan)
    back = forward = min(FIRST_LOOK, reach)
    while True:
        shifts = final_shifts(plan, instant - back, instant + forward)
        index = bisect.bisect_right([shift.start for shift in shifts], instant) - 1
        if index < 0 or shifts[index].end <= instant:
            return None
        found = shifts[index]
        cut_start = found.start == instant - back and back < REACH_LIMIT
        cut_end = found.end == instant + forward and forward < REACH_LIMIT
        if not (cut_start or cut_end):
            return found
        back = _wider(back, reach) if cut_start else back
        forward = _wider(forward, reach) if cut_end else forward


def _reach(plan: SchedulePlan) -> timedelta:
    """A window that usually holds a whole shift: the longest rotation, and a day for DST."""
    lengths = [length(v.rotation) for layer in plan.layers for v in layer.versions]
    return max(lengths, default=timedelta(0)) + timedelta(days=1)


def _wider(width: timedelta, reach: timedelta) -> timedelta:
    """The next width to look at: the longest rotation, then twice as far, up to the limit."""
    return reach if width < reach else min(width * 2, REACH_LIMIT)
