"""On-call as a service: who is on call, their shifts, overrides, feed tokens, roster sync."""

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.transactions import is_write_conflict, read, run_in_transaction
from bot.oncall.config import ScheduleDef
from bot.oncall.directory import PeopleCheck, check_people
from bot.oncall.errors import (
    OverrideRefused,
    UnknownLayer,
    UnknownSchedule,
    UnknownTarget,
)
from bot.oncall.overrides import check_override
from bot.oncall.plan_cache import PlanCache
from bot.oncall.ports import Feeds, FeedStatus, UserDirectory
from bot.oncall.rosters import sync_schedule
from bot.oncall.rules.layering import SchedulePlan, final_shifts, layer_shifts
from bot.oncall.rules.now import Timeline, on_call_now
from bot.oncall.rules.shifts import Shift
from bot.oncall.targets import on_call_targets
from storage.models import OncallOverride
from storage.queries import oncall as queries

__all__ = [
    "OnCallNow",
    "OncallService",
    "OverrideRefused",
    "UnknownLayer",
    "UnknownSchedule",
    "UnknownTarget",
]

log = logging.getLogger(__name__)
NEAR = timedelta(days=8)  # the holidays `who` reads reach at least this far back
AHEAD = timedelta(days=35)  # how far ahead `who` looks for the next person at most


@dataclass(frozen=True)
class OnCallNow:
    """Who is on call in a schedule at an instant, until when, and who comes next."""

    schedule: str
    shift: Shift | None  # the final shift covering the instant
    until: datetime | None  # when it ends (None: nobody on call)
    next: Shift | None  # the next final shift with somebody else
    # each layer's shift at the instant, its overrides applied (cut to a day either side)
    layers: dict[str, Shift | None] = field(default_factory=dict)


