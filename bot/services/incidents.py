"""Incident use cases: each writes one transaction, then publishes through the surfaces port."""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.errors import DomainError, IncidentNotFound, InvalidInput, NotAnIncidentChannel
from bot.core.lifecycle import STATUS_LABELS, is_open, transition
from bot.core.timing import slack_ts_to_datetime
from bot.services.ports import IncidentSnapshot, IncidentSurfaces, StepFailure, SurfaceResult
from bot.services.requests import DeclareRequest, PinnedMessage
from storage import queries
from storage.database import unit_of_work
from storage.enums import EventKind, Role, Severity, Status
from storage.models import Incident, IncidentRole, SideEffectFailure, StatusUpdate, TimelineEvent

log = logging.getLogger(__name__)
T = TypeVar("T")
Clock = Callable[[], datetime]
SINGLE_HOLDER = frozenset({Role.COMMANDER, Role.COMMS, Role.SCRIBE})
ROLE_NAMES = {
    Role.COMMANDER: "incident commander",
    Role.COMMS: "comms lead",
    Role.SCRIBE: "scribe",
    Role.RESPONDER: "a responder",
}


@dataclass(frozen=True)
class Declared:
    """The outcome of a declaration; `created` is False when it was a repeat."""

    incident: Incident
    created: bool
    failures: tuple[StepFailure, ...] = ()


