"""The timeline: notes, and Slack messages people pin or mark with :pushpin:."""

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core.errors import InvalidInput
from bot.core.timing import slack_ts_to_datetime
from bot.services.incidents import IncidentService
from bot.services.records import incident_id_of, new_event
from bot.services.requests import PinnedMessage
from bot.services.transactions import run_in_transaction
from storage import queries
from storage.enums import EventKind
from storage.models import Incident


class TimelineService:
    """Adds what people want remembered to an incident's timeline."""

    def __init__(self, incidents: IncidentService) -> None:
        self.incidents = incidents

    async def add_note(self, incident_id: int, user: str, text: str) -> None:
        """Add a note to the timeline."""
        if not text.strip():
            raise InvalidInput("A note needs text.")

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            session.add(new_event(incident, EventKind.NOTE, text.strip(), user, now))
            return False  # nothing on the status block changes

        await self.incidents.change(incident_id, work)

    async def record_pinned(self, message: PinnedMessage) -> bool:
        """Add a pinned or :pushpin:-marked message to the timeline once, at its own time."""

        def work(session: Session) -> bool:
            incident = queries.get_incident_by_channel(session, channel_id=message.channel_id)
            if incident is None or message.ts == incident.status_ts:
                return False
            if queries.has_timeline_source(
                session, incident_id=incident_id_of(incident), source_ts=message.ts
            ):
                return False
            event = new_event(
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
            return await run_in_transaction(self.incidents.engine, work)
        except IntegrityError:
            return False  # the same message arrived twice at once; the first one won
