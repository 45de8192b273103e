"""The timeline: notes, and messages people pin or mark with :pushpin:."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.incidents.records import incident_id_of, new_event
from bot.incidents.service import IncidentService
from bot.kernel.errors import InvalidInput
from bot.kernel.transactions import run_in_transaction
from storage.enums import EventKind
from storage.models import Incident
from storage.queries import incidents as queries


@dataclass(frozen=True)
class PinnedMessage:
    """A message someone pinned or marked, as plain text, at its own time."""

    source_ts: str  # what makes it the same message when it is marked twice
    text: str
    author: str | None
    at: datetime
    permalink: str | None
    mentions: list[str] = field(default_factory=list)


class TimelineService:
    """Adds what people want remembered to an incident's timeline."""

    def __init__(self, incidents: IncidentService) -> None:
        self.incidents = incidents

    async def add_note(
        self, incident_id: int, user: str, text: str, *, mentions: Sequence[str] = ()
    ) -> None:
        """Add a note to the timeline."""
        if not text.strip():
            raise InvalidInput("A note needs text.")

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            session.add(new_event(incident, EventKind.NOTE, text.strip(), user, now, mentions))
            return False  # nothing on the status block changes

        await self.incidents.change(incident_id, work)

    async def record_pinned(self, incident_id: int, message: PinnedMessage) -> bool:
        """Add a pinned or :pushpin:-marked message to the timeline once, at its own time."""

        def work(session: Session) -> bool:
            incident = queries.get_incident(session, incident_id=incident_id)
            if incident is None:
                return False
            if queries.has_timeline_source(
                session, incident_id=incident_id_of(incident), source_ts=message.source_ts
            ):
                return False
            event = new_event(
                incident,
                EventKind.PINNED,
                message.text,
                message.author,
                message.at,
                message.mentions,
            )
            event.source_ts, event.permalink = message.source_ts, message.permalink
            session.add(event)
            return True

        try:
            return await run_in_transaction(self.incidents.engine, work)
        except IntegrityError:
            return False  # the same message arrived twice at once; the first one won
