"""Rows the incident use cases write: a declared incident, roles and timeline events."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.incidents.rules.cadence import CadencePolicy, start_clocks
from bot.incidents.rules.roles import ROLE_NAMES, first_commander
from bot.kernel.text import actor_text, mention, mentions_of
from storage.enums import EventKind, IncidentSource, Role, Severity, Status
from storage.models import Incident, IncidentRole, TimelineEvent
from storage.queries import incidents as queries


@dataclass(frozen=True)
class DeclareRequest:
    """Everything needed to declare an incident, from a person or a tool."""

    title: str
    declared_by: str
    severity: Severity = Severity.SEV3
    summary: str = ""
    services: list[str] = field(default_factory=list)
    private: bool = False
    commander: str | None = None
    idempotency_key: str | None = None
    detected_at: datetime | None = None
    initial_status: Status = Status.INVESTIGATING
    leaderless: bool = False  # no commander yet (alert-born incidents): "who is leading?"
    source: IncidentSource = IncidentSource.MANUAL
    drill: bool = False  # a drill or a test: left out of insights' figures
    # Where to confirm the declaration; the adapter that asked reads it back.
    reply_to: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Declared:
    """The outcome of a declaration; `created` is False when it was a repeat."""

    incident: Incident
    created: bool


def insert_incident(
    session: Session, request: DeclareRequest, *, now: datetime, policy: CadencePolicy
) -> Declared:
    """Insert the incident, its commander and its first timeline events (once per key)."""
    if request.idempotency_key:
        existing = queries.get_incident_by_key(session, key=request.idempotency_key)
        if existing is not None:
            return Declared(existing, created=False)
    title = request.title.strip()
    incident = Incident(
        number=queries.take_incident_number(session),
        title=title,
        summary=request.summary.strip(),
        severity=request.severity,
        status=request.initial_status,
        services=list(request.services),
        private=request.private,
        declared_by=request.declared_by,
        source=request.source,
        drill=request.drill,
        idempotency_key=request.idempotency_key,
        detected_at=request.detected_at or now,
        declared_at=now,
    )
    commander = first_commander(
        request.declared_by, request.commander, leaderless=request.leaderless
    )
    start_clocks(incident, policy, has_commander=commander is not None)
    session.add(incident)
    session.flush()
    by = request.declared_by
    label = f"{request.severity.value.upper()} declared by {actor_text(by)}: {title}"
    session.add(new_event(incident, EventKind.DECLARED, label, by, now, mentions_of(by)))
    if commander is not None:
        session.add(new_role(incident, Role.COMMANDER, commander, by, now))
        if commander != by:
            text = f"{mention(commander)} is {ROLE_NAMES[Role.COMMANDER]}"
            session.add(new_event(incident, EventKind.ROLE_ASSIGNED, text, by, now, [commander]))
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
    incident: Incident,
    kind: EventKind,
    text: str,
    actor: str | None,
    when: datetime,
    mentions: Sequence[str] = (),
) -> TimelineEvent:
    """A timeline row: plain text, people in it as `@<id>` and listed in `mentions`."""
    return TimelineEvent(
        incident_id=incident_id_of(incident),
        kind=kind,
        text=text,
        mentions=list(dict.fromkeys(mentions)),
        actor=actor,
        occurred_at=when,
    )
