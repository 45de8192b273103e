"""Incident use cases. Each is one transaction that locks the incident, changes it, and writes
the effects to show it (the outbox carries them out after the commit).

Every status change, reopening and declaration goes through `move_in` and `declare_in`, which
the alert intake calls inside its own transaction too: one lifecycle, one declare path.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.incidents.ports import ROOM, IncidentSnapshot, incident_stream
from bot.incidents.publishing import read_alert_summary, read_snapshot
from bot.incidents.records import (
    Declared,
    DeclareRequest,
    incident_id_of,
    insert_incident,
    new_event,
    new_role,
)
from bot.incidents.rules import cadence
from bot.incidents.rules.cadence import CadencePolicy
from bot.incidents.rules.lifecycle import STATUS_LABELS, is_open, transition
from bot.incidents.rules.roles import ROLE_NAMES, SINGLE_HOLDER, first_commander
from bot.kernel.errors import DomainError, IncidentNotFound, InvalidInput, NotAnIncidentChannel
from bot.kernel.outbox import Outbox, add_effects, new_effect
from bot.kernel.text import is_person, mention, mentions_of
from bot.kernel.transactions import is_write_conflict, read, run_in_transaction
from storage.enums import EventKind, Role, Severity, Status
from storage.models import Incident
from storage.queries import incidents as queries
from storage.queries import places as places_queries

__all__ = [
    "DeclareRequest",
    "Declared",
    "IncidentService",
    "incident_id_of",
    "is_open",
    "read_alert_summary",
    "read_snapshot",
]
T = TypeVar("T")
Clock = Callable[[], datetime]
# What a change does inside the incident's transaction: (session, locked incident, now).
Work = Callable[[Session, Incident, datetime], T]
DECLARE_ATTEMPTS = 5


class IncidentService:
    """The incident lifecycle as use cases; one writer per incident at a time."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        *,
        clock: Clock,
        policy: CadencePolicy,
        review_due: timedelta = timedelta(days=7),
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.clock = clock
        self.policy = policy
        self.review_due = review_due

    # -- reads -----------------------------------------------------------------------------

    async def snapshot(self, incident_id: int) -> IncidentSnapshot:
        """The incident with its roles, latest update, alerts and places, read together."""
        return await read(self.engine, lambda s: read_snapshot(s, incident_id))

    async def find_by_place(self, surface: str, kind: str, channel_id: str) -> Incident | None:
        """The incident shown as `kind` in this channel, if any."""
        return await read(
            self.engine,
            lambda s: places_queries.get_incident_by_place(
                s, surface=surface, kind=kind, channel_id=channel_id
            ),
        )

    async def in_channel(self, surface: str, kind: str, channel_id: str) -> Incident:
        """The incident this channel belongs to, or a clear error."""
        incident = await self.find_by_place(surface, kind, channel_id)
        if incident is None:
            raise NotAnIncidentChannel()
        return incident

    async def list_open(self) -> tuple[Sequence[Incident], dict[int, str]]:
        """Open incidents, worst first, with each one's commander."""

        def work(session: Session) -> tuple[Sequence[Incident], dict[int, str]]:
            incidents = queries.list_open_incidents(session)
            ids = [i.id for i in incidents if i.id is not None]
            return incidents, queries.map_commanders(session, incident_ids=ids)

        return await read(self.engine, work)

    async def rooms(self, surface: str, incident_ids: Sequence[int]) -> dict[int, str]:
        """The room (channel) of each of these incidents on `surface`, where it has one."""

        def work(session: Session) -> dict[int, str]:
            return places_queries.map_places(
                session, incident_ids=list(incident_ids), surface=surface, kind=ROOM
            )

        return await read(self.engine, work)

    # -- declare ---------------------------------------------------------------------------

    async def declare(self, request: DeclareRequest) -> Declared:
        """Declare an incident once per idempotency key; its channel opens after the commit."""
        if not request.title.strip():
            raise InvalidInput("Give the incident a title.", field="title")
        for attempt in range(DECLARE_ATTEMPTS):
            try:
                declared = await run_in_transaction(
                    self.engine, lambda s: self.declare_in(s, request, self.clock())
                )
                break
            except Exception as error:
                # Two declarations raced for a number or an idempotency key: look again.
                if not is_write_conflict(error) or attempt == DECLARE_ATTEMPTS - 1:
                    raise
        self.outbox.kick()
        return declared

    def declare_in(self, session: Session, request: DeclareRequest, now: datetime) -> Declared:
        """Declare inside the caller's transaction: the incident, its first events, and the
        effects that open its channel and confirm it to the declarer."""
        declared = insert_incident(session, request, now=now, policy=self.policy)
        if not declared.created:
            return declared
        incident = declared.incident
        commander = first_commander(
            request.declared_by, request.commander, leaderless=request.leaderless
        )
        invite = [p for p in dict.fromkeys([request.declared_by, commander or ""]) if is_person(p)]
        self.publish_in(session, incident, now, invite=invite)
        if request.reply_to is not None:
            incident_id = incident_id_of(incident)
            effect = new_effect(
                "incident.confirm",
                key=f"incident.confirm:{incident_id}",
                stream=incident_stream(incident_id),
                payload={"incident_id": incident_id, "reply_to": dict(request.reply_to)},
                now=now,
            )
            add_effects(session, [effect])
        return declared

    # -- the one writer --------------------------------------------------------------------

    async def change(self, incident_id: int, work: Work[T], *, invite: Sequence[str] = ()) -> T:
        """Apply `work` to the locked incident in one transaction; republish when it reports a
        change (a truthy result) or someone is to be invited."""

        def in_tx(session: Session) -> T:
            incident = queries.lock_incident(session, incident_id=incident_id)
            if incident is None:
                raise IncidentNotFound("That incident no longer exists.")
            now = self.clock()
            result = work(session, incident, now)
            if result or invite:
                self.publish_in(session, incident, now, invite=invite)
            return result

        result = await run_in_transaction(self.engine, in_tx)
        self.outbox.kick()
        return result

    def publish_in(
        self, session: Session, incident: Incident, now: datetime, *, invite: Sequence[str] = ()
    ) -> None:
        """Write the effect that brings every surface in line with the incident as it is now."""
        incident.version += 1
        incident_id = incident_id_of(incident)
        effect = new_effect(
            "incident.publish",
            key=f"incident.publish:{incident_id}:{incident.version}",
            stream=incident_stream(incident_id),
            payload={"incident_id": incident_id, "invite": list(invite)},
            now=now,
        )
        add_effects(session, [effect])

    # -- the lifecycle, inside a transaction -------------------------------------------------

    def move_in(
        self,
        session: Session,
        incident: Incident,
        target: Status,
        actor: str | None,
        now: datetime,
        *,
        note: str = "",
        reason: str = "",
    ) -> None:
        """Move the lifecycle as the table allows, with its clocks, its timeline event and,
        on closing, the postmortem draft."""
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
        text = f"Status {STATUS_LABELS[previous]} → {STATUS_LABELS[target]}"
        text += f" by {mention(actor)}" if actor and is_person(actor) else ""
        text += f": {reason or note}" if reason or note else ""
        session.add(new_event(incident, kind, text, actor, now, mentions_of(actor)))
        if target == Status.CLOSED:
            incident_id = incident_id_of(incident)
            draft = new_effect(
                "postmortem.draft",
                key=f"postmortem.draft:{incident_id}",
                stream=incident_stream(incident_id),
                payload={"incident_id": incident_id},
                now=now,
            )
            add_effects(session, [draft])

    def record_in(
        self,
        session: Session,
        incident: Incident,
        kind: EventKind,
        text: str,
        actor: str | None,
        now: datetime,
        mentions: Sequence[str] = (),
    ) -> None:
        """Add a timeline event inside the caller's transaction (plain text, people listed)."""
        session.add(new_event(incident, kind, text, actor, now, mentions))

    def acknowledge_in(
        self, session: Session, incident: Incident, user: str, now: datetime
    ) -> bool:
        """Record the first acknowledgement (a triage incident moves to investigating); False
        when someone acknowledged already."""
        if incident.acknowledged_at is not None:
            return False
        if not is_open(incident.status):
            raise DomainError("This incident is no longer open.")
        incident.acknowledged_at, incident.acknowledged_by = now, user
        incident.ack_due_at = None
        text = f"Acknowledged by {mention(user)}"
        session.add(new_event(incident, EventKind.ACKNOWLEDGED, text, user, now, [user]))
        if incident.status == Status.TRIAGE:
            self.move_in(session, incident, Status.INVESTIGATING, user, now)
        return True

    def assign_in(
        self, session: Session, incident: Incident, role: Role, target: str, by: str, now: datetime
    ) -> None:
        """Give `target` a role; the old holder of a single-holder role steps down."""
        if incident.status == Status.CLOSED:
            raise DomainError("This incident is closed; roles can no longer change.")
        holders = queries.list_roles(session, incident_id=incident_id_of(incident))
        if any(h.role == role and h.user_id == target for h in holders):
            message = f"{mention(target)} is already {ROLE_NAMES[role]}."
            raise DomainError(message, mentions=[target])
        for holder in holders:
            if role in SINGLE_HOLDER and holder.role == role:
                session.delete(holder)
        session.flush()
        session.add(new_role(incident, role, target, by, now))
        if role == Role.COMMANDER:
            incident.commander_reminder_at = None
        text = f"{mention(target)} is now {ROLE_NAMES[role]} (set by {mention(by)})"
        session.add(new_event(incident, EventKind.ROLE_ASSIGNED, text, by, now, [target, by]))

    # -- use cases -------------------------------------------------------------------------

    async def acknowledge(self, incident_id: int, user: str) -> bool:
        """Record the first acknowledgement; later ones change nothing."""
        return await self.change(
            incident_id, lambda s, incident, now: self.acknowledge_in(s, incident, user, now)
        )

    async def set_severity(self, incident_id: int, user: str, severity: Severity) -> bool:
        """Change the severity; the update cadence and acknowledgement target follow it."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; its severity can no longer change.")
            if incident.severity == severity:
                raise DomainError(f"The incident is already {severity.value.upper()}.")
            old, incident.severity = incident.severity, severity
            cadence.reschedule_updates(incident, self.policy)
            cadence.reschedule_ack_target(incident, self.policy)
            text = f"Severity {old.value.upper()} → {severity.value.upper()} by {mention(user)}"
            session.add(new_event(incident, EventKind.SEVERITY_CHANGED, text, user, now, [user]))
            return True

        return await self.change(incident_id, work)

    async def set_status(self, incident_id: int, user: str, status: Status) -> bool:
        """Move the lifecycle as the transition table allows."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            self.move_in(session, incident, status, user, now)
            return True

        return await self.change(incident_id, work)

    async def resolve(
        self,
        incident_id: int,
        user: str,
        summary: str = "",
        *,
        root_cause: str = "",
        resolution: str = "",
    ) -> bool:
        """Resolve. A one-line summary is kept as the resolution; the form can give all three.
        False when the incident was resolved already (a second click changes nothing)."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.status == Status.RESOLVED:
                return False
            self.move_in(session, incident, Status.RESOLVED, user, now, note=summary)
            if resolution or summary:
                incident.resolution = resolution or summary
            if resolution and summary:
                incident.summary = summary
            if root_cause:
                incident.root_cause = root_cause
            return True

        return await self.change(incident_id, work)

    async def close(self, incident_id: int, user: str) -> bool:
        """Close a resolved incident; the postmortem is drafted after the commit."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if is_open(incident.status):
                raise DomainError(
                    "Resolve the incident before closing it: `/incident resolve [summary]`."
                )
            self.move_in(session, incident, Status.CLOSED, user, now)
            return True

        return await self.change(incident_id, work)

    async def assign_role(self, incident_id: int, user: str, role: Role, target: str) -> bool:
        """Give `target` a role; commander, comms lead and scribe have one holder each."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            self.assign_in(session, incident, role, target, user, now)
            return True

        return await self.change(incident_id, work, invite=[target])
