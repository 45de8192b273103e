"""What insights read for one or more periods, in three grouped statements whatever their
size: the incidents (`read_incidents`: their times, first escalation, first page sent and
status update marks), the people paged, and the action items. A period compared by its
headlines only (a trend's period before) needs no pages or action items: only its incidents
are read.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from bot.insights.definitions import Period
from bot.insights.rules.durations import IncidentMarks
from bot.insights.rules.pager import Page
from bot.insights.rules.tally import Actions, PeriodRows
from storage.queries import insights as queries

Ranges = list[tuple[datetime, datetime]]
Details = tuple[dict[int, list[Page]], dict[int, Actions]]


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


def read_actions(session: Session, ranges: Ranges, today: date) -> dict[int, Actions]:
    """Per incident of `ranges`: its action items open, overdue and done."""
    return {
        incident_id: Actions(int(opened or 0), int(overdue or 0), int(done or 0))
        for incident_id, opened, overdue, done in queries.count_action_items(
            session, ranges=ranges, today=today
        )
    }


def read_pages(session: Session, ranges: Ranges) -> dict[int, list[Page]]:
    """The people paged for each incident of `ranges`."""
    pages: dict[int, list[Page]] = {}
    for incident_id, target, sent in queries.list_pages(session, ranges=ranges):
        pages.setdefault(incident_id, []).append(Page(target, sent))
    return pages


def read_details(session: Session, periods: Sequence[Period], today: date) -> Details:
    """The pages and action items of `periods`' incidents (the periods shown whole)."""
    ranges = _ranges(periods)
    return read_pages(session, ranges), read_actions(session, ranges, today)


def read_periods(
    session: Session, periods: Sequence[Period], today: date, *, compared: Sequence[Period] = ()
) -> PeriodRows:
    """What the rules need to tally `periods` and the headlines of `compared`, in three
    grouped statements (`compared` adds its incidents to the first, and nothing else)."""
    pages, actions = read_details(session, periods, today)
    return PeriodRows(read_incidents(session, [*compared, *periods]), actions, pages)
