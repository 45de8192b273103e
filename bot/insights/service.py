"""Insights as a service: the figures of a period, its trend, the monthly report, the incidents
behind them. Each call reads what its periods need at once (`bot.insights.reads`: one
statement per kind of row for a trend's two periods or a report's months) in a read-only
transaction off the event loop, where the figures are worked out too.

The zone the periods are cut in and the clock are given; hours on call come through a port
(`on_call_hours(start, end)`: hours per user id), filled from on-call by the wiring with
`oncall_hours_from(oncall_service)`.
"""

import inspect
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

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
from bot.insights.reads import read_details, read_incidents, read_periods
from bot.insights.rules.durations import IncidentMarks, figures_of
from bot.insights.rules.periods import (
    month_period,
    period_for,
    previous_period,
    zone_named,
)
from bot.insights.rules.tally import PeriodRows, headlines, in_period, keep, tally
from bot.kernel.transactions import read
from storage.queries import insights as queries

HoursPort = Callable[[datetime, datetime], Mapping[str, float] | Awaitable[Mapping[str, float]]]
HISTORY_MONTHS = 6
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
        """`period`'s figures beside the previous period's headlines (one read serving both)."""
        before = previous_period(period)
        hours = await self._hours(period)
        today = self._today()

        def both(session: Session) -> Trend:
            rows = read_periods(session, [period], today, compared=[before])
            return Trend(
                current=tally(period, filters, _with_hours(rows, hours)),
                previous=headlines(before, filters, rows),
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
            pages, actions = read_details(session, [before, period], today)
            incidents = read_incidents(session, [history], titles=True)
            both = PeriodRows(incidents, actions, pages)
            listed = sorted(in_period(incidents, period), key=lambda r: (r.start, r.number))
            current = tally(period, Filters(), _with_hours(both, hours))
            previous = tally(before, Filters(), _with_hours(both, hours_before))
            return MonthlyReport(
                month=period.start.astimezone(zone_named(self.zone)).date(),
                trend=Trend(current, previous.headlines),
                previous=previous,
                rows=tuple(figures_of(row) for row in listed if not row.drill),
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

        def find(session: Session) -> list[IncidentMarks]:
            return read_incidents(session, [period], titles=True, search=search, newest_first=True)

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
    return PeriodRows(rows.incidents, rows.actions, rows.pages, hours)


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
