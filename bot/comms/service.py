"""Stakeholder updates: share one with every audience the incident reaches, tell customer
success at once when customers are affected, declare an incident affecting customers.

Each use case is one transaction on the locked incident: the timeline event, the clocks, and
one outbox effect per audience and way of reaching it (its channel, each of its addresses),
keyed so that nothing is sent twice (`bot.comms.delivery` carries them out).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.comms.definitions import Audience, CommsConfig
from bot.comms.ports import IncidentClocks
from bot.comms.rules.notes import CUSTOMERS, UPDATE, StakeholderNote, find_eta, latest_beside
from bot.incidents.ports import ROOM
from bot.incidents.service import (
    Declared,
    DeclareRequest,
    IncidentService,
    is_open,
    read_snapshot,
)
from bot.kernel.errors import DomainError, InvalidInput
from bot.kernel.outbox import add_effects, new_effect
from bot.kernel.text import actor_text, mentions_of
from bot.kernel.transactions import is_write_conflict, run_in_transaction
from storage.enums import EventKind, Severity, Status
from storage.models import Incident, TimelineEvent

POST, MAIL = "comms.post", "comms.mail"
MAX_MESSAGE = 3000
DECLARE_ATTEMPTS = 5
USAGE = "`/incident stakeholders Checkout is recovering; ETA 14:30 UTC`"


@dataclass(frozen=True)
class Shared:
    """Who a stakeholder update went to: the audiences, and how many posts and mails."""

    audiences: tuple[str, ...]
    posts: int
    mails: int


@dataclass(frozen=True)
class CustomerImpact:
    """Whether recording customer impact changed anything, and which audiences were told."""

    changed: bool
    told: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        """Whether anything changed: the incident is shown again only then."""
        return self.changed


class CommsService:
    """Tells stakeholders about incidents."""

    def __init__(
        self,
        incidents: IncidentService,
        clocks: IncidentClocks,
        *,
        config: CommsConfig,
        room_url: Callable[[str], str] | None = None,
    ) -> None:
        self.incidents = incidents
        self.engine = incidents.engine
        self.outbox = incidents.outbox
        self.clock = incidents.clock
        self.clocks = clocks
        self.config = config
        self.room_url = room_url

    # -- use cases ---------------------------------------------------------------------------

    async def share(self, incident_id: int, message: str, by: str) -> Shared:
        """Send a stakeholder update to every audience the incident reaches."""
        text = message.strip()
        if not text:
            raise InvalidInput(f"Write what stakeholders should hear: {USAGE}.")
        if len(text) > MAX_MESSAGE:
            raise InvalidInput(
                f"The update is {len(text)} characters; keep it under {MAX_MESSAGE}."
            )

        def work(session: Session, incident: Incident, now: datetime) -> Shared:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; stakeholders heard how it ended.")
            audiences = self.config.reached(
                Severity(incident.severity), customers_affected=_affected(incident)
            )
            if not audiences:
                raise DomainError(self._nobody_hears(incident))
            self.clocks.stakeholders_told(incident, now)
            note = self._note(session, incident, UPDATE, text, by, now)
            names = ", ".join(a.name for a in audiences)
            said = f"Stakeholder update to {names} by {actor_text(by)}: {text}"
            event = self._event(session, incident, said, by, now)
            return self._send(session, incident, event, audiences, note, now)

        return await self.incidents.change(incident_id, work)

    async def set_customers_affected(
        self, incident_id: int, affected: bool, by: str
    ) -> CustomerImpact:
        """Record whether customers are affected; when they now are, the customer-success
        audiences are told at once."""

        def work(session: Session, incident: Incident, now: datetime) -> CustomerImpact:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; its impact can no longer change.")
            return self.customers_in(session, incident, affected, by, now)

        return await self.incidents.change(incident_id, work)

    async def declare(self, request: DeclareRequest, *, customers_affected: bool) -> Declared:
        """Declare (once per idempotency key), affecting customers or not, in one transaction."""
        if not request.title.strip():
            raise InvalidInput("Give the incident a title.", field="title")

        def work(session: Session) -> Declared:
            now = self.clock()
            declared = self.incidents.declare_in(session, request, now)
            if declared.created and customers_affected:
                self.customers_in(session, declared.incident, True, request.declared_by, now)
            return declared

        for attempt in range(DECLARE_ATTEMPTS):
            try:
                declared = await run_in_transaction(self.engine, work)
                break
            except Exception as error:
                # Two declarations raced for a number or an idempotency key: look again.
                if not is_write_conflict(error) or attempt == DECLARE_ATTEMPTS - 1:
                    raise
        self.outbox.kick()
        return declared

    # -- inside a transaction ------------------------------------------------------------------

    def customers_in(
        self, session: Session, incident: Incident, affected: bool, by: str, now: datetime
    ) -> CustomerImpact:
        """Record customer impact on the locked incident; tell customer success when customers
        became affected."""
        if not self.clocks.customers_affected(incident, affected, now):
            return CustomerImpact(changed=False)
        if not affected:
            text = f"Customers are no longer affected (set by {actor_text(by)})"
            self._event(session, incident, text, by, now, kind=EventKind.IMPACT)
            return CustomerImpact(changed=True)
        audiences = self.config.customer_audiences() if is_open(incident.status) else []
        told = f"; told {', '.join(a.name for a in audiences)}" if audiences else ""
        text = f"Customers are affected (set by {actor_text(by)}){told}"
        event = self._event(session, incident, text, by, now, kind=EventKind.IMPACT)
        if audiences:
            note = self._note(session, incident, CUSTOMERS, "", by, now)
            self._send(session, incident, event, audiences, note, now)
        return CustomerImpact(changed=True, told=tuple(a.name for a in audiences))

    def _note(
        self, session: Session, incident: Incident, reason: str, text: str, by: str, now: datetime
    ) -> StakeholderNote:
        snapshot = read_snapshot(session, _id(incident))
        latest = snapshot.latest_update.text if snapshot.latest_update else ""
        room = snapshot.room()
        channel = room.channel_id if room is not None and room.kind == ROOM else None
        return StakeholderNote(
            reason=reason,
            reference=f"INC-{incident.number}",
            title=incident.title,
            severity=Severity(incident.severity).value.upper(),
            status=Status(incident.status).value.capitalize(),
            customers_affected=_affected(incident),
            impact=incident.impact.strip(),
            message=text,
            latest_update=latest_beside(text, latest),
            eta=find_eta(text, latest) if is_open(incident.status) else None,
            next_update_at=incident.stakeholder_update_due_at or incident.next_update_due_at,
            channel_id=channel or None,
            channel_url=self.room_url(channel) if channel and self.room_url else None,
            by=by,
            at=now,
        )

    def _event(
        self,
        session: Session,
        incident: Incident,
        text: str,
        by: str,
        now: datetime,
        *,
        kind: EventKind = EventKind.STAKEHOLDER_UPDATE,
    ) -> TimelineEvent:
        event = TimelineEvent(
            incident_id=_id(incident),
            kind=kind,
            text=text,
            mentions=mentions_of(by),
            actor=by,
            occurred_at=now,
        )
        session.add(event)
        session.flush()
        return event

    def _send(
        self,
        session: Session,
        incident: Incident,
        event: TimelineEvent,
        audiences: Sequence[Audience],
        note: StakeholderNote,
        now: datetime,
    ) -> Shared:
        """One effect per audience's channel and per address, keyed by the event."""
        effects: list[dict[str, Any]] = []
        base = {"incident_id": _id(incident), "event_id": event.id, "note": note.to_payload()}
        posts = mails = 0
        for audience in audiences:
            where = f"{event.id}:{audience.name}"
            if audience.channel:
                payload = {**base, "audience": audience.name, "channel": audience.channel}
                effects.append(_effect(POST, where, payload, now))
                posts += 1
            for address in audience.emails:
                payload = {**base, "audience": audience.name, "address": address}
                effects.append(_effect(MAIL, f"{where}:{address}", payload, now))
                mails += 1
        add_effects(session, effects)
        return Shared(tuple(a.name for a in audiences), posts, mails)

    def _nobody_hears(self, incident: Incident) -> str:
        severity = Severity(incident.severity).value.upper()
        if not self.config.audiences:
            return "No stakeholder audiences are set up (`stakeholders:` in warroom.yml)."
        return (
            f"No stakeholder audience hears of {severity} incidents"
            + ("" if _affected(incident) else " unless customers are affected")
            + f" (audiences: {', '.join(a.name for a in self.config.audiences)})."
        )


def _effect(kind: str, where: str, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    key = f"{kind}:{where}"
    return new_effect(kind, key=key, stream=f"{kind}:{where}", payload=payload, now=now)


def _affected(incident: Incident) -> bool:
    return incident.customers_affected_at is not None


def _id(incident: Incident) -> int:
    assert incident.id is not None
    return incident.id
