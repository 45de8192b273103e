"""Small named queries. Each takes the session first and keyword arguments after."""

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, or_, update
from sqlmodel import Session, col, select

from storage.enums import ReminderKind, Role, Status
from storage.models import (
    ActionItem,
    Counter,
    Incident,
    IncidentRole,
    Reminder,
    SideEffectFailure,
    StatusUpdate,
    TimelineEvent,
)

OPEN = (Status.TRIAGE, Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED)


def get_incident(session: Session, *, incident_id: int) -> Incident | None:
    """The incident with this id."""
    return session.get(Incident, incident_id)


def get_incident_by_key(session: Session, *, key: str) -> Incident | None:
    """The incident created with this idempotency key."""
    return session.exec(select(Incident).where(Incident.idempotency_key == key)).first()


def get_incident_by_number(session: Session, *, number: int) -> Incident | None:
    """The incident with this human number."""
    return session.exec(select(Incident).where(Incident.number == number)).first()


def take_incident_number(session: Session) -> int:
    """The next incident number, taken atomically: concurrent declarations never share one.

    The counter row is locked until the transaction ends, so a rolled-back declaration
    gives its number back.
    """
    statement = (
        update(Counter)
        .where(col(Counter.name) == "incident")
        .values(value=Counter.value + 1)
        .returning(col(Counter.value))
    )
    taken = session.execute(statement).scalar_one_or_none()
    if taken is not None:
        return int(taken)
    # No counter row (a database restored without it): start after the highest number.
    highest = int(session.exec(select(func.max(Incident.number))).one() or 0)
    session.add(Counter(name="incident", value=highest + 1))
    session.flush()
    return highest + 1


def list_open_incidents(session: Session) -> Sequence[Incident]:
    """Open incidents, worst severity first, then oldest first."""
    query = (
        select(Incident)
        .where(col(Incident.status).in_([s.value for s in OPEN]))
        .order_by(col(Incident.severity), col(Incident.number))
    )
    return session.exec(query).all()


def list_roles(session: Session, *, incident_id: int) -> Sequence[IncidentRole]:
    """Everyone holding a role in the incident, in the order they got it."""
    query = (
        select(IncidentRole)
        .where(IncidentRole.incident_id == incident_id)
        .order_by(col(IncidentRole.id))
    )
    return session.exec(query).all()


def map_commanders(session: Session, *, incident_ids: Sequence[int]) -> dict[int, str]:
    """Incident id → its commander's user id, for the incidents given."""
    query = select(IncidentRole).where(
        col(IncidentRole.incident_id).in_(list(incident_ids)), IncidentRole.role == Role.COMMANDER
    )
    return {row.incident_id: row.user_id for row in session.exec(query)}


def get_role_holder(session: Session, *, incident_id: int, role: Role) -> IncidentRole | None:
    """The person holding a single-person role."""
    query = select(IncidentRole).where(
        IncidentRole.incident_id == incident_id, IncidentRole.role == role
    )
    return session.exec(query).first()


def get_latest_update(session: Session, *, incident_id: int) -> StatusUpdate | None:
    """The most recent status update."""
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident_id)
        .order_by(col(StatusUpdate.id).desc())
    )
    return session.exec(query).first()


def list_timeline(session: Session, *, incident_id: int) -> Sequence[TimelineEvent]:
    """The incident's timeline in time order."""
    query = (
        select(TimelineEvent)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(col(TimelineEvent.occurred_at), col(TimelineEvent.id))
    )
    return session.exec(query).all()


def has_timeline_source(session: Session, *, incident_id: int, source_ts: str) -> bool:
    """Whether a Slack message already joined this incident's timeline."""
    query = select(TimelineEvent.id).where(
        TimelineEvent.incident_id == incident_id, TimelineEvent.source_ts == source_ts
    )
    return session.exec(query).first() is not None


