"""Insights as a service: the figures of a period, its trend, the monthly report, the incidents
behind them. Each call reads with one statement per kind of row for all the periods it shows
(a trend's two, a report's months), in a read-only transaction off the event loop, where the
figures are worked out too. The follow-ups (status update marks, the longest statement and
nearly all of it the database's work, and action items) are read meanwhile on a connection
of their own (`SIDE_READS`). PostgreSQL reads in READ COMMITTED, where each
statement sees what was committed when it began: a statement on another connection sees no
less consistent a state than the next one on this connection would.

The zone the periods are cut in and the clock are given; hours on call come through a port
(`on_call_hours(start, end)`: hours per user id), filled from on-call by the wiring with
`oncall_hours_from(oncall_service)`.
"""

import inspect
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.insights.definitions import (
    Filters,
    IncidentFigures,
    Insights,
    MonthlyReport,
    Period,
    PeriodKind,
    Trend,
)
from bot.insights.rules.durations import (
    IncidentMarks,
    IncidentTimes,
    figures_of,
    figures_of_marks,
)
from bot.insights.rules.pager import Page
from bot.insights.rules.periods import (
    month_period,
    period_for,
    previous_period,
    zone_named,
)
from bot.insights.rules.tally import Followups, PeriodRows, in_period, keep, tally
from bot.kernel.transactions import read
from storage.database import unit_of_work
from storage.queries import insights as queries

HoursPort = Callable[[datetime, datetime], Mapping[str, float] | Awaitable[Mapping[str, float]]]
PEOPLE = ("U", "W")  # Slack user ids: groups and channels paged are not people
HISTORY_MONTHS = 6
Ranges = list[tuple[datetime, datetime]]
T = TypeVar("T")
SIDE_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="insights-side-read")
ALL = Filters()  # no filter: every incident


class InsightsService:
    """The figures every surface shows, from the database and the on-call port."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime],
        zone: str,
        on_call_hours: HoursPort | None = None,
    ) -> None:
        zone_named(zone)
        self.engine = engine
        self.clock = clock
        self.zone = zone
        self.on_call_hours = on_call_hours

    def period(self, kind: PeriodKind | str, *, now: datetime | None = None) -> Period:
        """The period `kind` (7d|30d|90d|quarter|year) up to `now`; InvalidInput when unknown."""
        return period_for(kind, now or self.clock(), self.zone)

    def month(self, year: int, month: int) -> Period:
        """Calendar month `year`-`month` in the team's zone."""
        return month_period(year, month, self.zone)

    def previous(self, period: Period) -> Period:
        """The period just before `period`, to compare with."""
        return previous_period(period)

    async def insights(self, period: Period, filters: Filters = ALL) -> Insights:
        """Every figure of `period` under `filters`."""
        hours = await self._hours(period)
        today = self._today()
        return await read(
            self.engine,
            lambda s: tally(period, filters, _with_hours(read_periods(s, [period], today), hours)),
        )

    async def trend(self, period: Period, filters: Filters = ALL) -> Trend:
        """`period`'s figures beside the previous period's (one read serving both)."""
        before = previous_period(period)
        hours, hours_before = await self._hours(period), await self._hours(before)
        today = self._today()

        def both(session: Session) -> Trend:
            rows = read_periods(session, [before, period], today)
            return Trend(
                current=tally(period, filters, _with_hours(rows, hours)),
                previous=tally(before, filters, _with_hours(rows, hours_before)),
            )

        return await read(self.engine, both)

    async def monthly_report(self, year: int, month: int) -> MonthlyReport:
        """Month `year`-`month`: its figures beside the previous month's, its incidents, and
        the six months up to it for the trend chart."""
        period = self.month(year, month)
        before = previous_period(period)
        first = period
        for _ in range(HISTORY_MONTHS - 1):
            first = previous_period(first)
        history = Period(
            PeriodKind.MONTH, first.start, period.end, f"{first.label} to {period.label}", self.zone
        )
        hours, hours_before = await self._hours(period), await self._hours(before)
        today = self._today()

        def everything(session: Session) -> MonthlyReport:
            # The six months' incidents once; the rest only for the two months compared.
            details = start_details(session, [before, period], today)
            incidents = read_incidents(session, [history], titles=True)
            both = details.rows(session, incidents)
            listed = sorted(in_period(incidents, period), key=lambda r: (r.start, r.number))
            return MonthlyReport(
                month=period.start.astimezone(zone_named(self.zone)).date(),
                trend=Trend(
                    tally(period, Filters(), _with_hours(both, hours)),
                    tally(before, Filters(), _with_hours(both, hours_before)),
                ),
                rows=tuple(
                    figures_of_marks(row, both.first_sent.get(row.id))
                    for row in listed
                    if not row.drill
                ),
                # The history's first pages are its escalations only (no sends read for it).
                history=tally(history, Filters(), PeriodRows(incidents)),
            )

        return await read(self.engine, everything)

    async def incidents(
        self,
        period: Period,
        filters: Filters = ALL,
        *,
        search: str = "",
        limit: int = 100,
        offset: int = 0,
        drills: bool = True,
    ) -> list[IncidentFigures]:
        """The period's incidents kept by `filters` and matching `search` (title words or a
        number), newest impact start first; drills included and marked unless `drills` is
        False."""

        def find(session: Session) -> list[IncidentTimes]:
            rows = queries.list_incident_times(
                session, start=period.start, end=period.end, search=search, newest_first=True
            )
            return [times_of(row) for row in rows]

        rows = [r for r in await read(self.engine, find) if keep(r, filters)]
        if not drills:
            rows = [r for r in rows if not r.drill]
        return [figures_of(row) for row in rows[offset : offset + limit]]

    async def services(self) -> list[str]:
        """Every service incidents named (the filter's choices), sorted."""
        return await read(self.engine, queries.list_service_names)

    async def _hours(self, period: Period) -> Mapping[str, float]:
        if self.on_call_hours is None:
            return {}
        found = self.on_call_hours(period.start, period.end)
        if inspect.isawaitable(found):
            found = await found
        return dict(found)

    def _today(self) -> date:
        return self.clock().astimezone(zone_named(self.zone)).date()


