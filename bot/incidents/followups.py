"""What the team records for the postmortem, and the follow-up work after it."""

from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import Session

from bot.incidents.records import incident_id_of, new_event
from bot.incidents.rules.lifecycle import is_open
from bot.incidents.service import IncidentService
from bot.kernel.errors import DomainError, InvalidInput
from bot.kernel.text import mention, mentions_of
from bot.kernel.transactions import read
from storage.enums import EventKind, Status
from storage.models import ActionItem, Incident
from storage.queries import incidents as queries

MAX_ACTION_TEXT = 1000


class FollowUpService:
    """Impact, root cause, action items and the postmortem review."""

    def __init__(self, incidents: IncidentService) -> None:
        self.incidents = incidents

    async def set_impact(self, incident_id: int, user: str, text: str) -> None:
        """Record the impact (replacing an earlier description)."""
        await self._record(incident_id, user, text, EventKind.IMPACT, "impact", "Impact")

    async def set_impact_figures(
        self, incident_id: int, user: str, *, users_affected: int | None, estimated_cost: str
    ) -> None:
        """Record how many users were affected and/or what it cost."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            parts = []
            if users_affected is not None:
                incident.users_affected = users_affected
                parts.append(f"{users_affected:,} users affected")
            if estimated_cost:
                incident.estimated_cost = estimated_cost
                parts.append(f"estimated cost {estimated_cost}")
            text = "Impact: " + ", ".join(parts)
            session.add(new_event(incident, EventKind.IMPACT, text, user, now))
            return False

        await self.incidents.change(incident_id, work)

    async def set_root_cause(self, incident_id: int, user: str, text: str) -> None:
        """Record the root cause (replacing an earlier one)."""
        await self._record(
            incident_id, user, text, EventKind.ROOT_CAUSE, "root_cause", "Root cause"
        )

    async def _record(
        self, incident_id: int, user: str, text: str, kind: EventKind, column: str, label: str
    ) -> None:
        if not text.strip():
            raise InvalidInput(f"{label} needs text.")

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            setattr(incident, column, text.strip())
            session.add(new_event(incident, kind, f"{label}: {text.strip()}", user, now))
            return False  # the status block does not show these

        await self.incidents.change(incident_id, work)

    async def add_action_item(
        self,
        incident_id: int,
        user: str,
        text: str,
        *,
        owner: str | None = None,
        due_on: date | None = None,
    ) -> ActionItem:
        """Add an action item; it shows on the status block and in the postmortem."""
        text = text.strip()
        if not text:
            raise InvalidInput("Say what needs doing.", field="action_text")
        if len(text) > MAX_ACTION_TEXT:
            raise InvalidInput(
                f"Keep an action item under {MAX_ACTION_TEXT} characters.", field="action_text"
            )
        added: list[ActionItem] = []

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            item = ActionItem(
                incident_id=incident_id_of(incident),
                text=text,
                owner=owner,
                due_on=due_on,
                created_by=user,
                created_at=now,
            )
            session.add(item)
            who = f" (owner {mention(owner)})" if owner else ""
            due = f", due {due_on.isoformat()}" if due_on else ""
            event = new_event(
                incident, EventKind.ACTION_ADDED, f"{text}{who}{due}", user, now, mentions_of(owner)
            )
            session.add(event)
            session.flush()
            added.append(item)
            return True

        await self.incidents.change(incident_id, work)
        return added[0]

    async def complete_action_item(self, item_id: int, user: str) -> bool:
        """Mark an action item done; False when it already was."""
        item = await read(self.incidents.engine, lambda s: s.get(ActionItem, item_id))
        if item is None:
            raise DomainError("That action item no longer exists.")
        done: list[bool] = []

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            row = session.get(ActionItem, item_id)
            if row is None or row.done_at is not None:
                done.append(False)
                return False
            row.done_at, row.done_by = now, user
            session.add(new_event(incident, EventKind.ACTION_DONE, row.text, user, now))
            done.append(True)
            return True

        await self.incidents.change(item.incident_id, work)
        return done[0]

    async def open_action_items(
        self,
    ) -> tuple[Sequence[ActionItem], dict[int, Incident]]:
        """Open action items across incidents, with their incidents."""

        def work(session: Session) -> tuple[Sequence[ActionItem], dict[int, Incident]]:
            items = queries.list_open_action_items(session)
            ids = sorted({i.incident_id for i in items})
            return items, queries.get_incidents(session, incident_ids=ids)

        return await read(self.incidents.engine, work)

    async def mark_reviewed(self, incident_id: int, user: str) -> bool:
        """The postmortem review happened: no more review reminders."""

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            if is_open(Status(incident.status)) or incident.status == Status.RESOLVED:
                raise DomainError("The postmortem review comes after closing the incident.")
            if incident.reviewed_at is not None:
                by = incident.reviewed_by or ""
                raise DomainError(f"Already marked reviewed by {mention(by)}.", mentions=[by])
            incident.reviewed_at, incident.reviewed_by = now, user
            session.add(new_event(incident, EventKind.REVIEWED, "Postmortem reviewed", user, now))
            return True

        return await self.incidents.change(incident_id, work)
