"""What insights read: the periods' incidents' timestamps, status update marks (kept on the
incident as its timeline is written) and, grouped per incident, their first escalation, first
page sent, action items and the people paged. Only the needed columns; every
aggregate is grouped in SQL so a read costs a handful of statements, whatever its size, and one
read serves several periods (`ranges`: a trend's two, a report's months).

Figures read timestamps as whole microseconds since 1970 (UTC) worked out by the database
(`EpochMicros`): turning tens of thousands of stored values into datetimes one by one cost more
than the figures themselves, and integer microseconds subtract exactly as datetimes do.

An incident belongs to a period by its impact start: detected_at, else declared_at.
"""

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    Text,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import Session, col

from storage.models import ActionItem, Escalation, Incident, Notification

IMPACT_START = func.coalesce(col(Incident.detected_at), col(Incident.declared_at))
Ranges = Sequence[tuple[datetime, datetime]]
PEOPLE = ("U", "W")  # Slack user ids begin so; groups and channels paged are not people
_PAGE_SENT = (
    col(Notification.purpose) == "page",
    col(Notification.state) == "sent",
    col(Notification.sent_at).is_not(None),
)


class EpochMicros(FunctionElement[int]):
    """A timestamp column as whole microseconds since 1970-01-01 UTC (NULL stays NULL)."""

    type = BigInteger()
    name = "epoch_micros"
    inherit_cache = True


@compiles(EpochMicros, "postgresql")
def _epoch_micros_postgresql(element: EpochMicros, compiler: SQLCompiler, **kw: Any) -> str:
    # date_part gives the epoch as a double (us / 10**6, within 0.12 us until 2038 and 0.24 us
    # until 2106); times 10**6 (within 0.125 us more) and rounded, it is the exact integer.
    # EXTRACT is exact too but numeric: ten columns of it cost a year's read ~25 ms more.
    value = compiler.process(element.clauses, **kw)
    return f"CAST(ROUND(date_part('epoch', {value}) * 1000000) AS BIGINT)"


