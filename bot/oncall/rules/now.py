"""Who is on call at one instant: the final shift covering it, the next person after it, and
each layer's shift, worked out over windows that start an hour wide and grow only as far as
the shifts they find reach.

The rules are local: the shifts of `[a, b)` are those of any wider window cut to `[a, b)`. So
a shift that ends inside a window, rather than at its edge, is whole, and growing the window
changes nothing about it; only a shift cut at an edge makes the window grow. An hourly
rotation is then an hour or two of work, not the weeks around the instant.

A `Timeline` keeps what it worked out: the shifts of each window, and the last answer with
the span of instants it holds for (the current shift's, the gap's, each layer's piece's), so
that asking again a moment later is a comparison, not a computation. Windows are widened to
whole days (or to multiples of their width, when wider: `windows.py`), so that all the
instants of a day ask for the same windows: when the hour's shift ends, the next one is
already worked out. Each schedule's days begin at an instant of its own (set by its name),
so that schedules do not all move on to the next day's windows at the same instant.

When the answer kept will stop holding, the next one is worked out ahead, by an ask made
part way through the span it holds for: at a point of its own for each schedule, so that
schedules whose shifts change at the same instant (every hour on the hour, at midnight, when
a day's windows are worked out) do not all do that work in the same ask.
"""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.oncall.rules.layering import REACH_LIMIT, SchedulePlan, final_shifts, layer_shifts
from bot.oncall.rules.shifts import Shift, utc
from bot.oncall.rules.windows import WindowShifts, block_end, block_start, name_share

FIRST_LOOK = timedelta(hours=1)  # the first window, either side of the instant
GROWTH = 4  # each window after it is this many times wider
LAYER_REACH = timedelta(days=1)  # a layer's shift is reported cut to a day either side
# The widest window a layer's piece is looked for in, either side: wider than the reach, so
# that a piece cut at its edge is the answer for a while (a day), even from an instant on a
# day's edge, and the answer from where it stops holding can be worked out ahead.
LAYER_LOOK = 2 * LAYER_REACH
KEPT = 64  # windows a timeline keeps, the least recently used going first
# Where in an answer's span the next answer is worked out: between these fractions of it, at
# a point set by the schedule's name.
AHEAD_FROM, AHEAD_TO = 0.3, 0.9


@dataclass(frozen=True)
class OnCallAt:
    """The final shift at an instant (None: nobody), the next one with someone else, and
    each layer's shift at the instant (its overrides applied, cut to a day either side)."""

    shift: Shift | None
    next: Shift | None
    layers: dict[str, Shift | None] = field(default_factory=dict)


@dataclass(frozen=True)
class _Answer:
    """An answer, with the layer pieces it was cut from, and the instants it holds for."""

    key: tuple[tuple[str, ...], timedelta]
    lo: datetime  # the answer holds for `lo <= instant < hi` (never, when they are equal)
    hi: datetime
    due: datetime  # from here on, the answer from `hi` is worked out ahead
    shift: Shift | None
    next: Shift | None
    pieces: dict[str, Shift | None]
    # Between these instants no piece reaches more than `LAYER_REACH` from the instant, so
    # the pieces are the answer as they are, without cutting.
    uncut: tuple[datetime, datetime]

    def holds(self, key: tuple[tuple[str, ...], timedelta], instant: datetime) -> bool:
        """Whether this is the answer to the same question at `instant`."""
        return self.key == key and self.lo <= instant < self.hi

    def at(self, instant: datetime) -> OnCallAt:
        if self.uncut[0] <= instant <= self.uncut[1]:
            return OnCallAt(self.shift, self.next, dict(self.pieces))
        cut = (instant - LAYER_REACH, instant + LAYER_REACH)
        layers = {name: _clip(p, *cut) if p else None for name, p in self.pieces.items()}
        return OnCallAt(self.shift, self.next, layers)


