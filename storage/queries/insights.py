"""What insights read: the period's incidents' timestamps and, grouped per incident, their
first page, status update marks, action items and pages. Only the needed columns; every
aggregate is grouped in SQL so a period costs a handful of statements, whatever its size.

An incident belongs to a period by its impact start: detected_at, else declared_at.
"""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal_column, or_, select
from sqlalchemy.sql import Select
from sqlmodel import Session, col

from storage.enums import EventKind
from storage.models import ActionItem, Escalation, Incident, Notification, TimelineEvent

IMPACT_START = func.coalesce(col(Incident.detected_at), col(Incident.declared_at))
INCIDENT_COLUMNS = (
    col(Incident.id),
    col(Incident.number),
    col(Incident.title),
    col(Incident.severity),
    col(Incident.status),
    col(Incident.source),
    col(Incident.services),
    col(Incident.drill),
    col(Incident.detected_at),
    col(Incident.declared_at),
    col(Incident.acknowledged_at),
    col(Incident.identified_at),
    col(Incident.mitigated_at),
    col(Incident.resolved_at),
    col(Incident.closed_at),
    col(Incident.reviewed_at),
    col(Incident.ack_breached_at),
)


def _in_period(start: datetime, end: datetime) -> Any:
    return and_(start <= IMPACT_START, end > IMPACT_START)


def _period_ids(start: datetime, end: datetime) -> Select[Any]:
    return select(col(Incident.id)).where(_in_period(start, end))


def list_incident_times(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    search: str = "",
    newest_first: bool = False,
) -> Sequence[tuple[Any, ...]]:
    """The period's incidents (drills included): the INCIDENT_COLUMNS, then when its first
    escalation that paged a level began (None: none did). `list_pages` gives the sends."""
    escalated = (
        select(
            col(Escalation.incident_id).label("incident_id"),
            func.min(col(Escalation.created_at)).label("first"),
        )
        .where(col(Escalation.incident_id).in_(_period_ids(start, end)), col(Escalation.level) >= 0)
        .group_by(col(Escalation.incident_id))
        .subquery()
    )
    query = (
        select(*INCIDENT_COLUMNS, escalated.c.first)
        .outerjoin(escalated, escalated.c.incident_id == col(Incident.id))
        .where(_in_period(start, end))
    )
    if search.strip():
        words = search.strip()
        number = words.removeprefix("INC-").removeprefix("inc-")
        match = col(Incident.title).ilike(f"%{_escape_like(words)}%", escape="\\")
        query = query.where(
            or_(match, col(Incident.number) == int(number)) if number.isdigit() else match
        )
    order = IMPACT_START.desc() if newest_first else IMPACT_START
    return [tuple(row) for row in session.execute(query.order_by(order, col(Incident.number)))]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def count_update_marks(
    session: Session, *, start: datetime, end: datetime
) -> Sequence[tuple[Any, ...]]:
    """Per incident of the period: (incident_id, updates posted on time, reminders sent).

    An update is on time when no reminder came since the previous update (or the
    declaration); every reminder (`update_missed` event) is an update due and missed."""
    kinds = (EventKind.UPDATE.value, EventKind.UPDATE_MISSED.value)
    marks = (
        select(
            col(TimelineEvent.incident_id).label("incident_id"),
            col(TimelineEvent.kind).label("kind"),
            func.lag(col(TimelineEvent.kind))
            .over(
                partition_by=col(TimelineEvent.incident_id),
                order_by=(col(TimelineEvent.occurred_at), col(TimelineEvent.id)),
            )
            .label("before"),
        )
        .where(
            col(TimelineEvent.incident_id).in_(_period_ids(start, end)),
            col(TimelineEvent.kind).in_(kinds),
        )
        .subquery()
    )
    update: Any = literal_column(f"'{kinds[0]}'")
    missed: Any = literal_column(f"'{kinds[1]}'")
    on_time = case(
        (and_(marks.c.kind == update, or_(marks.c.before.is_(None), marks.c.before == update)), 1),
        else_=0,
    )
    query = select(
        marks.c.incident_id,
        func.sum(on_time),
        func.sum(case((marks.c.kind == missed, 1), else_=0)),
    ).group_by(marks.c.incident_id)
    return [tuple(row) for row in session.execute(query)]


def count_action_items(
    session: Session, *, start: datetime, end: datetime, today: date
) -> Sequence[tuple[Any, ...]]:
    """Per incident of the period: (incident_id, open, overdue, done) action items; overdue
    ones (open and due before `today`) are among the open ones."""
    is_open = col(ActionItem.done_at).is_(None)
    query = (
        select(
            col(ActionItem.incident_id),
            func.sum(case((is_open, 1), else_=0)),
            func.sum(case((and_(is_open, col(ActionItem.due_on) < today), 1), else_=0)),
            func.sum(case((is_open, 0), else_=1)),
        )
        .where(col(ActionItem.incident_id).in_(_period_ids(start, end)))
        .group_by(col(ActionItem.incident_id))
    )
    return [tuple(row) for row in session.execute(query)]


def list_pages(session: Session, *, start: datetime, end: datetime) -> Sequence[tuple[Any, ...]]:
    """The period's incidents' pages: (incident_id, target, first send) per escalation,
    level, loop and target that at least one notification reached."""
    query = (
        select(
            col(Notification.incident_id),
            col(Notification.target),
            func.min(col(Notification.sent_at)),
        )
        .where(
            col(Notification.incident_id).in_(_period_ids(start, end)),
            col(Notification.purpose) == "page",
            col(Notification.state) == "sent",
            col(Notification.sent_at).is_not(None),
        )
        .group_by(
            col(Notification.incident_id),
            col(Notification.escalation_id),
            col(Notification.level),
            col(Notification.loop),
            col(Notification.target),
        )
    )
    return [tuple(row) for row in session.execute(query)]


def list_service_names(session: Session, *, since: datetime | None = None) -> list[str]:
    """Every service named by an incident (since `since`), sorted."""
    query = select(col(Incident.services))
    if since is not None:
        query = query.where(since <= IMPACT_START)
    names = {name for (services,) in session.execute(query) for name in services or ()}
    return sorted(names)
