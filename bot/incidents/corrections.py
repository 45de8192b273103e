"""Corrections to what an incident records about itself: its lifecycle times (the impact start,
identified, mitigated, resolved) and whether it is a drill. Insights measure from these, so each
correction is checked against the rules and leaves a timeline event saying who changed what."""

from collections.abc import Mapping
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.incidents.records import new_event
from bot.incidents.rules.timestamps import (
    CORRECTABLE,
    TimeChange,
    describe_change,
    plan_corrections,
)
from bot.incidents.service import IncidentService
from bot.kernel.errors import DomainError, IncidentNotFound
from bot.kernel.text import mention
from bot.kernel.transactions import read
from storage.enums import EventKind, Status
from storage.models import Incident
from storage.queries import incidents as queries

Wanted = Mapping[str, datetime | None]


class CorrectionService:
    """Corrects an incident's times and its drill mark, through the incident's one writer."""

    def __init__(self, incidents: IncidentService, *, zone: str = "UTC") -> None:
        self.incidents = incidents
        self.zone: tzinfo = ZoneInfo(zone)

    async def times(self, incident_id: int) -> dict[str, datetime | None]:
        """The incident's correctable times as stored (what the form starts from)."""
        incident = await read(
            self.incidents.engine, lambda s: queries.get_incident(s, incident_id=incident_id)
        )
        if incident is None:
            raise IncidentNotFound("That incident no longer exists.")
        return stored_times(incident)

    async def check_times(self, incident_id: int, wanted: Wanted) -> list[TimeChange]:
        """What a correction would change, or InvalidInput naming the field at fault: the form
        shows it before anything is kept (the correction checks again when it is made)."""
        incident = await read(
            self.incidents.engine, lambda s: queries.get_incident(s, incident_id=incident_id)
        )
        if incident is None:
            raise IncidentNotFound("That incident no longer exists.")
        return self._plan(incident, wanted, self.incidents.clock())

    async def correct_times(self, incident_id: int, user: str, wanted: Wanted) -> list[TimeChange]:
        """Set the times to `wanted`: one TIMESTAMP_CHANGED event per time that changed, and
        the status block republished. A time equal (to the minute) to the stored one is not a
        change, so a repeated submission changes nothing more."""

        def work(session: Session, incident: Incident, now: datetime) -> list[TimeChange]:
            changes = self._plan(incident, wanted, now)
            for change in changes:
                setattr(incident, change.name, change.new)
                text = f"{describe_change(change, self.zone)} by {mention(user)}"
                event = new_event(incident, EventKind.TIMESTAMP_CHANGED, text, user, now, [user])
                session.add(event)
            return changes

        return await self.incidents.change(incident_id, work)

    async def mark_drill(self, incident_id: int, user: str, drill: bool) -> None:
        """Mark the incident as a drill or test (left out of insights), or not any more."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if incident.drill == drill:
                state = "already marked as a drill" if drill else "not marked as a drill"
                raise DomainError(f"INC-{incident.number} is {state}.")
            incident.drill = drill
            text = (
                f"Marked as a drill or test by {mention(user)}: left out of insights"
                if drill
                else f"No longer a drill (by {mention(user)}): counted in insights again"
            )
            session.add(new_event(incident, EventKind.MARKED_DRILL, text, user, now, [user]))
            return True

        await self.incidents.change(incident_id, work)

    def _plan(self, incident: Incident, wanted: Wanted, now: datetime) -> list[TimeChange]:
        return plan_corrections(
            stored_times(incident),
            wanted,
            status=Status(incident.status),
            closed_at=incident.closed_at,
            now=now.astimezone(UTC),
            zone=self.zone,
        )


def stored_times(incident: Incident) -> dict[str, datetime | None]:
    """The incident's correctable times, by attribute name."""
    return {name: getattr(incident, name) for name, _ in CORRECTABLE}
