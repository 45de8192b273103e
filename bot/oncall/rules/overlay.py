"""Stacking shifts: at each instant the highest-ranked piece covering it wins."""

import heapq
from collections.abc import Iterable, Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from bot.oncall.rules.shifts import Shift


def overlay(ranked: Iterable[tuple[int, Shift]], *, merge_same_person: bool) -> list[Shift]:
    """Non-overlapping pieces where, at each instant, the covering shift of highest rank wins
    (ties: the later one given). Pieces of one shift stay whole across hidden boundaries;
    with `merge_same_person`, touching pieces of the same user, layer and source join too."""
    pieces = sorted(
        ((shift.start, -rank, -order, shift) for order, (rank, shift) in enumerate(ranked)),
        key=lambda item: item[:3],
    )
    bounds = sorted({shift.start for *_, shift in pieces} | {shift.end for *_, shift in pieces})
    active: list[tuple[int, int, datetime, Shift]] = []  # (-rank, -order, end, shift): a max-heap
    spans: list[list[Any]] = []  # [start, end, shift, order], grown while the same owner goes on
    cursor = 0
    for here, after in pairwise(bounds):
        while cursor < len(pieces) and pieces[cursor][0] <= here:
            _, neg_rank, neg_order, shift = pieces[cursor]
            heapq.heappush(active, (neg_rank, neg_order, shift.end, shift))
            cursor += 1
        while active and active[0][2] <= here:
            heapq.heappop(active)  # ended; pieces ended under the top are dropped when they surface
        if not active:
            continue
        _, neg_order, _, top = active[0]
        if spans and spans[-1][1] == here:
            last = spans[-1]
            if last[3] == neg_order or (merge_same_person and _same_person(last[2], top)):
                last[1], last[3] = after, neg_order
                continue
        spans.append([here, after, top, neg_order])
    return [
        shift
        if (start, end) == (shift.start, shift.end)
        else Shift(start, end, shift.user, shift.layer, shift.source)
        for start, end, shift, _ in spans
    ]


def stack(levels: Sequence[Sequence[Shift]]) -> list[Shift]:
    """What `overlay(..., merge_same_person=True)` gives for `levels` (bottom first, each
    sorted, none overlapping another of its level): each level shows where no level above it
    does. Painted from the top down, a level at a time, in one pass over each: a year of an
    hourly rotation is not a heap operation per hour."""
    painted: list[Shift] = []  # what the levels above show: sorted, not overlapping
    for level in reversed(levels):
        if painted and level:
            painted = sorted([*painted, *_uncovered(level, painted)], key=_start)
        elif level:
            painted = list(level)
    joined: list[Shift] = []
    for shift in painted:
        last = joined[-1] if joined else None
        if last is not None and last.end == shift.start and _same_person(last, shift):
            joined[-1] = Shift(last.start, shift.end, last.user, last.layer, last.source)
        else:
            joined.append(shift)
    return joined


def _uncovered(level: Sequence[Shift], painted: Sequence[Shift]) -> list[Shift]:
    """The parts of `level`'s shifts that no shift of `painted` covers (both sorted)."""
    found: list[Shift] = []
    first = 0
    for shift in level:
        while first < len(painted) and painted[first].end <= shift.start:
            first += 1
        cursor, index = shift.start, first
        while index < len(painted) and painted[index].start < shift.end:
            if painted[index].start > cursor:
                found.append(_part(shift, cursor, painted[index].start))
            cursor = max(cursor, painted[index].end)
            index += 1
        if cursor < shift.end:
            found.append(_part(shift, cursor, shift.end))
    return found


def _part(shift: Shift, start: datetime, end: datetime) -> Shift:
    if (start, end) == (shift.start, shift.end):
        return shift
    return Shift(start, end, shift.user, shift.layer, shift.source)


def _start(shift: Shift) -> datetime:
    return shift.start


def _same_person(left: Shift, right: Shift) -> bool:
    return (left.user, left.layer, left.source) == (right.user, right.layer, right.source)
