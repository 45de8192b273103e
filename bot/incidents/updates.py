"""Status updates and their clock: posting an update, snoozing the reminder."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.incidents.ports import incident_stream
from bot.incidents.records import incident_id_of, new_event
from bot.incidents.rules import cadence
from bot.incidents.rules.lifecycle import is_open
from bot.incidents.service import IncidentService
from bot.kernel.errors import DomainError, InvalidInput
from bot.kernel.outbox import add_effects, new_effect
from bot.kernel.text import mention
from storage.enums import EventKind, Status
from storage.models import Incident, StatusUpdate

SNOOZE_MINUTES = (15, 30, 60)


class UpdateService:
    """Posting status updates and holding their reminders."""

    def __init__(self, incidents: IncidentService) -> None:
        self.incidents = incidents

    async def post_update(
        self,
        incident_id: int,
        user: str,
        text: str,
        status: Status | None = None,
        *,
        mentions: Sequence[str] = (),
    ) -> StatusUpdate:
        """Post a status update (optionally moving the status) and reset the update clock."""
        text = text.strip()
        if not text:
            raise InvalidInput("An update needs text.", field="update_text")

        def work(session: Session, incident: Incident, now: datetime) -> StatusUpdate:
            if incident.status == Status.CLOSED:
                raise DomainError("This incident is closed; post follow-ups in the channel.")
            if status is not None and status != incident.status:
                self.incidents.move_in(session, incident, status, user, now)
            incident_id = incident_id_of(incident)
            update = StatusUpdate(
                incident_id=incident_id,
                text=text,
                mentions=list(mentions),
                author=user,
                posted_at=now,
                status=incident.status,
                severity=incident.severity,
            )
            session.add(update)
            event = new_event(incident, EventKind.UPDATE, text, user, now, mentions)
            session.add(event)
            cadence.record_update(incident, self.incidents.policy, now=now)
            session.flush()
            post = new_effect(
                "incident.post_update",
                key=f"incident.post_update:{update.id}",
                stream=incident_stream(incident_id),
                payload={"incident_id": incident_id, "update_id": update.id},
                now=now,
            )
            add_effects(session, [post])
            return update

        return await self.incidents.change(incident_id, work)

    async def snooze(self, incident_id: int, user: str, minutes: int) -> bool:
        """Hold the update reminder for a while; posting an update is still what resets it."""
        if minutes not in SNOOZE_MINUTES:
            raise InvalidInput(f"Snooze for {', '.join(map(str, SNOOZE_MINUTES))} minutes.")

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if not is_open(incident.status):
                raise DomainError("This incident is no longer open; there is nothing to snooze.")
            cadence.snooze(incident, until=now + timedelta(minutes=minutes))
            text = f"Update reminders snoozed for {minutes} min by {mention(user)}"
            session.add(new_event(incident, EventKind.SNOOZED, text, user, now, [user]))
            return False  # the status block does not change

        await self.incidents.change(incident_id, work)
        return True
