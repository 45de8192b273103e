"""Rows a use case writes: the new incident, roles and timeline events."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.core.cadence import CadencePolicy, start_clocks
from bot.core.text import actor_mrkdwn
from bot.services.ports import StepFailure
from bot.services.requests import DeclareRequest
from storage import queries
from storage.enums import EventKind, Role
from storage.models import Incident, IncidentRole, TimelineEvent


@dataclass(frozen=True)
class Declared:
    """The outcome of a declaration; `created` is False when it was a repeat."""

    incident: Incident
    created: bool
    failures: tuple[StepFailure, ...] = ()


def insert_incident(
    session: Session,
    request: DeclareRequest,
    title: str,
    *,
    now: datetime,
    policy: CadencePolicy,
) -> Declared:
    """Insert the incident, its commander and its first timeline event (once per key)."""
    if request.idempotency_key:
        existing = queries.get_incident_by_key(session, key=request.idempotency_key)
        if existing is not None:
            return Declared(existing, created=False)
    incident = Incident(
        number=queries.take_incident_number(session),
        title=title,
        summary=request.summary.strip(),
        severity=request.severity,
        status=request.initial_status,
        services=list(request.services),
        private=request.private,
        declared_by=request.declared_by,
        idempotency_key=request.idempotency_key,
        detected_at=request.detected_at or now,
        declared_at=now,
    )
    commander = None if request.leaderless else request.commander or request.declared_by
    start_clocks(incident, policy, has_commander=commander is not None)
    session.add(incident)
    session.flush()
    if commander is not None:
        session.add(new_role(incident, Role.COMMANDER, commander, request.declared_by, now))
    who = actor_mrkdwn(request.declared_by)
    label = f"{request.severity.value.upper()} declared by {who}: {title}"
    session.add(new_event(incident, EventKind.DECLARED, label, request.declared_by, now))
    if commander is not None and commander != request.declared_by:
        text = f"<@{commander}> is incident commander"
        session.add(new_event(incident, EventKind.ROLE_ASSIGNED, text, request.declared_by, now))
    return Declared(incident, created=True)


def incident_id_of(incident: Incident) -> int:
    """The id of an incident that was flushed."""
    assert incident.id is not None, "incident not flushed"
    return incident.id


def new_role(incident: Incident, role: Role, user: str, by: str, now: datetime) -> IncidentRole:
    """A role row."""
    return IncidentRole(
        incident_id=incident_id_of(incident),
        role=role,
        user_id=user,
        assigned_by=by,
        assigned_at=now,
    )


def new_event(
    incident: Incident, kind: EventKind, text: str, actor: str | None, when: datetime
) -> TimelineEvent:
    """A timeline row."""
    return TimelineEvent(
        incident_id=incident_id_of(incident), kind=kind, text=text, actor=actor, occurred_at=when
    )
