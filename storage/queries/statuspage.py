"""Status page queries: component states and their history, public incidents and updates,
scheduled maintenance. Session first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, text
from sqlalchemy import select as sql_select
from sqlmodel import Session, col, select

from storage.models import ComponentState, Maintenance, PublicIncident, PublicUpdate

RESOLVED = "resolved"
SCHEDULED, IN_PROGRESS, COMPLETED = "scheduled", "in_progress", "completed"
# Any number: status page writes wait for each other on it (PostgreSQL's advisory lock).
STATUS_PAGE_LOCK = 0x73746174  # "stat"


def lock_status_page(session: Session) -> None:
    """Make status page writes take turns until the transaction ends, so two of them never
    work out component states from the same stale read (SQLite's write transaction is the
    lock already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": STATUS_PAGE_LOCK})


# -- component states ---------------------------------------------------------------------------


def map_current_states(session: Session) -> dict[str, ComponentState]:
    """Each recorded component's newest state row: its state now and since when."""
    newest = select(func.max(ComponentState.id)).group_by(col(ComponentState.component))
    query = select(ComponentState).where(col(ComponentState.id).in_(newest.scalar_subquery()))
    return {row.component: row for row in session.exec(query)}


def map_first_seen(session: Session) -> dict[str, datetime]:
    """When each recorded component's history begins."""
    query = select(ComponentState.component, func.min(ComponentState.at)).group_by(
        col(ComponentState.component)
    )
    return {name: at for name, at in session.exec(query) if at is not None}


def map_states_at(
    session: Session, *, at: datetime, components: Sequence[str] | None = None
) -> dict[str, str]:
    """The state each component (of these) was in at `at` (those recorded before it)."""
    last = select(func.max(ComponentState.id)).where(col(ComponentState.at) <= at)
    if components is not None:
        last = last.where(col(ComponentState.component).in_(list(components)))
    last = last.group_by(col(ComponentState.component))
    query = select(ComponentState).where(col(ComponentState.id).in_(last.scalar_subquery()))
    return {row.component: row.status for row in session.exec(query)}


def list_state_changes(
    session: Session, *, after: datetime, components: Sequence[str] | None = None
) -> Sequence[tuple[str, datetime, str]]:
    """(component, at, status) of every change after `after` (of these components), oldest
    first per component."""
    query = select(ComponentState.component, ComponentState.at, ComponentState.status).where(
        col(ComponentState.at) > after
    )
    if components is not None:
        query = query.where(col(ComponentState.component).in_(list(components)))
    order = (col(ComponentState.component), col(ComponentState.at), col(ComponentState.id))
    rows = session.exec(query.order_by(*order))
    return [(name, at, status) for name, at, status in rows if at is not None]


def add_states(
    session: Session,
    *,
    states: dict[str, str],
    at: datetime,
    update_id: int | None = None,
    maintenance_id: int | None = None,
) -> None:
    """Record that these components entered these states at `at`."""
    for component, status in states.items():
        session.add(
            ComponentState(
                component=component,
                status=status,
                at=at,
                update_id=update_id,
                maintenance_id=maintenance_id,
            )
        )


# -- public incidents ---------------------------------------------------------------------------


def get_public_incident(session: Session, *, public_id: int) -> PublicIncident | None:
    """A public incident by its own id."""
    return session.get(PublicIncident, public_id)


def get_public_incident_for(session: Session, *, incident_id: int) -> PublicIncident | None:
    """The public incident of an internal incident, if it has one."""
    query = select(PublicIncident).where(PublicIncident.incident_id == incident_id)
    return session.exec(query).first()


def list_open_public_incidents(session: Session) -> Sequence[PublicIncident]:
    """Public incidents not resolved, newest first."""
    query = select(PublicIncident).where(PublicIncident.status != RESOLVED)
    return session.exec(query.order_by(col(PublicIncident.id).desc())).all()


def list_public_incidents(session: Session, *, offset: int, limit: int) -> Sequence[PublicIncident]:
    """Public incidents, newest first, a page at a time."""
    query = select(PublicIncident).order_by(col(PublicIncident.id).desc())
    return session.exec(query.offset(offset).limit(limit)).all()


def count_public_incidents(session: Session) -> int:
    """How many public incidents there are."""
    return int(session.exec(select(func.count()).select_from(PublicIncident)).one())


def list_updates(session: Session, *, public_ids: Sequence[int]) -> Sequence[PublicUpdate]:
    """The updates of these public incidents, newest first."""
    if not public_ids:
        return []
    query = select(PublicUpdate).where(col(PublicUpdate.public_incident_id).in_(public_ids))
    return session.exec(query.order_by(col(PublicUpdate.id).desc())).all()


def latest_update_for(session: Session, *, incident_id: int) -> PublicUpdate | None:
    """The newest update published for an internal incident."""
    query = (
        select(PublicUpdate)
        .join(PublicIncident, col(PublicIncident.id) == col(PublicUpdate.public_incident_id))
        .where(PublicIncident.incident_id == incident_id)
        .order_by(col(PublicUpdate.id).desc())
    )
    return session.exec(query.limit(1)).first()


# -- maintenance ----------------------------------------------------------------------------------


def list_maintenances(
    session: Session, *, statuses: Sequence[str], limit: int | None = None
) -> Sequence[Maintenance]:
    """Maintenance in these states, soonest first."""
    query = select(Maintenance).where(col(Maintenance.status).in_(list(statuses)))
    query = query.order_by(col(Maintenance.starts_at), col(Maintenance.id))
    return session.exec(query if limit is None else query.limit(limit)).all()


def list_recent_maintenances(session: Session, *, limit: int) -> Sequence[Maintenance]:
    """The newest maintenance, whatever its state, latest start first."""
    query = select(Maintenance).order_by(col(Maintenance.starts_at).desc(), col(Maintenance.id))
    return session.exec(query.limit(limit)).all()


def list_due_maintenances(session: Session, *, now: datetime) -> Sequence[Maintenance]:
    """Maintenance due to start (scheduled, start passed) or to end (in progress, end passed)."""
    due_to_start = and_(col(Maintenance.status) == SCHEDULED, col(Maintenance.starts_at) <= now)
    due_to_end = and_(col(Maintenance.status) == IN_PROGRESS, col(Maintenance.ends_at) <= now)
    query = select(Maintenance).where(or_(due_to_start, due_to_end))
    return session.exec(query.order_by(col(Maintenance.starts_at), col(Maintenance.id))).all()


# -- what changed ---------------------------------------------------------------------------------


def change_marker(session: Session) -> tuple[Any, ...]:
    """Numbers that change whenever anything the page shows does: the newest update (every
    change of a public incident comes with one), the newest state, and the newest maintenance
    and maintenance change."""
    query = sql_select(
        select(func.max(PublicUpdate.id)).scalar_subquery(),
        select(func.max(ComponentState.id)).scalar_subquery(),
        select(func.max(Maintenance.id)).scalar_subquery(),
        select(func.max(Maintenance.updated_at)).scalar_subquery(),
    )
    return tuple(session.execute(query).one())
