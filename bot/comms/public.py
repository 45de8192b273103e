"""The status page from an incident: a draft prefilled from the incident, and publications
written with a timeline event and the incident's own record of them (its status block line,
the end of the 15-minute reminder) in the incident's transaction.

Public text is written by people for the page; nothing from the channel is copied to it.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlmodel import Session, select

from bot.comms.ports import IncidentClocks
from bot.comms.rules.public import PublicDraft, suggested_status
from bot.incidents.service import IncidentService
from bot.kernel.errors import IncidentNotFound
from bot.kernel.text import actor_text, mentions_of
from bot.kernel.transactions import read
from bot.statuspage.definitions import ComponentStatus, PublicStatus
from bot.statuspage.service import Publication, StatusPageService
from storage.enums import EventKind, Severity
from storage.models import Incident, PublicIncident, TimelineEvent

MAX_EVENT_MESSAGE = 1000


class PublicUpdates:
    """Publishes to the status page on an incident's behalf."""

    def __init__(
        self, incidents: IncidentService, statuspage: StatusPageService, clocks: IncidentClocks
    ) -> None:
        self.incidents = incidents
        self.statuspage = statuspage
        self.clocks = clocks

    def component_names(self) -> tuple[str, ...]:
        """Every component of the page, in its order."""
        return tuple(c.name for c in self.statuspage.config.components)

    async def draft(self, incident_id: int) -> PublicDraft:
        """The form's starting point: the public incident as it stands, else the incident's
        title, the status its lifecycle suggests and the components its services affect."""

        def work(session: Session) -> tuple[Incident | None, PublicIncident | None]:
            incident = session.get(Incident, incident_id)
            return incident, _public_of(session, incident_id)

        incident, public = await read(self.incidents.engine, work)
        if incident is None:
            raise IncidentNotFound("That incident no longer exists.")
        if public is not None:
            held = {name: ComponentStatus(state) for name, state in public.components.items()}
            title, status = public.title, PublicStatus(public.status)
        else:
            held = self.statuspage.prefill(incident.services, Severity(incident.severity))
            title, status = incident.title, suggested_status(incident.status)
        return PublicDraft(
            incident_id=incident_id,
            reference=f"INC-{incident.number}",
            title=title,
            status=status,
            components=held,
            names=self.component_names(),
            published=public is not None,
        )

    async def publish(
        self,
        incident_id: int,
        *,
        status: PublicStatus,
        message: str,
        by: str,
        title: str | None = None,
        components: Mapping[str, ComponentStatus] | None = None,
    ) -> Publication:
        """Publish an update of the incident's public incident: `title` None keeps the public
        title (the incident's for a first publication); `components` None are prefilled from
        the incident's services and severity."""

        def work(session: Session, incident: Incident, now: datetime) -> Publication:
            exists = _public_of(session, incident_id) is not None
            states = components
            if states is None:
                states = self.statuspage.prefill(incident.services, Severity(incident.severity))
            publication = self.statuspage.publish_in(
                session,
                incident_id,
                title=title if title is not None else ("" if exists else incident.title),
                status=status,
                message=message,
                components=states,
                by=by,
                now=now,
            )
            self.clocks.published(incident, status.value, now)
            said = " ".join(message.split())
            if len(said) > MAX_EVENT_MESSAGE:
                said = said[: MAX_EVENT_MESSAGE - 1] + "…"
            text = f"Status page: {status.value} (by {actor_text(by)}): {said}"
            session.add(
                TimelineEvent(
                    incident_id=incident_id,
                    kind=EventKind.PUBLIC_UPDATE,
                    text=text,
                    mentions=mentions_of(by),
                    actor=by,
                    occurred_at=now,
                )
            )
            return publication

        return await self.incidents.change(incident_id, work)

    async def add_maintenance(
        self,
        title: str,
        body: str,
        components: Sequence[str],
        starts: datetime,
        ends: datetime,
        by: str,
    ) -> int:
        """Schedule maintenance on the status page; its id."""
        return await self.statuspage.add_maintenance(title, body, components, starts, ends, by)


def _public_of(session: Session, incident_id: int) -> PublicIncident | None:
    query = select(PublicIncident).where(PublicIncident.incident_id == incident_id)
    return session.exec(query).first()
