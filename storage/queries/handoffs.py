"""Queries about on-call handoffs and what a shift saw. Session first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.models import AlertGroup, Incident, OncallHandoff, OncallOverride


def list_handoff_instants(session: Session, *, schedule: str, after: datetime) -> set[datetime]:
    """The instants of a schedule's handoffs recorded after `after`."""
    query = select(OncallHandoff.at).where(
        OncallHandoff.schedule == schedule, col(OncallHandoff.at) > after
    )
    return {at for at in session.exec(query) if at is not None}


def get_latest_handoff(
    session: Session, *, schedule: str, before: datetime | None = None
) -> OncallHandoff | None:
    """A schedule's latest handoff (before `before`, when given)."""
    query = select(OncallHandoff).where(OncallHandoff.schedule == schedule)
    if before is not None:
        query = query.where(col(OncallHandoff.at) < before)
    return session.exec(query.order_by(col(OncallHandoff.at).desc()).limit(1)).first()


def add_handoff(
    session: Session,
    *,
    schedule: str,
    at: datetime,
    outgoing: Sequence[str],
    incoming: Sequence[str],
    now: datetime,
) -> OncallHandoff:
    """Record a handoff; the unique (schedule, at) refuses a second one for the same instant."""
    row = OncallHandoff(
        schedule=schedule,
        at=at,
        outgoing=list(outgoing),
        incoming=list(incoming),
        recorded_at=now,
    )
    session.add(row)
    session.flush()
    return row


def latest_override_made(
    session: Session, *, schedule: str, after: datetime, until: datetime
) -> datetime | None:
    """When an override of the schedule was last made within `(after, until]`."""
    made = col(OncallOverride.created_at)
    query = select(func.max(made)).where(
        OncallOverride.schedule == schedule, made > after, made <= until
    )
    return session.exec(query).one()


def list_groups_created(
    session: Session, *, start: datetime, end: datetime, limit: int
) -> tuple[list[AlertGroup], int]:
    """Alert groups opened in `[start, end)`, newest first (at most `limit`), and how many."""
    where = (col(AlertGroup.created_at) >= start, col(AlertGroup.created_at) < end)
    total = session.exec(select(func.count()).select_from(AlertGroup).where(*where)).one()
    query = select(AlertGroup).where(*where).order_by(col(AlertGroup.created_at).desc())
    return list(session.exec(query.limit(limit))), int(total)


def list_incidents_declared(
    session: Session, *, start: datetime, end: datetime, limit: int
) -> tuple[list[Incident], int]:
    """Incidents declared in `[start, end)`, newest first (at most `limit`), and how many."""
    where = (col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
    total = session.exec(select(func.count()).select_from(Incident).where(*where)).one()
    query = select(Incident).where(*where).order_by(col(Incident.declared_at).desc())
    return list(session.exec(query.limit(limit))), int(total)