def _with_hours(rows: PeriodRows, hours: Mapping[str, float]) -> PeriodRows:
    return PeriodRows(rows.incidents, rows.followups, rows.pages, hours, rows.first_sent)


def times_of(row: Any) -> IncidentTimes:
    """An incident row of `list_incident_times` as the rules read it."""
    return IncidentTimes(
        id=row[0],
        number=row[1],
        title=row[2],
        severity=row[3],
        status=row[4],
        source=row[5],
        services=tuple(row[6] or ()),
        drill=bool(row[7]),
        detected_at=row[8],
        declared_at=row[9],
        acknowledged_at=row[10],
        identified_at=row[11],
        mitigated_at=row[12],
        resolved_at=row[13],
        closed_at=row[14],
        reviewed_at=row[15],
        ack_breached_at=row[16],
        paged_at=row[17],
    )


def read_incidents(
    session: Session, periods: Sequence[Period], *, titles: bool = False
) -> list[IncidentMarks]:
    """The incidents starting in any of `periods`, as figures read them."""
    ranges = [(period.start, period.end) for period in periods]
    services: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    found = []
    untitled = () if titles else ("", "")
    for row in queries.list_incident_marks(session, ranges=ranges, titles=titles):
        text = row[4] or "[]"
        named = services.get(text)
        if named is None:  # each distinct JSON list decoded once
            listed = tuple(json.loads(text))
            named = services[text] = (listed, tuple(dict.fromkeys(listed)))
        found.append(IncidentMarks._make((*row[:4], *named, bool(row[5]), *row[6:], *untitled)))
    return found


def _ranges(periods: Sequence[Period]) -> Ranges:
    return [(period.start, period.end) for period in periods]


