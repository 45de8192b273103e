"""Where incidents are shown: the places surfaces keep. Session first, keyword arguments after."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_
from sqlmodel import Session, col, select

from storage.models import Incident, IncidentSurface, SideEffectFailure
from storage.queries.incidents import OPEN


def list_incidents_without_place(
    session: Session,
    *,
    surface: str,
    kind: str,
    steps: Sequence[str],
    declared_before: datetime,
    retry_before: datetime,
    max_failures: int,
) -> Sequence[Incident]:
    """Open incidents never shown as `kind` on `surface` (a channel never created), due
    another try.

    Not before `declared_before` (a declaration may still be creating it), not again until
    the last failure of one of `steps` is older than `retry_before`, and never after
    `max_failures` of them.
    """
    failures = (
        select(func.count(col(SideEffectFailure.id)))
        .where(
            SideEffectFailure.incident_id == Incident.id,
            col(SideEffectFailure.step).in_(list(steps)),
        )
        .scalar_subquery()
    )
    last_failure = (
        select(func.max(SideEffectFailure.occurred_at))
        .where(
            SideEffectFailure.incident_id == Incident.id,
            col(SideEffectFailure.step).in_(list(steps)),
        )
        .scalar_subquery()
    )
    shown = (
        select(IncidentSurface.id)
        .where(
            IncidentSurface.incident_id == Incident.id,
            IncidentSurface.surface == surface,
            IncidentSurface.kind == kind,
        )
        .exists()
    )
    query = (
        select(Incident)
        .where(
            ~shown,
            col(Incident.status).in_([s.value for s in OPEN]),
            col(Incident.declared_at) < declared_before,
            failures < max_failures,
            or_(last_failure.is_(None), last_failure < retry_before),
        )
        .order_by(col(Incident.id))
        .limit(20)
    )
    return session.exec(query).all()


def list_places(session: Session, *, incident_id: int) -> Sequence[IncidentSurface]:
    """Where the incident is shown, on every surface."""
    query = select(IncidentSurface).where(IncidentSurface.incident_id == incident_id)
    return session.exec(query.order_by(col(IncidentSurface.id))).all()


def get_incident_by_place(
    session: Session, *, surface: str, kind: str, channel_id: str
) -> Incident | None:
    """The incident shown as `kind` in this channel (its Slack channel, say)."""
    query = (
        select(Incident)
        .join(IncidentSurface, col(IncidentSurface.incident_id) == col(Incident.id))
        .where(
            IncidentSurface.surface == surface,
            IncidentSurface.kind == kind,
            IncidentSurface.channel_id == channel_id,
        )
    )
    return session.exec(query).first()


def save_place(
    session: Session,
    *,
    incident_id: int,
    surface: str,
    kind: str,
    channel_id: str,
    ts: str,
    data: dict[str, Any],
    now: datetime,
) -> None:
    """Create or replace where the incident is shown as `kind` on `surface`."""
    query = select(IncidentSurface).where(
        IncidentSurface.incident_id == incident_id,
        IncidentSurface.surface == surface,
        IncidentSurface.kind == kind,
    )
    row = session.exec(query).first()
    if row is None:
        row = IncidentSurface(incident_id=incident_id, surface=surface, kind=kind)
    row.channel_id, row.ts, row.data, row.updated_at = channel_id, ts, data, now
    session.add(row)


def delete_place(session: Session, *, incident_id: int, surface: str, kind: str) -> None:
    """Forget where the incident was shown as `kind` on `surface`."""
    session.execute(
        delete(IncidentSurface).where(
            col(IncidentSurface.incident_id) == incident_id,
            col(IncidentSurface.surface) == surface,
            col(IncidentSurface.kind) == kind,
        )
    )


def map_places(
    session: Session, *, incident_ids: Sequence[int], surface: str, kind: str
) -> dict[int, str]:
    """Incident id → the channel it is shown in as `kind` on `surface`."""
    if not incident_ids:
        return {}
    query = select(IncidentSurface).where(
        col(IncidentSurface.incident_id).in_(list(incident_ids)),
        IncidentSurface.surface == surface,
        IncidentSurface.kind == kind,
    )
    return {row.incident_id: row.channel_id for row in session.exec(query)}
