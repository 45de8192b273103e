"""Incident use cases: each writes one transaction, then publishes through the surfaces port."""

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core import cadence
from bot.core.cadence import CadencePolicy
from bot.core.errors import DomainError, IncidentNotFound, InvalidInput, NotAnIncidentChannel
from bot.core.lifecycle import STATUS_LABELS, is_open, transition
from bot.services.ports import IncidentSnapshot, IncidentSurfaces
from bot.services.publishing import BeforeSync, Publisher
from bot.services.records import (
    Declared,
    incident_id_of,
    insert_incident,
    new_event,
    new_role,
)
from bot.services.requests import DeclareRequest
from bot.services.transactions import run_in_transaction
from storage import queries
from storage.enums import EventKind, Role, Severity, Status
from storage.models import Incident, StatusUpdate

log = logging.getLogger(__name__)
T = TypeVar("T")
Clock = Callable[[], datetime]
SNOOZE_MINUTES = (15, 30, 60)
SINGLE_HOLDER = frozenset({Role.COMMANDER, Role.COMMS, Role.SCRIBE})
ROLE_NAMES = {
    Role.COMMANDER: "incident commander",
    Role.COMMS: "comms lead",
    Role.SCRIBE: "scribe",
    Role.RESPONDER: "a responder",
}


