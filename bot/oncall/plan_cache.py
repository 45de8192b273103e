"""Schedule plans kept between reads while the database says nothing they were built from
has changed.

Building a plan reads every roster version and override and parses them; `who` for fifty
schedules would do that on every call. Instead each read asks the database one cheap
question (`change_marker`: counts and highest ids of rosters and overrides, which any
process's write changes) and rebuilds only when the answer differs from the one the cached
plans were built under. Nothing is trusted for a length of time: a write by another process
is seen by the next read. What the marker does not cover is checked directly: e-mails the
plans resolved are looked up again (one query, only when there are any), and an iCal layer's
shifts are asked of the feeds, which hand back the very same copy while it is unchanged.
A plan built again that equals the one it replaces keeps its timeline (the shifts worked out,
the answers kept): a change in one schedule costs the others nothing.

With each plan, the handoff job keeps when it next has something to do (`QuietSpan`: every
handoff recorded as of one instant, and the next change of hands after it), so that a tick
with no handoff due looks at no shifts and asks the database nothing more.
"""

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.oncall.config import ScheduleDef
from bot.oncall.plans import build_plans
from bot.oncall.ports import FeedShifts
from bot.oncall.rules.layering import SchedulePlan
from bot.oncall.rules.now import Timeline
from storage.queries import oncall as queries

MAX_PLANS = 2048  # (schedule, years) pairs kept; past this, plans are built but not kept


@dataclass
class _Built:
    """Plans built under one marker, and the e-mails they resolved."""

    marker: tuple[Any, ...]
    timelines: dict[tuple[str, tuple[int, ...]], Timeline] = field(default_factory=dict)
    earlier: dict[tuple[str, tuple[int, ...]], Timeline] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)  # e-mail -> user id found
    looked_up: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class QuietSpan:
    """Every handoff of the schedule `timeline` plans was recorded as of `since`, and its
    final shifts change hands no sooner than `until`: a look in between finds nothing."""

    timeline: Timeline
    since: datetime
    until: datetime


class PlanCache:
    """Plans by schedule and years of holidays, for the reads of one service."""

    def __init__(self, feeds: FeedShifts | None) -> None:
        self.feeds = feeds
        self._lock = threading.Lock()  # reads run on worker threads
        self._built: _Built | None = None
        self._quiet: dict[str, QuietSpan] = {}
        self._ical: dict[str, frozenset[str]] = {}  # each schedule's iCal layers

    def plans(
        self, session: Session, schedules: Sequence[ScheduleDef], years: tuple[int, ...]
    ) -> dict[str, SchedulePlan]:
        """The plans of `schedules` with the holidays of `years`, as `session` sees the
        database: cached ones still right, the others built now."""
        found = self.timelines(session, schedules, years)
        return {name: timeline.plan for name, timeline in found.items()}

    def timelines(
        self, session: Session, schedules: Sequence[ScheduleDef], years: tuple[int, ...]
    ) -> dict[str, Timeline]:
        """The plans of `schedules` with the shifts already worked out from them."""
        built = self._current(session)
        found: dict[str, Timeline] = {}
        missing: list[ScheduleDef] = []
        for schedule in schedules:
            timeline = built.timelines.get((schedule.name, years))
            if timeline is not None and self._same_feeds(session, schedule, timeline.plan):
                found[schedule.name] = timeline
            else:
                missing.append(schedule)
        if missing:
            fresh = build_plans(session, missing, years=years, feeds=self.feeds)
            made = {name: _kept_or_new(built, (name, years), p) for name, p in fresh.plans.items()}
            found.update(made)
            with self._lock:
                if self._built is built and len(built.timelines) < MAX_PLANS:
                    built.timelines.update(((name, years), t) for name, t in made.items())
                    built.emails.update(fresh.emails)
                    built.looked_up.update(fresh.looked_up)
        return found

    def _current(self, session: Session) -> _Built:
        """The cached plans, if the database still says what it said when they were built;
        an empty set under the marker this session read otherwise. Plans are only ever kept
        under the marker read in their own session, before the rows they were built from."""
        marker = queries.change_marker(session)
        with self._lock:
            built = self._built
        if built is not None and self._still_right(session, built, marker):
            return built
        fresh = _Built(marker, earlier=built.timelines if built is not None else {})
        with self._lock:
            self._built = fresh
        return fresh

    def _still_right(self, session: Session, built: _Built, marker: tuple[Any, ...]) -> bool:
        """Whether plans built under `built.marker` hold for a database saying `marker`, the
        e-mails they resolved still resolving to the same people."""
        if built.marker != marker:
            return False
        with self._lock:
            looked_up, emails = sorted(built.looked_up), dict(built.emails)
        return not looked_up or queries.map_emails(session, emails=looked_up) == emails

    def is_quiet(self, name: str, timeline: Timeline, now: datetime) -> bool:
        """Whether the handoffs of schedule `name`, as `timeline` plans it, need no look at
        `now`: all recorded as of an instant before it, with no change of hands since."""
        with self._lock:
            span = self._quiet.get(name)
        return span is not None and span.timeline is timeline and span.since <= now < span.until

    def keep_quiet(self, name: str, timeline: Timeline, since: datetime, until: datetime) -> None:
        """Remember that every handoff of `name` was recorded as of `since`, and that
        `timeline`'s shifts change hands no sooner than `until`."""
        with self._lock:
            self._quiet[name] = QuietSpan(timeline, since, until)

    def _same_feeds(self, session: Session, schedule: ScheduleDef, plan: SchedulePlan) -> bool:
        """Whether the plan's iCal layers hold the feeds' current copies (the same objects:
        the feeds keep one per copy and day)."""
        ical = self._ical.get(schedule.name)
        if ical is None:  # asked on every read: worked out once
            ical = frozenset(layer.name for layer in schedule.layers if layer.ical is not None)
            self._ical[schedule.name] = ical
        if not ical:
            return True
        if self.feeds is None:
            return True  # built without feeds, and there are still none
        return all(
            self.feeds.shifts_in(session, schedule.name, layer.name) is layer.fixed
            for layer in plan.layers
            if layer.name in ical
        )


def _kept_or_new(built: _Built, key: tuple[str, tuple[int, ...]], plan: SchedulePlan) -> Timeline:
    """The timeline of the plans replaced, when this plan is the same; a new one otherwise."""
    earlier = built.earlier.get(key)
    return earlier if earlier is not None and earlier.plan == plan else Timeline(plan)