class OncallService:
    """Schedules from `warroom.yml`, rosters and overrides from the database."""

    def __init__(
        self,
        engine: Engine,
        schedules: Sequence[ScheduleDef],
        *,
        clock: Callable[[], datetime],
        feeds: Feeds | None = None,
    ) -> None:
        self.engine = engine
        self.schedules = {schedule.name: schedule for schedule in schedules}
        # The same tuple on every ask: the answer kept is for these very layers.
        self._layer_names = {s.name: tuple(layer.name for layer in s.layers) for s in schedules}
        self.clock = clock
        self.feeds = feeds
        self._synced = False
        self._plan_cache = PlanCache(feeds)

    @property
    def names(self) -> list[str]:
        """The schedules' names, in the file's order."""
        return list(self.schedules)

    def schedule(self, name: str) -> ScheduleDef:
        """The schedule called `name`; UnknownSchedule."""
        try:
            return self.schedules[name]
        except KeyError:
            raise UnknownSchedule(name, self.names) from None

    async def sync_rosters(self) -> int:
        """Store a roster version for each layer this process's `warroom.yml` changed
        (effective at the next handoff); how many were stored. Done once per process: the
        scheduler calls it on every tick so that a start without the database catches up,
        and an older process still running beside a newer one (a rolling restart) never
        undoes the newer one's change. Two processes doing it at once store one version."""
        if self._synced or not self.schedules:
            return 0
        now = self.clock()

        def sync(session: Session) -> int:
            queries.lock_rosters(session)
            return sum(sync_schedule(session, s, now) for s in self.schedules.values())

        try:
            stored = await run_in_transaction(self.engine, sync)
        except Exception as error:
            if not is_write_conflict(error):
                raise
            # Another process stored versions at the same time: compare with theirs.
            stored = await run_in_transaction(self.engine, sync)
        self._synced = True
        if stored:
            log.info("on-call rosters: %d new version(s) from warroom.yml", stored)
        return stored

    async def check_people(self, directory: UserDirectory) -> PeopleCheck:
        """Resolve the schedules' e-mails and check their user ids against the workspace;
        those found are remembered in the people directory."""
        return await check_people(
            self.engine, list(self.schedules.values()), directory, clock=self.clock
        )

    def plan_in(
        self,
        session: Session,
        name: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> SchedulePlan:
        """What the rules need for schedule `name`: rosters, overrides, holidays (of the
        years from `start` to `end`, around now by default) and the iCal layers' copies."""
        return self._plans(session, [name], start, end)[name]

    @property
    def plan_cache(self) -> PlanCache:
        """The plans kept between reads, with what the handoff job keeps beside them."""
        return self._plan_cache

    def timelines_in(
        self, session: Session, names: Sequence[str], *, start: datetime, end: datetime
    ) -> dict[str, Timeline]:
        """The plans of schedules `names` (holidays from `start` to `end`) with the shifts
        already worked out from them, by name."""
        return self._timelines(session, names, start, end)

    def _plans(
        self, session: Session, names: Sequence[str], start: datetime | None, end: datetime | None
    ) -> dict[str, SchedulePlan]:
        timelines = self._timelines(session, names, start, end)
        return {name: timeline.plan for name, timeline in timelines.items()}

    def _timelines(
        self, session: Session, names: Sequence[str], start: datetime | None, end: datetime | None
    ) -> dict[str, Timeline]:
        now = self.clock()
        first = min(start or now, now).year - 1
        last = max(end or now, now).year + 1
        schedules = [self.schedule(name) for name in names]
        return self._plan_cache.timelines(session, schedules, tuple(range(first, last + 1)))

    async def who(self, name: str | None = None, *, at: datetime | None = None) -> list[OnCallNow]:
        """Who is on call at `at` (now by default) in schedule `name`, or in every schedule."""
        names = [self.schedule(name).name] if name is not None else self.names
        instant = at or self.clock()

        def find(session: Session) -> list[OnCallNow]:
            timelines = self._timelines(session, names, instant - NEAR, instant + AHEAD)
            return [self._now_in(timelines[name], instant) for name in names]

        return await read(self.engine, find)

    def _now_in(self, timeline: Timeline, instant: datetime) -> OnCallNow:
        name = timeline.plan.name
        found = on_call_now(timeline, instant, self._layer_names[name], ahead=AHEAD)
        return OnCallNow(
            schedule=name,
            shift=found.shift,
            until=found.shift.end if found.shift else None,
            next=found.next,
            layers=found.layers,
        )

    async def shifts(self, name: str, start: datetime, end: datetime) -> list[Shift]:
        """The final shifts of schedule `name` over `[start, end)`."""
        self.schedule(name)
        return await read(
            self.engine,
            lambda s: final_shifts(self.plan_in(s, name, start=start, end=end), start, end),
        )

    async def layer_shifts(
        self, name: str, layer: str, start: datetime, end: datetime
    ) -> list[Shift]:
        """One layer's shifts (its overrides applied) over `[start, end)`."""
        schedule = self.schedule(name)
        if schedule.layer(layer) is None:
            raise UnknownLayer(name, layer, [known.name for known in schedule.layers])
        return await read(
            self.engine,
            lambda s: layer_shifts(self.plan_in(s, name, start=start, end=end), layer, start, end),
        )

    async def user_shifts(
        self, user: str, start: datetime, end: datetime
    ) -> list[tuple[str, Shift]]:
        """A person's final shifts in every schedule over `[start, end)`, by start."""

        def find(session: Session) -> list[tuple[str, Shift]]:
            found = []
            for name in self.names:
                plan = self.plan_in(session, name, start=start, end=end)
                found += [(name, s) for s in final_shifts(plan, start, end) if s.user == user]
            return sorted(found, key=lambda pair: (pair[1].start, pair[0]))

        return await read(self.engine, find)

    async def add_override(
        self,
        name: str,
        user: str,
        start: datetime,
        end: datetime,
        *,
        layer: str = "",
        by: str,
    ) -> int:
        """Let `user` take schedule `name`'s shifts (one layer's, or all) over `[start, end)`;
        its id. OverrideRefused says why not."""
        now = self.clock()
        check_override(self.schedule(name), user, start, end, layer=layer, now=now)
        row = await run_in_transaction(
            self.engine,
            lambda s: queries.add_override(
                s, schedule=name, layer=layer, user=user, start=start, end=end, by=by, now=now
            ),
        )
        assert row.id is not None
        return row.id

    async def overrides(self, name: str) -> list[OncallOverride]:
        """Schedule `name`'s current and future overrides (not removed), by start."""
        self.schedule(name)
        now = self.clock()
        return await read(
            self.engine, lambda s: queries.list_overrides(s, schedule=name, ending_after=now)
        )

    async def remove_override(self, override_id: int, *, by: str) -> bool:
        """Remove an override; False when there is none or it was removed already."""
        now = self.clock()
        return await run_in_transaction(
            self.engine,
            lambda s: queries.remove_override(s, override_id=override_id, by=by, now=now),
        )

    async def failing_feeds(self, name: str | None = None) -> list[FeedStatus]:
        """The iCal layers (of schedule `name`, or of all) whose latest fetch failed; each
        still shows its last good copy, if it ever had one."""
        if name is not None:
            self.schedule(name)
        if self.feeds is None:
            return []
        return [status for status in await self.feeds.status(name) if status.failing]

    async def feed_token(self, feed: str) -> str:
        """The secret token of a calendar feed (`schedule:<name>` or `user:<id>`), made once."""
        now = self.clock()

        def get_or_make(session: Session) -> str:
            known = queries.get_feed_token(session, feed=feed)
            if known is not None:
                return known.token
            token = secrets.token_urlsafe(24)
            queries.add_feed_token(session, feed=feed, token=token, now=now)
            return token

        try:
            return await run_in_transaction(self.engine, get_or_make)
        except Exception as error:
            if not is_write_conflict(error):
                raise
            return await run_in_transaction(self.engine, get_or_make)  # the other one's token

    def resolve_targets(self, session: Session, target: str, at: datetime) -> list[str]:
        """The user ids on call at `at` for `schedule:<name>` (everyone, the final person
        first) or `schedule:<name>/<layer>`; UnknownTarget when there is no such schedule."""
        return on_call_targets(
            target,
            at,
            schedule_named=self.schedule,
            plan_of=lambda name: self.plan_in(session, name, start=at, end=at),
        )
