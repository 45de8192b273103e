"""Handoffs: the pager changing hands is found in the database, recorded once, and told.

A scheduler job looks, in every schedule, for the instants in the last hour where the final
shift changes hands. Each becomes one `OncallHandoff` row (unique per schedule and instant, so a
second process or a restart records nothing twice) written in one transaction with its effects:
a DM to the incoming and to the outgoing person, one post in the handoff channel, and the user
group set to who is on call now. The outbox carries them out after the commit.

A change more than an hour old when first seen (every process was down) is not announced: its
DMs and post would be stale news. The record is still brought in line, quietly: when the latest
recorded handoff does not name who is on call now, a handoff is recorded at the start of the
current state (or when an override was last made, whichever is later) and only the user group
is updated; within the hour, that catch-up is announced like any other handoff.

A tick runs every few seconds in the process that answers requests, so it only works on
schedules with something due: once a schedule's handoffs are all recorded and its record
names who is on call, the instant its final shifts next change hands is kept with its plan
(`PlanCache.keep_quiet`), and ticks before then pass it by. A change of its plan (an
override, a roster, an e-mail resolved, a feed) or a restart makes it looked at again.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.incidents.service import IncidentService
from bot.kernel.outbox import Attempt, Outbox, Payload, Permanent, add_effects, new_effect
from bot.kernel.text import is_person
from bot.kernel.transactions import is_write_conflict, read, run_in_transaction
from bot.oncall.config import ScheduleDef
from bot.oncall.errors import UnknownSchedule
from bot.oncall.handoff_changes import Change, find_changes, next_change, users_at
from bot.oncall.handoff_views import read_fired, read_since
from bot.oncall.ports import HandedOverIncident, HandoffNotices, HandoffView
from bot.oncall.rules.layering import final_shifts
from bot.oncall.rules.now import Timeline, final_window
from bot.oncall.service import OncallService
from storage.models import OncallHandoff
from storage.queries import handoffs as queries

log = logging.getLogger(__name__)
WINDOW = timedelta(hours=1)  # changes older than this when first seen are not announced
LOOKBACK = timedelta(days=8)  # how far back a catch-up looks for the current state's start
EDGE = timedelta(seconds=1)
DM, POST, GROUP = "oncall.handoff.dm", "oncall.handoff.post", "oncall.group"


@dataclass
class HandoffTick:
    """What one tick recorded."""

    announced: list[int] = field(default_factory=list)
    quiet: list[int] = field(default_factory=list)
    conflicts: int = 0
    failed: list[str] = field(default_factory=list)  # schedules to try again next tick
    # The schedules whose shifts it looked at (the others had nothing due): not compared,
    # since two ticks that recorded the same are the same whatever they looked at.
    looked_at: list[str] = field(default_factory=list, compare=False)


class HandoffService:
    """Finds handoffs, records each once, and tells people through the outbox."""

    def __init__(
        self,
        oncall: OncallService,
        incidents: IncidentService,
        notices: HandoffNotices,
        *,
        outbox: Outbox,
        room_surface: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.oncall = oncall
        self.engine: Engine = oncall.engine
        self.incidents = incidents
        self.notices = notices
        self.outbox = outbox
        self.room_surface = room_surface
        self.clock = clock

    def register(self) -> None:
        """Carry out the DMs, posts and user group updates from the outbox."""
        self.outbox.handle(DM, self.send_dm, on_give_up=_given_up)
        self.outbox.handle(POST, self.send_post, on_give_up=_given_up)
        self.outbox.handle(GROUP, self.update_group, coalesce=_latest, on_give_up=_given_up)

    # -- finding and recording --------------------------------------------------------------

    async def tick(self) -> HandoffTick:
        """Record the handoffs of the last hour not recorded yet, in every schedule."""
        report = HandoffTick()
        now = self.clock()
        # Every schedule is read in one transaction: a tick every few seconds must stay cheap.
        found, failed = await read(
            self.engine, lambda s: self._missing_everywhere(s, now, report.looked_at)
        )
        report.failed.extend(failed)
        for schedule, changes in found:
            try:
                await self._record_changes(schedule, changes, now, report)
            except Exception:
                log.exception("on-call handoffs of %s could not be recorded", schedule.name)
                report.failed.append(schedule.name)
        if report.announced or report.quiet:
            self.outbox.kick()
        return report

    def _missing_everywhere(
        self, session: Session, now: datetime, looked_at: list[str]
    ) -> tuple[list[tuple[ScheduleDef, list[tuple[Change, bool]]]], list[str]]:
        """The handoffs to record in each schedule with something due at `now`, and the
        schedules that could not be worked out."""
        names = self.oncall.names
        try:
            timelines = self.oncall.timelines_in(session, names, start=now - WINDOW, end=now)
        except Exception:
            timelines = {}  # each is tried alone below, so that one bad plan holds up only itself
        found, failed = [], []
        for name in names:
            try:
                timeline = timelines.get(name) or self._timeline(session, name, now)
                if self.oncall.plan_cache.is_quiet(name, timeline, now):
                    continue
                looked_at.append(name)
                changes, quiet_until = self._missing(session, name, timeline, now)
            except Exception:
                # One schedule that cannot be worked out must not hold up the others' handoffs;
                # it is tried again at the next tick.
                log.exception("on-call handoffs of schedule %s could not be worked out", name)
                failed.append(name)
                continue
            if changes:
                found.append((self.oncall.schedule(name), changes))
            elif quiet_until is not None:
                self.oncall.plan_cache.keep_quiet(name, timeline, now, quiet_until)
        return found, failed

    def _timeline(self, session: Session, name: str, now: datetime) -> Timeline:
        return self.oncall.timelines_in(session, [name], start=now - WINDOW, end=now)[name]

    async def _record_changes(
        self,
        schedule: ScheduleDef,
        changes: list[tuple[Change, bool]],
        now: datetime,
        report: HandoffTick,
    ) -> None:
        for change, announce in changes:

            def record(
                session: Session, change: Change = change, announce: bool = announce
            ) -> int | None:
                return self._record(session, schedule, change, announce, now)

            try:
                handoff_id = await run_in_transaction(self.engine, record)
            except Exception as error:
                if not is_write_conflict(error):
                    raise
                report.conflicts += 1  # another process recorded it first
                continue
            if handoff_id is not None:
                (report.announced if announce else report.quiet).append(handoff_id)

    def _missing(
        self, session: Session, name: str, timeline: Timeline, now: datetime
    ) -> tuple[list[tuple[Change, bool]], datetime | None]:
        """The changes of the last hour not recorded yet (to announce); with none in the hour,
        a catch-up when the record disagrees with who is on call now. With nothing to record,
        also until when nothing will be: the next change of hands, or the instant the hour's
        last change leaves the hour (when the record is compared with who is on call)."""
        start = now - WINDOW
        window = final_window(timeline, start - EDGE, now + EDGE)
        near = window.reaching(start - EDGE, now + EDGE)
        upcoming = next_change(window.shifts, now, window.end) or window.end
        changes = find_changes(near, start, now)
        if changes:
            recorded = queries.list_handoff_instants(session, schedule=name, after=start)
            missing = [(c, True) for c in changes if c.at not in recorded]
            return missing, None if missing else min(upcoming, changes[-1].at + WINDOW)
        latest = queries.get_latest_handoff(session, schedule=name)
        on_now = users_at(near, now)
        if (tuple(latest.incoming) if latest is not None else ()) == on_now:
            return [], upcoming
        catch_up = self._catch_up(session, name, latest, on_now, now)
        return ([catch_up] if catch_up is not None else []), None

    def _catch_up(
        self,
        session: Session,
        name: str,
        latest: OncallHandoff | None,
        on_now: tuple[str, ...],
        now: datetime,
    ) -> tuple[Change, bool] | None:
        """A handoff bringing the record in line with now: at the start of the current state,
        or when an override was last made after the latest record (one made late may start
        in the past, where no handoff was told), never before that record. A removal needs
        nothing here: a removed override holds until it was removed, so its end is a change
        in the shifts like any other."""
        plan = self.oncall.plan_in(session, name, start=now - LOOKBACK, end=now + EDGE)
        shifts = final_shifts(plan, now - LOOKBACK, now + EDGE)
        changes = find_changes(shifts, now - LOOKBACK, now)
        began = changes[-1].at if changes else now - LOOKBACK
        candidates = [began]
        if latest is not None and latest.at is not None:
            made = queries.latest_override_made(session, schedule=name, after=latest.at, until=now)
            candidates += [latest.at + EDGE] + ([made] if made else [])
        at = max(candidates)
        if at > now:
            return None  # the latest record is a moment old: look again next tick
        outgoing = tuple(latest.incoming) if latest is not None else ()
        return Change(at, outgoing, on_now), at > now - WINDOW

    def _record(
        self, session: Session, schedule: ScheduleDef, change: Change, announce: bool, now: datetime
    ) -> int | None:
        """One handoff row and its effects, in the caller's transaction; None when this
        instant was recorded meanwhile."""
        if change.at in queries.list_handoff_instants(
            session, schedule=schedule.name, after=change.at - EDGE
        ):
            return None
        row = queries.add_handoff(
            session,
            schedule=schedule.name,
            at=change.at,
            outgoing=change.outgoing,
            incoming=change.incoming,
            now=now,
        )
        assert row.id is not None
        add_effects(session, self._effects(schedule, row.id, change, announce, now))
        return row.id

    def _effects(
        self, schedule: ScheduleDef, handoff_id: int, change: Change, announce: bool, now: datetime
    ) -> list[dict[str, object]]:
        effects = []
        people_in = [u for u in change.incoming if is_person(u)]
        if announce:
            told = [(u, True) for u in people_in]
            told += [(u, False) for u in change.outgoing if is_person(u) and u not in people_in]
            for user, incoming in told:
                key = f"{DM}:{handoff_id}:{user}"
                payload = {"handoff_id": handoff_id, "user": user, "incoming": incoming}
                effects.append(new_effect(DM, key=key, stream=key, payload=payload, now=now))
            if schedule.handoff_channel:
                key = f"{POST}:{handoff_id}"
                payload = {"handoff_id": handoff_id, "channel": schedule.handoff_channel}
                effects.append(new_effect(POST, key=key, stream=key, payload=payload, now=now))
        if schedule.user_group and people_in:
            # Slack cannot empty a user group: with nobody on call it keeps its members.
            effects.append(
                new_effect(
                    GROUP,
                    key=f"{GROUP}:{handoff_id}",
                    stream=f"{GROUP}:{schedule.name}",
                    payload={"group": schedule.user_group, "users": people_in},
                    now=now,
                )
            )
        return effects

    # -- telling ----------------------------------------------------------------------------

    async def send_dm(self, payload: Payload, attempt: Attempt) -> None:
        """Tell the incoming or outgoing person."""
        view = await self.view(int(payload["handoff_id"]))
        incoming = bool(payload["incoming"])
        await self.notices.tell(
            view, str(payload["user"]), incoming=incoming, retry=attempt.is_retry
        )

    async def send_post(self, payload: Payload, attempt: Attempt) -> None:
        """Post in the schedule's handoff channel."""
        view = await self.view(int(payload["handoff_id"]))
        await self.notices.announce(view, str(payload["channel"]), retry=attempt.is_retry)

    async def update_group(self, payload: Payload, _attempt: Attempt) -> None:
        """Set the user group to who is on call now."""
        users = tuple(str(u) for u in payload["users"])
        await self.notices.set_group(str(payload["group"]), users)

    async def view(self, handoff_id: int) -> HandoffView:
        """A recorded handoff with what the incoming person should know."""
        row = await read(self.engine, lambda s: s.get(OncallHandoff, handoff_id))
        if row is None or row.at is None:
            raise Permanent("handoff_not_found")
        try:
            schedule = self.oncall.schedule(row.schedule)
        except UnknownSchedule:
            raise Permanent("unknown_schedule") from None
        at = row.at
        (now_on,) = await self.oncall.who(schedule.name, at=at)
        since = await read(self.engine, lambda s: read_since(s, schedule.name, at))
        fired, total = await read(self.engine, lambda s: read_fired(s, since, at))
        open_now, _commanders = await self.incidents.list_open()
        ids = [i.id for i in open_now if i.id is not None]
        rooms = await self.incidents.rooms(self.room_surface, ids)
        return HandoffView(
            handoff_id=handoff_id,
            schedule=schedule.name,
            timezone=schedule.timezone,
            at=at,
            outgoing=tuple(row.outgoing),
            incoming=tuple(row.incoming),
            until=now_on.until if now_on.shift else (now_on.next.start if now_on.next else None),
            next_person=now_on.next.user if now_on.next else None,
            since=since,
            open_incidents=tuple(
                HandedOverIncident(
                    number=i.number,
                    title=i.title,
                    severity=i.severity.value,
                    status=i.status.value,
                    private=i.private,
                    room=rooms.get(i.id or 0),
                )
                for i in open_now
            ),
            fired=tuple(fired),
            fired_total=total,
            user_group=schedule.user_group,
        )


def _latest(_first: Payload, later: Sequence[Payload]) -> Payload:
    """Group updates waiting together: only the newest membership matters."""
    return dict(later[-1])


async def _given_up(payload: Payload, error: str) -> None:
    log.warning("on-call handoff effect given up (%s): %s", error, payload)
