"""What insights read for one or more periods, in four grouped statements whatever their
size: the incidents (`read_incidents`), their pages, and their follow-ups (status update marks
and action items). The follow-ups, whose update-marks window is the longest statement and
nearly all of it the database's work, are read meanwhile on a connection of their own
(`SIDE_READS`). PostgreSQL reads in READ COMMITTED, where each statement sees what was
committed when it began: a statement on another connection sees no less consistent a state
than the next one on this connection would.
"""

import json
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.insights.definitions import Period
from bot.insights.rules.durations import IncidentMarks, IncidentTimes
from bot.insights.rules.pager import Page
from bot.insights.rules.tally import Followups, PeriodRows
from storage.database import unit_of_work
from storage.queries import insights as queries

PEOPLE = ("U", "W")  # Slack user ids: groups and channels paged are not people
Ranges = list[tuple[datetime, datetime]]
T = TypeVar("T")
SIDE_READS = ThreadPoolExecutor(max_workers=4, thread_name_prefix="insights-side-read")


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
    ranges = _ranges(periods)
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
