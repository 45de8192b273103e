"""What insights read for one or more periods, in four grouped statements whatever their
size: the incidents (`read_incidents`, with their first escalation and first page sent), the
people paged, and the follow-ups (status update marks and action items). A period compared by
its headlines only (a trend's period before) needs no pages or action items: only its
incidents and their update marks are read. The follow-ups, whose update-marks window is the
longest statement and nearly all of it the database's work, are read meanwhile on a connection
of their own (`SIDE_READS`). PostgreSQL reads in READ COMMITTED, where each statement sees what was
committed when it began: a statement on another connection sees no less consistent a state
than the next one on this connection would.
"""

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.insights.definitions import Period
from bot.insights.rules.durations import IncidentMarks
from bot.insights.rules.pager import Page
from bot.insights.rules.tally import Followups, PeriodRows
from storage.database import unit_of_work
from storage.queries import insights as queries

Ranges = list[tuple[datetime, datetime]]
T = TypeVar("T")
SIDE_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="insights-side-read")


def read_incidents(
    session: Session,
    periods: Sequence[Period],
    *,
    titles: bool = False,
    search: str = "",
    newest_first: bool = False,
) -> list[IncidentMarks]:
    """The incidents starting in any of `periods`, as figures read them (with `titles`, their
    titles and statuses too; `search` and `newest_first` as `list_incident_marks` has them)."""
    ranges = _ranges(periods)
    services: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    found = []
    untitled = () if titles else ("", "")
    rows = queries.list_incident_marks(
        session, ranges=ranges, titles=titles, search=search, newest_first=newest_first
    )
    for row in rows:
        text = row[4] or "[]"
        named = services.get(text)
        if named is None:  # each distinct JSON list decoded once
            listed = tuple(json.loads(text))
            named = services[text] = (listed, tuple(dict.fromkeys(listed)))
        found.append(IncidentMarks._make((*row[:4], *named, bool(row[5]), *row[6:], *untitled)))
    return found


def _ranges(periods: Sequence[Period]) -> Ranges:
    return [(period.start, period.end) for period in periods]


def read_followups(
    session: Session, ranges: Ranges, today: date, *, actions: Ranges
) -> dict[int, Followups]:
    """Per incident of `ranges`: its status updates on time and missed, and (for the incidents
    of `actions`, some or all of `ranges`) its action items."""
    marks = {
        incident_id: (int(on_time or 0), int(missed or 0))
        for incident_id, on_time, missed in queries.count_update_marks(session, ranges=ranges)
    }
    followups: dict[int, Followups] = {}
    for incident_id, opened, overdue, done in queries.count_action_items(
        session, ranges=actions, today=today
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


def read_pages(session: Session, ranges: Ranges) -> dict[int, list[Page]]:
    """The people paged for each incident of `ranges`."""
    pages: dict[int, list[Page]] = {}
    for incident_id, target, sent in queries.list_pages(session, ranges=ranges):
        pages.setdefault(incident_id, []).append(Page(target, sent))
    return pages


@dataclass(frozen=True)
class Details:
    """The follow-ups of some periods being read on a connection of their own, and the ranges
    of the periods shown whole, whose pages are read beside the incidents."""

    followups: "Future[dict[int, Followups]]"
    whole: Ranges

    def rows(self, session: Session, incidents: list[IncidentMarks]) -> PeriodRows:
        """`incidents` with their pages (read now) and follow-ups (once read)."""
        pages = read_pages(session, self.whole)
        return PeriodRows(incidents, self.followups.result(), pages)


def start_details(
    session: Session, periods: Sequence[Period], today: date, *, compared: Sequence[Period] = ()
) -> Details:
    """Start reading aside the follow-ups of `periods` (shown whole) and the status update
    marks of `compared` (shown by their headlines): the caller reads the incidents meanwhile,
    then asks for `rows`. (Reading the pages aside as well gained nothing: their rows are
    turned into pages in Python, which waits for the interpreter's lock.)"""
    whole, marked = _ranges(periods), _ranges([*compared, *periods])
    return Details(
        aside(session, lambda own: read_followups(own, marked, today, actions=whole)), whole
    )


def read_periods(
    session: Session, periods: Sequence[Period], today: date, *, compared: Sequence[Period] = ()
) -> PeriodRows:
    """What the rules need to tally `periods` and the headlines of `compared`, in four grouped
    statements (the follow-ups read aside while the incidents and pages are read here)."""
    details = start_details(session, periods, today, compared=compared)
    return details.rows(session, read_incidents(session, [*compared, *periods]))