def list_due_incidents(session: Session, *, now: datetime, limit: int) -> Sequence[Incident]:
    """Open incidents with a reminder due, locked for this transaction where the database can.

    On PostgreSQL the rows are locked and rows another process holds are skipped, so several
    schedulers share the work; SQLite has one writer at a time, and the reminder's unique key
    turns a second claim of the same due time into a rolled-back transaction.
    """
    due = or_(
        col(Incident.update_reminder_at) <= now,
        col(Incident.ack_due_at) <= now,
        col(Incident.commander_reminder_at) <= now,
    )
    query = (
        select(Incident)
        .where(col(Incident.status).in_([s.value for s in OPEN]), due)
        .order_by(col(Incident.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return session.exec(query).all()


def list_action_items(session: Session, *, incident_id: int) -> Sequence[ActionItem]:
    """An incident's action items in the order they were added."""
    query = (
        select(ActionItem).where(ActionItem.incident_id == incident_id).order_by(col(ActionItem.id))
    )
    return session.exec(query).all()


def list_open_action_items(session: Session, *, limit: int = 500) -> Sequence[ActionItem]:
    """Action items not yet done, across incidents, soonest due first."""
    query = (
        select(ActionItem)
        .where(col(ActionItem.done_at).is_(None))
        .order_by(col(ActionItem.due_on), col(ActionItem.id))
        .limit(limit)
    )
    return session.exec(query).all()


def get_incidents(session: Session, *, incident_ids: Sequence[int]) -> dict[int, Incident]:
    """Incidents by id."""
    query = select(Incident).where(col(Incident.id).in_(list(incident_ids)))
    return {i.id: i for i in session.exec(query) if i.id is not None}


def list_status_updates(session: Session, *, incident_id: int) -> Sequence[StatusUpdate]:
    """An incident's status updates, oldest first."""
    query = (
        select(StatusUpdate)
        .where(StatusUpdate.incident_id == incident_id)
        .order_by(col(StatusUpdate.id))
    )
    return session.exec(query).all()


def list_overdue_action_items(
    session: Session, *, today: date, day_start: datetime, limit: int
) -> Sequence[ActionItem]:
    """Open, owned action items past their due date with no reminder yet today."""
    reminded_today = (
        select(Reminder.id)
        .where(
            # Matching on the incident too lets the reminder's unique index answer this.
            Reminder.incident_id == ActionItem.incident_id,
            Reminder.kind == ReminderKind.ACTION_OVERDUE,
            Reminder.subject_id == ActionItem.id,
            Reminder.due_at == day_start,
        )
        .exists()
    )
    query = (
        select(ActionItem)
        .where(
            col(ActionItem.done_at).is_(None),
            col(ActionItem.owner).is_not(None),
            col(ActionItem.due_on) < today,
            ~reminded_today,
        )
        .order_by(col(ActionItem.id))
        .limit(limit)
    )
    return session.exec(query).all()


def list_due_reviews(session: Session, *, now: datetime, limit: int) -> Sequence[Incident]:
    """Closed incidents whose review is due, not yet reviewed nor reminded."""
    reminded = (
        select(Reminder.id)
        .where(Reminder.kind == ReminderKind.REVIEW_DUE, Reminder.incident_id == Incident.id)
        .exists()
    )
    query = (
        select(Incident)
        .where(
            Incident.status == Status.CLOSED,
            col(Incident.reviewed_at).is_(None),
            col(Incident.review_due_at) <= now,
            ~reminded,
        )
        .order_by(col(Incident.id))
        .limit(limit)
    )
    return session.exec(query).all()


def insert_reminders(session: Session, *, rows: list[dict[str, Any]]) -> list[int]:
    """Insert reminder rows in one statement; their ids in order."""
    if not rows:
        return []
    return list(session.scalars(insert(Reminder).returning(col(Reminder.id)), rows))


def insert_timeline_events(session: Session, *, rows: list[dict[str, Any]]) -> None:
    """Insert timeline rows in one statement."""
    if rows:
        session.execute(insert(TimelineEvent), rows)


def lock_incident(session: Session, *, incident_id: int) -> Incident | None:
    """The incident, locked until the transaction ends (PostgreSQL); one writer at a time.

    SQLite takes its one write lock when a write transaction begins (BEGIN IMMEDIATE), so
    there the transaction itself is the lock.
    """
    query = select(Incident).where(Incident.id == incident_id).with_for_update()
    return session.exec(query).first()


def list_failures(session: Session, *, incident_id: int) -> Sequence[SideEffectFailure]:
    """Steps that failed for good for this incident, oldest first."""
    query = select(SideEffectFailure).where(SideEffectFailure.incident_id == incident_id)
    return session.exec(query.order_by(col(SideEffectFailure.id))).all()