def read_followups(session: Session, ranges: Ranges, today: date) -> dict[int, Followups]:
    """Per incident of `ranges`: its status updates on time and missed, and its action items."""
    marks = {
        incident_id: (int(on_time or 0), int(missed or 0))
        for incident_id, on_time, missed in queries.count_update_marks(session, ranges=ranges)
    }
    followups: dict[int, Followups] = {}
    for incident_id, opened, overdue, done in queries.count_action_items(
        session, ranges=ranges, today=today
    ):
        on_time, missed = marks.pop(incident_id, (0, 0))
        followups[incident_id] = Followups(
            on_time, missed, int(opened or 0), int(overdue or 0), int(done or 0)
        )
    for incident_id, (on_time, missed) in marks.items():
        followups[incident_id] = Followups(on_time, missed)
    return followups


def aside(session: Session, work: Callable[[Session], T]) -> "Future[T]":
    """`work` run on a connection of its own while `session`'s reads the rest (in line for an
    in-memory SQLite database, which has one connection)."""
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if engine.dialect.name == "sqlite" and engine.url.database in (None, "", ":memory:"):
        done: Future[T] = Future()
        done.set_result(work(session))
        return done

    def apart() -> T:
        with unit_of_work(engine) as own:
            return work(own)

    return SIDE_READS.submit(apart)


Pages = tuple[dict[int, list[Page]], dict[int, int]]


def read_pages(session: Session, ranges: Ranges) -> Pages:
    """The people paged for each incident of `ranges`, and each one's first page sent."""
    pages: dict[int, list[Page]] = {}
    first_sent: dict[int, int] = {}
    for incident_id, target, sent in queries.list_pages(session, ranges=ranges):
        known = first_sent.get(incident_id)
        if known is None or sent < known:
            first_sent[incident_id] = sent
        if str(target).startswith(PEOPLE):
            pages.setdefault(incident_id, []).append(Page(target, sent))
    return pages, first_sent


@dataclass(frozen=True)
class Details:
    """The follow-ups of some periods being read on a connection of their own, and the
    periods' ranges, whose pages are read beside the incidents."""

    followups: "Future[dict[int, Followups]]"
    ranges: Ranges

    def rows(self, session: Session, incidents: list[IncidentMarks]) -> PeriodRows:
        """`incidents` with their pages (read now) and follow-ups (once read)."""
        pages, first_sent = read_pages(session, self.ranges)
        return PeriodRows(incidents, self.followups.result(), pages, first_sent=first_sent)


def start_details(session: Session, periods: Sequence[Period], today: date) -> Details:
    """Start reading the follow-ups of `periods` aside: the caller reads the incidents
    meanwhile, then asks for `rows`. (Reading the pages aside as well gained nothing: their
    rows are turned into pages in Python, which waits for the interpreter's lock.)"""
    ranges = _ranges(periods)
    return Details(aside(session, lambda own: read_followups(own, ranges, today)), ranges)


def read_periods(session: Session, periods: Sequence[Period], today: date) -> PeriodRows:
    """Everything the rules need for `periods`, in four grouped statements (the follow-ups
    read aside while the incidents and pages are read here)."""
    details = start_details(session, periods, today)
    return details.rows(session, read_incidents(session, periods))


def oncall_hours_from(oncall: Any) -> Callable[[datetime, datetime], Awaitable[dict[str, float]]]:
    """The hours-on-call port from the on-call service: each person's hours over `[start,
    end)` across every schedule, time on call in two schedules at once counted once."""

    async def hours(start: datetime, end: datetime) -> dict[str, float]:
        spans: dict[str, list[tuple[datetime, datetime]]] = {}
        for name in oncall.names:
            for shift in await oncall.shifts(name, start, end):
                if shift.user:
                    lo, hi = max(shift.start, start), min(shift.end, end)
                    if lo < hi:
                        spans.setdefault(shift.user, []).append((lo, hi))
        return {user: _union(found) / timedelta(hours=1) for user, found in spans.items()}

    return hours


def _union(spans: list[tuple[datetime, datetime]]) -> timedelta:
    from bot.insights.rules.reliability import union_seconds

    return timedelta(seconds=union_seconds(spans))
