"""Stacking shifts: at each instant the highest-ranked piece covering it wins."""

import heapq
from collections.abc import Iterable
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


def _same_person(left: Shift, right: Shift) -> bool:
    return (left.user, left.layer, left.source) == (right.user, right.layer, right.source)
