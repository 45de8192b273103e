"""Recording an acknowledgement, inside the caller's transaction: the person's row, the page
stopped (its pending notifications cancelled) when they are the first, the incident
acknowledged and led, and the effect that edits every page DM to say who."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.incidents.service import IncidentService
from bot.kernel.outbox import add_effects, new_effect
from bot.paging.climb import ACKNOWLEDGED, Record
from storage.enums import Role
from storage.models import Escalation, Incident, PageAcknowledgement
from storage.queries import incidents as incident_queries
from storage.queries import paging as queries

SHOW_ACK = "paging.acknowledged"


@dataclass
class Acknowledger:
    """Records acknowledgements of pages and of their incident."""

    incidents: IncidentService
    record: Record

    def page_in(
        self,
        session: Session,
        incident: Incident,
        escalation: Escalation,
        user: str,
        via: str,
        now: datetime,
    ) -> bool:
        """Record one person's acknowledgement of one page; True when they were the first."""
        assert escalation.id is not None
        if queries.get_acknowledgement(session, escalation_id=escalation.id, user=user):
            return False
        first = escalation.acknowledged_at is None
        session.add(
            PageAcknowledgement(
                escalation_id=escalation.id,
                incident_id=escalation.incident_id,
                user=user,
                via=via,
                at=now,
            )
        )
        if first:
            escalation.acknowledged_at, escalation.acknowledged_by = now, user
            escalation.state, escalation.next_at = ACKNOWLEDGED, None
            queries.cancel_pending(
                session, escalation_id=escalation.id, now=now, why=f"acknowledged by @{user}"
            )
        text = f"@{user} acknowledged page {escalation.id} (by {via})"
        self.record(session, incident, text, user, now, [user])
        self.incident_in(session, incident, user, now)
        effect = new_effect(
            SHOW_ACK,
            key=f"page.acknowledged:{escalation.id}:{user}",
            stream=f"page-messages:{escalation.id}",
            payload={"escalation_id": escalation.id},
            now=now,
        )
        add_effects(session, [effect])
        return first

    def incident_in(self, session: Session, incident: Incident, user: str, now: datetime) -> None:
        """The incident's first acknowledgement counts for time to acknowledge; the first
        responder leads when nobody does."""
        self.incidents.acknowledge_in(session, incident, user, now)
        roles = incident_queries.list_roles(session, incident_id=incident.id or 0)
        if not any(role.role == Role.COMMANDER for role in roles):
            self.incidents.assign_in(session, incident, Role.COMMANDER, user, user, now)