class IncidentService:
    """The incident lifecycle as use cases."""

    def __init__(
        self,
        engine: Engine,
        surfaces: IncidentSurfaces,
        *,
        clock: Clock,
        policy: CadencePolicy,
        review_due: timedelta = timedelta(days=7),
    ) -> None:
        self.engine = engine
        self.surfaces = surfaces
        self.clock = clock
        self.policy = policy
        self.review_due = review_due
        self.after_close: Callable[[int], Awaitable[object]] | None = None
        self.publisher = Publisher(engine, surfaces, clock=clock)

    async def _run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction on a worker thread."""
        return await run_in_transaction(self.engine, work)

    # -- reads -----------------------------------------------------------------------------

    async def incident_for_channel(self, channel_id: str) -> Incident:
        """The incident this channel belongs to, or a clear error."""
        incident = await self._run(
            lambda s: queries.get_incident_by_channel(s, channel_id=channel_id)
        )
        if incident is None:
            raise NotAnIncidentChannel()
        return incident

    async def find_by_channel(self, channel_id: str) -> Incident | None:
        """The incident this channel belongs to, if any."""
        return await self._run(lambda s: queries.get_incident_by_channel(s, channel_id=channel_id))

    async def list_open(self) -> tuple[Sequence[Incident], dict[int, str]]:
        """Open incidents, worst first, with each one's commander."""

        def work(session: Session) -> tuple[Sequence[Incident], dict[int, str]]:
            incidents = queries.list_open_incidents(session)
            ids = [i.id for i in incidents if i.id is not None]
            return incidents, queries.map_commanders(session, incident_ids=ids)

        return await self._run(work)

    async def snapshot(self, incident_id: int) -> IncidentSnapshot:
        """The incident with its roles and latest update."""
        return await self.publisher.snapshot(incident_id)

    # -- declare ---------------------------------------------------------------------------

    async def declare(self, request: DeclareRequest) -> Declared:
        """Declare an incident once per idempotency key, then open its channel."""
        title = request.title.strip()
        if not title:
            raise InvalidInput("Give the incident a title.", field="title")
        for attempt in range(5):
            try:
                declared = await self._run(
                    lambda s: insert_incident(
                        s, request, title, now=self.clock(), policy=self.policy
                    )
                )
                break
            except IntegrityError:
                # Two declarations raced for a number or an idempotency key: look again.
                if attempt == 4:
                    raise
        if declared.created:
            commander = request.commander or request.declared_by
            invite = list(dict.fromkeys([request.declared_by, commander]))
            if request.leaderless:
                invite = [request.declared_by]
            outcome = await self.publisher.publish(incident_id_of(declared.incident), invite=invite)
            for name, value in outcome.changes.items():
                setattr(declared.incident, name, value)
            return Declared(declared.incident, True, tuple(outcome.failures))
        return declared

    # -- changes ---------------------------------------------------------------------------

    async def acknowledge(self, incident_id: int, user: str) -> bool:
        """Record the first acknowledgement; later ones change nothing."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.acknowledged_at is not None:
                return False
            if not is_open(incident.status):
                raise DomainError("This incident is no longer open.")
            incident.acknowledged_at, incident.acknowledged_by = now, user
            incident.ack_due_at = None
            session.add(
                new_event(incident, EventKind.ACKNOWLEDGED, f"Acknowledged by <@{user}>", user, now)
            )
            if incident.status == Status.TRIAGE:
                self._move(session, incident, Status.INVESTIGATING, user, now)
            return True

        return await self.change(incident_id, work)

    async def set_severity(self, incident_id: int, user: str, severity: Severity) -> bool:
        """Change the severity."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; its severity can no longer change.")
            if incident.severity == severity:
                raise DomainError(f"The incident is already {severity.value.upper()}.")
            old, incident.severity = incident.severity, severity
            cadence.reschedule_updates(incident, self.policy)
            cadence.reschedule_ack_target(incident, self.policy)
            text = f"Severity {old.value.upper()} → {severity.value.upper()} by <@{user}>"
            session.add(new_event(incident, EventKind.SEVERITY_CHANGED, text, user, now))
            return True

        return await self.change(incident_id, work)

    async def set_status(self, incident_id: int, user: str, status: Status) -> bool:
        """Move the lifecycle as the transition table allows."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            self._move(session, incident, status, user, now)
            return True

        changed = await self.change(incident_id, work)
        if status == Status.CLOSED:
            await self._closed(incident_id)
        return changed

    async def resolve(
        self,
        incident_id: int,
        user: str,
        summary: str = "",
        *,
        root_cause: str = "",
        resolution: str = "",
    ) -> bool:
        """Resolve. A one-line summary is kept as the resolution; the form can give all three."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            self._move(session, incident, Status.RESOLVED, user, now, note=summary)
            if resolution or summary:
                incident.resolution = resolution or summary
            if resolution and summary:
                incident.summary = summary
            if root_cause:
                incident.root_cause = root_cause
            return True

        return await self.change(incident_id, work)

    async def close(self, incident_id: int, user: str) -> bool:
        """Close a resolved incident."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if is_open(incident.status):
                raise DomainError(
                    "Resolve the incident before closing it: `/incident resolve [summary]`."
                )
            self._move(session, incident, Status.CLOSED, user, now)
            return True

        changed = await self.change(incident_id, work)
        await self._closed(incident_id)
        return changed

    async def _closed(self, incident_id: int) -> None:
        """After closing: draft the postmortem (where a drafter is wired in)."""
        if self.after_close is not None:
            await self.after_close(incident_id)

    async def assign_role(self, incident_id: int, user: str, role: Role, target: str) -> bool:
        """Give `target` a role; commander, comms lead and scribe have one holder each."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; roles can no longer change.")
            holders = queries.list_roles(session, incident_id=incident_id_of(incident))
            if any(h.role == role and h.user_id == target for h in holders):
                raise DomainError(f"<@{target}> is already {ROLE_NAMES[role]}.")
            for holder in holders:
                if role in SINGLE_HOLDER and holder.role == role:
                    session.delete(holder)
            session.flush()
            session.add(new_role(incident, role, target, user, now))
            if role == Role.COMMANDER:
                incident.commander_reminder_at = None
            text = f"<@{target}> is now {ROLE_NAMES[role]} (set by <@{user}>)"
            session.add(new_event(incident, EventKind.ROLE_ASSIGNED, text, user, now))
            return True

        return await self.change(incident_id, work, invite=[target])

    async def snooze(self, incident_id: int, user: str, minutes: int) -> bool:
        """Hold the update reminder for a while; posting an update is still what resets it."""
        if minutes not in SNOOZE_MINUTES:
            raise InvalidInput(f"Snooze for {', '.join(map(str, SNOOZE_MINUTES))} minutes.")

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if not is_open(incident.status):
                raise DomainError("This incident is no longer open; there is nothing to snooze.")
            cadence.snooze(incident, until=now + timedelta(minutes=minutes))
            text = f"Update reminders snoozed for {minutes} min by <@{user}>"
            session.add(new_event(incident, EventKind.SNOOZED, text, user, now))
            return False  # the status block does not change

        await self.change(incident_id, work)
        return True

    async def post_update(
        self, incident_id: int, user: str, text: str, status: Status | None = None
    ) -> StatusUpdate:
        """Post a status update (optionally moving the status) and reset the update clock."""
        if not text.strip():
            raise InvalidInput("An update needs text.", field="update_text")
        holder: list[StatusUpdate] = []

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; post follow-ups in the channel.")
            if status is not None and status != incident.status:
                self._move(session, incident, status, user, now)
            update = StatusUpdate(
                incident_id=incident_id_of(incident),
                text=text.strip(),
                author=user,
                posted_at=now,
                status=incident.status,
                severity=incident.severity,
            )
            session.add(update)
            session.add(new_event(incident, EventKind.UPDATE, text.strip(), user, now))
            cadence.record_update(incident, self.policy, now=now)
            session.flush()
            holder.append(update)
            return True

        async def announce(snap: IncidentSnapshot) -> None:
            await self.publisher.announce_update(snap, holder[0])

        await self.change(incident_id, work, before_sync=announce)
        return holder[0]

    # -- plumbing --------------------------------------------------------------------------

    def _move(
        self,
        session: Session,
        incident: Incident,
        target: Status,
        user: str,
        now: datetime,
        *,
        note: str = "",
    ) -> None:
        previous = transition(incident, target, now=now)
        if target == Status.CLOSED and incident.review_due_at is None:
            incident.review_due_at = now + self.review_due
        if is_open(target) and not is_open(previous):
            cadence.reopen(incident, self.policy, now=now)
        else:
            cadence.reschedule_updates(incident, self.policy)
        kind = {Status.RESOLVED: EventKind.RESOLVED, Status.CLOSED: EventKind.CLOSED}.get(
            target, EventKind.STATUS_CHANGED
        )
        text = f"Status {STATUS_LABELS[previous]} → {STATUS_LABELS[target]} by <@{user}>"
        if note:
            text += f": {note}"
        session.add(new_event(incident, kind, text, user, now))

    async def change(
        self,
        incident_id: int,
        work: Callable[[Session, Incident, datetime], bool],
        *,
        invite: list[str] | None = None,
        before_sync: BeforeSync | None = None,
    ) -> bool:
        """Apply `work` to the incident in one transaction, then republish if it changed."""

        def in_tx(session: Session) -> bool:
            incident = queries.get_incident(session, incident_id=incident_id)
            if incident is None:
                raise IncidentNotFound("That incident no longer exists.")
            return work(session, incident, self.clock())

        changed = await self._run(in_tx)
        if changed or invite:
            await self.publisher.publish(incident_id, invite=invite, before_sync=before_sync)
        return changed