@compiles(EpochMicros, "sqlite")
def _epoch_micros_sqlite(element: EpochMicros, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite holds 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds from strftime given the
    # text up to the point (given the fraction it rounds to milliseconds first, a second too
    # many from .9995 on), and the microseconds from the text after the point (padded: a
    # value written without them).
    value = compiler.process(element.clauses, **kw)
    return (
        f"(CAST(strftime('%s', substr({value}, 1, 19)) AS INTEGER) * 1000000"
        f" + CAST(substr({value} || '000000', 21, 6) AS INTEGER))"
    )


def _in_period(start: datetime, end: datetime) -> Any:
    # The same as start <= IMPACT_START < end, spelt on the columns themselves: PostgreSQL
    # has statistics for those (none for the coalesce), so it plans for thousands of rows
    # rather than fifty (hash joins and aggregates rather than loops and sorts).
    detected, declared = col(Incident.detected_at), col(Incident.declared_at)
    return or_(
        and_(detected.is_not(None), start <= detected, detected < end),
        and_(detected.is_(None), start <= declared, declared < end),
    )


def _in_ranges(ranges: Ranges) -> Any:
    return or_(*(_in_period(start, end) for start, end in ranges))


def _range_ids(ranges: Ranges) -> Select[Any]:
    return select(col(Incident.id)).where(_in_ranges(ranges))


def _micros(column: Any) -> ColumnElement[int]:
    return EpochMicros(column)


def list_incident_marks(
    session: Session,
    *,
    ranges: Ranges,
    titles: bool = False,
    search: str = "",
    newest_first: bool = False,
) -> Sequence[tuple[Any, ...]]:
    """The incidents starting in any of `ranges` (drills included), as plain values: id,
    number, severity, source, services (JSON text), drill, then in microseconds the impact
    start, declared, acknowledged, identified, mitigated, resolved, closed and reviewed times,
    the first escalation that paged a level and the first page sent (None: none), whether the
    acknowledge target was breached, and its status updates on time and reminders sent; with
    `titles`, the title and the status after those.

    `search` keeps the incidents whose title holds it (or whose number it is: `42`, `INC-42`);
    `newest_first` orders them by impact start, newest first (else in no promised order)."""
    ids = _range_ids(ranges)
    escalated = (
        select(
            col(Escalation.incident_id).label("incident_id"),
            func.min(col(Escalation.created_at)).label("first"),
        )
        .where(col(Escalation.incident_id).in_(ids), col(Escalation.level) >= 0)
        .group_by(col(Escalation.incident_id))
        .subquery()
    )
    sent = (
        select(
            col(Notification.incident_id).label("incident_id"),
            func.min(col(Notification.sent_at)).label("first"),
        )
        .where(col(Notification.incident_id).in_(ids), *_PAGE_SENT)
        .group_by(col(Notification.incident_id))
        .subquery()
    )
    columns: list[Any] = [
        col(Incident.id),
        col(Incident.number),
        type_coerce(col(Incident.severity), String),
        type_coerce(col(Incident.source), String),
        cast(col(Incident.services), Text),
        col(Incident.drill),
        _micros(IMPACT_START),
        *(
            _micros(col(column))
            for column in (
                Incident.declared_at,
                Incident.acknowledged_at,
                Incident.identified_at,
                Incident.mitigated_at,
                Incident.resolved_at,
                Incident.closed_at,
                Incident.reviewed_at,
            )
        ),
        _micros(escalated.c.first),
        _micros(sent.c.first),
        col(Incident.ack_breached_at).is_not(None),
        col(Incident.updates_on_time),
        col(Incident.updates_missed),
    ]
    if titles:
        columns += [col(Incident.title), type_coerce(col(Incident.status), String)]
    query = (
        select(*columns)
        .outerjoin(escalated, escalated.c.incident_id == col(Incident.id))
        .outerjoin(sent, sent.c.incident_id == col(Incident.id))
        .where(_in_ranges(ranges))
    )
    if search.strip():
        words = search.strip()
        number = words.removeprefix("INC-").removeprefix("inc-")
        match = col(Incident.title).ilike(f"%{_escape_like(words)}%", escape="\\")
        query = query.where(
            or_(match, col(Incident.number) == int(number)) if number.isdigit() else match
        )
    if newest_first:
        query = query.order_by(IMPACT_START.desc(), col(Incident.number))
    return session.connection().execute(query).all()


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_action_items(
    session: Session, *, ranges: Ranges, today: date
) -> Sequence[tuple[Any, ...]]:
    """Per incident of the ranges: (incident_id, open, overdue, done) action items; overdue
    ones (open and due before `today`) are among the open ones."""
    is_open = col(ActionItem.done_at).is_(None)
    query = (
        select(
            col(ActionItem.incident_id),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((and_(is_open, col(ActionItem.due_on) < today), 1), else_=0)),
            func.sum(case((is_open, 0), else_=1)),
        )
        .where(col(ActionItem.incident_id).in_(_range_ids(ranges)))
        .group_by(col(ActionItem.incident_id))
    )
    return session.connection().execute(query).all()


def list_pages(session: Session, *, ranges: Ranges) -> Sequence[tuple[Any, ...]]:
    """The ranges' incidents' pages of people (Slack user ids; not groups or channels):
    (incident_id, target, first send in microseconds) per escalation, level, loop and target
    that at least one notification reached."""
    query = (
        select(
            col(Notification.incident_id),
            col(Notification.target),
            _micros(func.min(col(Notification.sent_at))),
        )
        .where(
            col(Notification.incident_id).in_(_range_ids(ranges)),
            *_PAGE_SENT,
            or_(*(col(Notification.target).startswith(prefix) for prefix in PEOPLE)),
        )
        .group_by(
            col(Notification.incident_id),
            col(Notification.escalation_id),
            col(Notification.level),
            col(Notification.loop),
            col(Notification.target),
        )
    )
    return session.connection().execute(query).all()


def list_service_names(session: Session, *, since: datetime | None = None) -> list[str]:
    """Every service named by an incident (since `since`), sorted."""
    # Distinct lists as JSON text: a handful of rows to decode instead of one per incident.
    query = select(cast(col(Incident.services), Text)).distinct()
    if since is not None:
        query = query.where(since <= IMPACT_START)
    return sorted({name for (text,) in session.execute(query) for name in json.loads(text or "[]")})