class IncidentService:
    """The incident lifecycle as use cases."""

    def __init__(
        self,
        engine: Engine,
        surfaces: IncidentSurfaces,
        *,
        clock: Clock,
        update_interval: timedelta,
    ) -> None:
        self.engine = engine
        self.surfaces = surfaces
        self.clock = clock
        self.update_interval = update_interval
        self._locks: dict[int, asyncio.Lock] = {}

    async def _run(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction on a worker thread."""

        def in_transaction() -> T:
            with unit_of_work(self.engine) as session:
                return work(session)

        return await asyncio.to_thread(in_transaction)

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
        return await self._run(lambda s: self._snapshot(s, incident_id))

    # -- declare ---------------------------------------------------------------------------

    async def declare(self, request: DeclareRequest) -> Declared:
        """Declare an incident once per idempotency key, then open its channel."""
        title = request.title.strip()
        if not title:
            raise InvalidInput("Give the incident a title.", field="title")
        for attempt in range(5):
            try:
                declared = await self._run(lambda s: self._insert(s, request, title))
                break
            except IntegrityError:
                # Two declarations raced for a number or an idempotency key: look again.
                if attempt == 4:
                    raise
        if declared.created:
            commander = request.commander or request.declared_by
            invite = list(dict.fromkeys([request.declared_by, commander]))
            outcome = await self.publish(_id(declared.incident), invite=invite)
            for name, value in outcome.changes.items():
                setattr(declared.incident, name, value)
            return Declared(declared.incident, True, tuple(outcome.failures))
        return declared

    def _insert(self, session: Session, request: DeclareRequest, title: str) -> Declared:
        if request.idempotency_key:
            existing = queries.get_incident_by_key(session, key=request.idempotency_key)
            if existing is not None:
                return Declared(existing, created=False)
        now = self.clock()
        incident = Incident(
            number=queries.next_incident_number(session),
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
            next_update_due_at=now + self.update_interval,
        )
        session.add(incident)
        session.flush()
        commander = request.commander or request.declared_by
        session.add(_role(incident, Role.COMMANDER, commander, request.declared_by, now))
        label = f"{request.severity.value.upper()} declared by <@{request.declared_by}>: {title}"
        session.add(_event(incident, EventKind.DECLARED, label, request.declared_by, now))
        if commander != request.declared_by:
            text = f"<@{commander}> is incident commander"
            session.add(_event(incident, EventKind.ROLE_ASSIGNED, text, request.declared_by, now))
        return Declared(incident, created=True)

    # -- changes ---------------------------------------------------------------------------

    async def acknowledge(self, incident_id: int, user: str) -> bool:
        """Record the first acknowledgement; later ones change nothing."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.acknowledged_at is not None:
                return False
            if not is_open(incident.status):
                raise DomainError("This incident is no longer open.")
            incident.acknowledged_at, incident.acknowledged_by = now, user
            session.add(
                _event(incident, EventKind.ACKNOWLEDGED, f"Acknowledged by <@{user}>", user, now)
            )
            if incident.status == Status.TRIAGE:
                self._move(session, incident, Status.INVESTIGATING, user, now)
            return True

        return await self._change(incident_id, work)

    async def set_severity(self, incident_id: int, user: str, severity: Severity) -> bool:
        """Change the severity."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; its severity can no longer change.")
            if incident.severity == severity:
                raise DomainError(f"The incident is already {severity.value.upper()}.")
            old, incident.severity = incident.severity, severity
            text = f"Severity {old.value.upper()} → {severity.value.upper()} by <@{user}>"
            session.add(_event(incident, EventKind.SEVERITY_CHANGED, text, user, now))
            return True

        return await self._change(incident_id, work)

    async def set_status(self, incident_id: int, user: str, status: Status) -> bool:
        """Move the lifecycle as the transition table allows."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            self._move(session, incident, status, user, now)
            return True

        return await self._change(incident_id, work)

    async def resolve(self, incident_id: int, user: str, summary: str = "") -> bool:
        """Resolve, keeping the summary as the resolution."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            self._move(session, incident, Status.RESOLVED, user, now, note=summary)
            if summary:
                incident.resolution = summary
            return True

        return await self._change(incident_id, work)

    async def close(self, incident_id: int, user: str) -> bool:
        """Close a resolved incident."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if is_open(incident.status):
                raise DomainError(
                    "Resolve the incident before closing it: `/incident resolve [summary]`."
                )
            self._move(session, incident, Status.CLOSED, user, now)
            return True

        return await self._change(incident_id, work)

    async def assign_role(self, incident_id: int, user: str, role: Role, target: str) -> bool:
        """Give `target` a role; commander, comms lead and scribe have one holder each."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; roles can no longer change.")
            holders = queries.list_roles(session, incident_id=_id(incident))
            if any(h.role == role and h.user_id == target for h in holders):
                raise DomainError(f"<@{target}> is already {ROLE_NAMES[role]}.")
            for holder in holders:
                if role in SINGLE_HOLDER and holder.role == role:
                    session.delete(holder)
            session.flush()
            session.add(_role(incident, role, target, user, now))
            text = f"<@{target}> is now {ROLE_NAMES[role]} (set by <@{user}>)"
            session.add(_event(incident, EventKind.ROLE_ASSIGNED, text, user, now))
            return True

        return await self._change(incident_id, work, invite=[target])

    async def add_note(self, incident_id: int, user: str, text: str) -> bool:
        """Add a note to the timeline."""
        if not text.strip():
            raise InvalidInput("A note needs text.")

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            session.add(_event(incident, EventKind.NOTE, text.strip(), user, now))
            return False  # nothing on the status block changes

        await self._change(incident_id, work)
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
                incident_id=_id(incident),
                text=text.strip(),
                author=user,
                posted_at=now,
                status=incident.status,
                severity=incident.severity,
            )
            session.add(update)
            session.add(_event(incident, EventKind.UPDATE, text.strip(), user, now))
            incident.last_update_at = now
            if is_open(incident.status):
                incident.next_update_due_at = now + self.update_interval
            session.flush()
            holder.append(update)
            return True

        await self._change(incident_id, work, after=lambda snap: self._announce(snap, holder[0]))
        return holder[0]

    async def record_pinned(self, message: PinnedMessage) -> bool:
        """Add a pinned or :pushpin:-marked message to the timeline once, at its own time."""

        def work(session: Session) -> bool:
            incident = queries.get_incident_by_channel(session, channel_id=message.channel_id)
            if incident is None or message.ts == incident.status_ts:
                return False
            if queries.has_timeline_source(
                session, incident_id=_id(incident), source_ts=message.ts
            ):
                return False
            event = _event(
                incident,
                EventKind.PINNED,
                message.text,
                message.author,
                slack_ts_to_datetime(message.ts),
            )
            event.source_ts, event.permalink = message.ts, message.permalink
            session.add(event)
            return True

        try:
            return await self._run(work)
        except IntegrityError:
            return False  # the same message arrived twice at once; the first one won

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
        if not is_open(target):
            incident.next_update_due_at = None
        elif not is_open(previous):
            incident.next_update_due_at = now + self.update_interval
        kind = {Status.RESOLVED: EventKind.RESOLVED, Status.CLOSED: EventKind.CLOSED}.get(
            target, EventKind.STATUS_CHANGED
        )
        text = f"Status {STATUS_LABELS[previous]} → {STATUS_LABELS[target]} by <@{user}>"
        if note:
            text += f": {note}"
        session.add(_event(incident, kind, text, user, now))

    async def _change(
        self,
        incident_id: int,
        work: Callable[[Session, Incident, datetime], bool],
        *,
        invite: list[str] | None = None,
        after: Callable[[IncidentSnapshot], object] | None = None,
    ) -> bool:
        """Apply `work` to the incident in one transaction, then republish if it changed."""

        def in_tx(session: Session) -> bool:
            incident = queries.get_incident(session, incident_id=incident_id)
            if incident is None:
                raise IncidentNotFound("That incident no longer exists.")
            return work(session, incident, self.clock())

        changed = await self._run(in_tx)
        if changed or invite:
            await self.publish(incident_id, invite=invite or [], after=after)
        return changed

    async def publish(
        self,
        incident_id: int,
        *,
        invite: list[str] | None = None,
        after: Callable[[IncidentSnapshot], object] | None = None,
    ) -> SurfaceResult:
        """Bring every Slack surface in line with the database, one incident at a time."""
        lock = self._locks.setdefault(incident_id, asyncio.Lock())
        async with lock:
            snap = await self.snapshot(incident_id)
            if after is not None:
                result = after(snap)
                if asyncio.iscoroutine(result):
                    await result
            outcome = await self.surfaces.sync(snap, invite=invite or [])
            if outcome.changes or outcome.failures:
                await self._run(lambda s: self._store_outcome(s, incident_id, outcome))
            return outcome

    async def _announce(self, snap: IncidentSnapshot, update: StatusUpdate) -> None:
        ts = await self.surfaces.post_update(snap, update)
        if ts is not None:

            def store(session: Session) -> None:
                row = session.get(StatusUpdate, update.id)
                if row is not None:
                    row.message_ts = ts

            await self._run(store)

    def _store_outcome(self, session: Session, incident_id: int, outcome: SurfaceResult) -> None:
        incident = queries.get_incident(session, incident_id=incident_id)
        if incident is None:
            return
        for name, value in outcome.changes.items():
            setattr(incident, name, value)
        now = self.clock()
        for failure in outcome.failures:
            log.warning("incident %s: %s failed: %s", incident.number, failure.step, failure.error)
            session.add(
                SideEffectFailure(
                    incident_id=incident_id,
                    step=failure.step,
                    error=failure.error[:500],
                    occurred_at=now,
                )
            )

    def _snapshot(self, session: Session, incident_id: int) -> IncidentSnapshot:
        incident = queries.get_incident(session, incident_id=incident_id)
        if incident is None:
            raise IncidentNotFound("That incident no longer exists.")
        return IncidentSnapshot(
            incident=incident,
            roles=list(queries.list_roles(session, incident_id=incident_id)),
            latest_update=queries.get_latest_update(session, incident_id=incident_id),
        )


def _id(incident: Incident) -> int:
    assert incident.id is not None, "incident not flushed"
    return incident.id


def _role(incident: Incident, role: Role, user: str, by: str, now: datetime) -> IncidentRole:
    return IncidentRole(
        incident_id=_id(incident), role=role, user_id=user, assigned_by=by, assigned_at=now
    )


def _event(
    incident: Incident, kind: EventKind, text: str, actor: str | None, when: datetime
) -> TimelineEvent:
    return TimelineEvent(
        incident_id=_id(incident), kind=kind, text=text, actor=actor, occurred_at=when
    )