class Timeline:
    """A plan's final and layer shifts over the windows asked for, each computed once, and
    its latest answer."""

    def __init__(self, plan: SchedulePlan) -> None:
        self.plan = plan
        self._kept: OrderedDict[tuple[str | None, datetime, datetime], WindowShifts] = OrderedDict()
        self._lock = threading.Lock()  # reads run on worker threads
        self._answer: _Answer | None = None
        # The answer from where `_answer` stops holding, worked out ahead: (for, answer).
        self._following: tuple[_Answer, _Answer] | None = None
        self._ahead_share = AHEAD_FROM + (AHEAD_TO - AHEAD_FROM) * name_share(plan.name, "ahead")
        self._phase = name_share(plan.name, "windows")  # where its blocks begin, as a share
        self.answers_worked_out = 0  # when asked, since this timeline was made
        self.answers_worked_ahead = 0
        self.windows_worked_out = 0

    @property
    def windows_kept(self) -> int:
        """How many windows' shifts it holds."""
        return len(self._kept)

    def final(self, start: datetime, end: datetime) -> WindowShifts:
        """`final_shifts` over `[start, end)`."""
        return self._window(None, start, end)

    def layer(self, layer: str, start: datetime, end: datetime) -> WindowShifts:
        """`layer_shifts` of `layer` over `[start, end)`."""
        return self._window(layer, start, end)

    def _window(self, layer: str | None, start: datetime, end: datetime) -> WindowShifts:
        key = (layer, start, end)
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                self._kept.move_to_end(key)
                return kept
        if layer is None:
            shifts = final_shifts(self.plan, start, end)
        else:
            shifts = layer_shifts(self.plan, layer, start, end)
        window = WindowShifts(start, end, shifts, [shift.start for shift in shifts])
        with self._lock:
            self.windows_worked_out += 1
            self._kept[key] = window
            while len(self._kept) > KEPT:
                self._kept.popitem(last=False)
        return window


def on_call_now(
    timeline: Timeline, instant: datetime, layers: Sequence[str], *, ahead: timedelta
) -> OnCallAt:
    """Who is on call at `instant`, who comes next (looking `ahead` past the current shift at
    most) and who holds each of `layers`."""
    instant = utc(instant)
    key = (tuple(layers), ahead)
    known = timeline._answer
    if known is not None and known.holds(key, instant):
        following = timeline._following
        if instant >= known.due and (following is None or following[0] is not known):
            # Part way through the span: the answer from its end, before anyone needs it.
            timeline._following = (known, _work_out(timeline, known.hi, key, ahead))
            timeline.answers_worked_ahead += 1
        return known.at(instant)
    following = timeline._following
    if following is not None and following[0] is known and following[1].holds(key, instant):
        answer = following[1]
    else:
        answer = _work_out(timeline, instant, key, ahead)
        timeline.answers_worked_out += 1
    timeline._answer, timeline._following = answer, None
    return answer.at(instant)


def _work_out(
    timeline: Timeline,
    instant: datetime,
    key: tuple[tuple[str, ...], timedelta],
    ahead: timedelta,
) -> _Answer:
    """The answer at `instant`, with the instants it holds for."""
    current, lo, hi = _covering(timeline, instant)
    upcoming = _next(timeline, instant if current is None else current.end, current, ahead)
    if current is None:
        # Through the gap (which ends where the next shift starts) it is the next one from
        # any instant on, unless it was cut at the look ahead's end, or there was none
        # within it: that end moves on with the instant.
        whole = upcoming is not None and upcoming.end < instant + ahead
        lo, hi = (instant, hi) if whole else (instant, instant)
    pieces = {}
    for layer in key[0]:
        pieces[layer], since, until = _layer_piece(timeline, layer, instant)
        lo, hi = max(lo, since), min(hi, until)
    due = lo + (hi - lo) * timeline._ahead_share
    found = [piece for piece in pieces.values() if piece is not None]
    uncut = (
        max((piece.end for piece in found), default=lo) - LAYER_REACH,
        min((piece.start for piece in found), default=hi) + LAYER_REACH,
    )
    return _Answer(key, lo, hi, due, current, upcoming, pieces, uncut)


def final_window(timeline: Timeline, start: datetime, end: datetime) -> WindowShifts:
    """The final shifts of a window holding `[start, end]`, widened as the first windows of
    `on_call_now` are (to the timeline's days), so that it is worked out about once a day."""
    return timeline.final(_before(timeline, start, FIRST_LOOK), _after(timeline, end, FIRST_LOOK))


def _covering(timeline: Timeline, instant: datetime) -> tuple[Shift | None, datetime, datetime]:
    """The final shift covering `instant`, whole, or cut at `REACH_LIMIT` from it (as
    `on_call_at` finds it), and the instants the answer holds for."""
    back = forward = FIRST_LOOK
    while True:
        start, end = _before(timeline, instant, back), _after(timeline, instant, forward)
        found, lo, hi = timeline.final(start, end).around(instant)
        if found is None:
            return None, lo, hi  # nothing covers it here, so nothing in any wider window
        cut_start = found.start == start and back < REACH_LIMIT
        cut_end = found.end == end and forward < REACH_LIMIT
        if not (cut_start or cut_end):
            if found.start <= instant - REACH_LIMIT or found.end >= instant + REACH_LIMIT:
                # Cut at the limit, which moves with the instant: holds for this one only.
                return _clip(found, instant - REACH_LIMIT, instant + REACH_LIMIT), instant, instant
            return found, lo, hi
        back = min(back * GROWTH, REACH_LIMIT) if cut_start else back
        forward = min(forward * GROWTH, REACH_LIMIT) if cut_end else forward


def _next(
    timeline: Timeline, after: datetime, current: Shift | None, ahead: timedelta
) -> Shift | None:
    """The first final shift from `after` on held by someone other than `current`'s person,
    within `ahead` of `after`; whole unless it runs past that."""
    # The windows start where those around the instant do (nothing before `after` counts):
    # when the current shift ends, the shifts after it are most often worked out already.
    start = _before(timeline, after, FIRST_LOOK)
    width = min(FIRST_LOOK, ahead)
    while True:
        end = after + ahead if width >= ahead else _after(timeline, after, width)
        found = next(
            (
                s
                for s in timeline.final(start, end).shifts
                if s.start >= after and (current is None or s.user != current.user)
            ),
            None,
        )
        if width >= ahead or (found is not None and found.end < end):
            return found
        width = min(width * GROWTH, ahead)


def _layer_piece(
    timeline: Timeline, layer: str, instant: datetime
) -> tuple[Shift | None, datetime, datetime]:
    """The piece of `layer` (its overrides applied) covering `instant`, whole or cut no
    nearer than `LAYER_REACH` from it, and the instants for which that piece cut to
    `LAYER_REACH` either side is still the answer."""
    width = FIRST_LOOK
    while True:
        start, end = _before(timeline, instant, width), _after(timeline, instant, width)
        found, lo, hi = timeline.layer(layer, start, end).around(instant)
        if found is None:
            return None, lo, hi
        if start < found.start and found.end < end:
            return found, lo, hi
        if width >= LAYER_REACH:
            # Cut at the window's edge, at least a day away: right while a day either side
            # of the instant stays inside the window.
            lo = lo if lo > start else start + LAYER_REACH
            hi = hi if hi < end else end - LAYER_REACH
            return found, lo, hi
        width = min(width * GROWTH, LAYER_LOOK)


def _before(timeline: Timeline, instant: datetime, width: timedelta) -> datetime:
    """`instant - width`, moved back to the start of one of the timeline's blocks (never
    past the limit)."""
    if width >= REACH_LIMIT:
        return instant - width
    return block_start(instant - width, width, timeline._phase)


def _after(timeline: Timeline, instant: datetime, width: timedelta) -> datetime:
    """`instant + width`, moved on to the end of one of the timeline's blocks (never past
    the limit)."""
    if width >= REACH_LIMIT:
        return instant + width
    return block_end(instant + width, width, timeline._phase)


def _clip(shift: Shift, start: datetime, end: datetime) -> Shift:
    """`shift` cut to `[start, end)` (it covers an instant inside)."""
    lo, hi = max(shift.start, start), min(shift.end, end)
    if (lo, hi) == (shift.start, shift.end):
        return shift
    return Shift(lo, hi, shift.user, shift.layer, shift.source)
