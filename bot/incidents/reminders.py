"""Reminders: due times live on the incident; a scheduler job claims what is due, once, and
writes the effects that deliver it; the outbox delivers them.

Claiming writes one `reminder` row per due time (its unique key makes a second claim of the
same due time fail, in any process) and moves the incident's clocks on, in one transaction.
"""

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.incidents.ports import IncidentSnapshot, ReminderSender, incident_stream
from bot.incidents.publishing import read_snapshot
from bot.incidents.rules import cadence
from bot.incidents.rules.cadence import CadencePolicy, DueReminder
from bot.incidents.service import IncidentService
from bot.kernel.errors import IncidentNotFound
from bot.kernel.outbox import Attempt, Payload, Permanent, add_effects, new_effect
from bot.kernel.text import is_person
from bot.kernel.timing import format_span
from bot.kernel.transactions import read, run_in_transaction
from storage.enums import EventKind, ReminderKind, Severity
from storage.models import Incident, Reminder
from storage.queries import incidents as queries
from storage.queries import places as places_queries

log = logging.getLogger(__name__)
REPAIR_GRACE = timedelta(minutes=1)
MAX_REPAIRS = 10


@dataclass(frozen=True)
class RoomRepair:
    """Which place is an incident's room, and which failed step means it was never made: an
    incident without it is published again (its channel tried again). A publish given up
    altogether (Slack unreachable for a day) counts as such a failure too."""

    surface: str
    kind: str
    step: str

    @property
    def steps(self) -> tuple[str, str]:
        """The failed steps that leave an incident without its room."""
        return (self.step, "publish")


@dataclass
class TickReport:
    """What one tick claimed."""

    claimed: list[int] = field(default_factory=list)
    conflicts: int = 0
    repairs: int = 0


class ReminderService:
    """Claims due reminders and delivers them through the outbox."""

    def __init__(
        self,
        incidents: IncidentService,
        sender: ReminderSender,
        *,
        room: RoomRepair,
        batch: int = 500,
        senders: Mapping[ReminderKind, ReminderSender] | None = None,
    ) -> None:
        self.incidents = incidents
        self.engine: Engine = incidents.engine
        self.outbox = incidents.outbox
        self.sender = sender
        self.policy: CadencePolicy = incidents.policy
        self.clock: Callable[[], datetime] = incidents.clock
        self.room = room
        self.batch = batch
        # Kinds another surface delivers (the status page reminder); the rest go to `sender`.
        self.senders: dict[ReminderKind, ReminderSender] = dict(senders or {})

    def register(self) -> None:
        """Deliver reminders from the outbox."""
        self.outbox.handle("reminder.deliver", self.deliver)

    async def tick(self) -> TickReport:
        """Claim what is due now; ask again for channels Slack refused to create."""
        report = TickReport()
        try:
            report.claimed = await run_in_transaction(self.engine, self.claim)
        except IntegrityError:
            # Another scheduler claimed the same due times first (SQLite has no row locks).
            report.conflicts += 1
        report.repairs = await run_in_transaction(self.engine, self._repair_rooms)
        self.outbox.kick()
        return report

    def claim(self, session: Session) -> list[int]:
        """A reminder row and its delivery for everything due now; the clocks move on (one
        transaction). Incidents whose clocks moved are republished (overdue shows)."""
        now = self.clock()
        incidents = _with_public_reminders(
            session, queries.list_due_incidents(session, now=now, limit=self.batch), now, self.batch
        )
        ids = [i.id for i in incidents if i.id is not None]
        commanders = queries.map_commanders(session, incident_ids=ids)
        rows: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for incident in incidents:
            assert incident.id is not None
            has_commander = incident.id in commanders
            due = cadence.claim_due(incident, self.policy, has_commander=has_commander, now=now)
            for item in due:
                rows.append(_row(incident.id, item.kind, item.due_at, now, seq=item.seq))
                event = self._event(incident, item, now)
                if event is not None:
                    events.append(event)
        rows += self._follow_up_rows(session, now)
        session.flush()  # the incidents' moved clocks; then the new rows in bulk
        queries.insert_timeline_events(session, rows=events)
        reminder_ids = queries.insert_reminders(session, rows=rows)
        deliveries = [
            new_effect(
                "reminder.deliver",
                key=f"reminder:{reminder_id}",
                stream=incident_stream(row["incident_id"]),
                payload={"reminder_id": reminder_id},
                now=now,
            )
            for reminder_id, row in zip(reminder_ids, rows, strict=True)
        ]
        add_effects(session, deliveries)
        # The status blocks show what is due now; an incident without a room is the repair's.
        shown = places_queries.map_places(
            session, incident_ids=ids, surface=self.room.surface, kind=self.room.kind
        )
        for incident in incidents:
            if incident.id in shown:
                self.incidents.publish_in(session, incident, now)
        return reminder_ids

    def _follow_up_rows(self, session: Session, now: datetime) -> list[dict[str, Any]]:
        """One reminder a day per overdue action item; one per due postmortem review."""
        day_start = datetime.combine(now.date(), time.min, tzinfo=UTC)
        rows = []
        for item in queries.list_overdue_action_items(
            session, today=now.date(), day_start=day_start, limit=self.batch
        ):
            assert item.id is not None
            kind = ReminderKind.ACTION_OVERDUE
            rows.append(_row(item.incident_id, kind, day_start, now, subject_id=item.id))
        for incident in queries.list_due_reviews(session, now=now, limit=self.batch):
            assert incident.id is not None and incident.review_due_at is not None
            due_at = incident.review_due_at
            rows.append(_row(incident.id, ReminderKind.REVIEW_DUE, due_at, now))
        return rows

    def _event(self, incident: Incident, due: DueReminder, now: datetime) -> dict[str, Any] | None:
        if due.kind == ReminderKind.UPDATE_DUE:
            kind = EventKind.UPDATE_MISSED
            text = f"{_missed(incident, now)} ({_nth(due.seq)} reminder in a row)"
        elif due.kind == ReminderKind.ACK_BREACH:
            kind = EventKind.ACK_TARGET_MISSED
            target = self.policy.ack_target(Severity(incident.severity))
            text = (
                f"Not acknowledged within the {incident.severity.value.upper()} target "
                f"({format_span(target)})"
            )
        else:
            return None
        return {
            "incident_id": incident.id,
            "kind": kind,
            "text": text,
            "mentions": [],
            "actor": None,
            "occurred_at": now,
            "source_ts": None,
            "permalink": None,
        }

    def _repair_rooms(self, session: Session) -> int:
        """Ask again for the rooms Slack refused to create at declaration (the incident was
        kept): a minute after, then at most once a minute, up to `MAX_REPAIRS` times."""
        now = self.clock()
        orphans = places_queries.list_incidents_without_place(
            session,
            surface=self.room.surface,
            kind=self.room.kind,
            steps=self.room.steps,
            declared_before=now - REPAIR_GRACE,
            retry_before=now - REPAIR_GRACE,
            max_failures=MAX_REPAIRS,
        )
        for incident in orphans:
            assert incident.id is not None
            roles = queries.list_roles(session, incident_id=incident.id)
            people = [incident.declared_by, *(r.user_id for r in roles)]
            # An alert's incident was declared by a tool, not a person: only people are invited.
            invite = [p for p in dict.fromkeys(people) if is_person(p)]
            self.incidents.publish_in(session, incident, now, invite=invite)
        return len(orphans)

    async def deliver(self, payload: Payload, attempt: Attempt) -> None:
        """Deliver one claimed reminder."""
        reminder_id = int(payload["reminder_id"])

        def load(session: Session) -> tuple[Reminder, IncidentSnapshot] | None:
            reminder = session.get(Reminder, reminder_id)
            if reminder is None:
                return None
            try:
                return reminder, read_snapshot(session, reminder.incident_id)
            except IncidentNotFound:
                return None

        loaded = await read(self.engine, load)
        if loaded is None:
            raise Permanent("reminder_not_found")
        reminder, snapshot = loaded
        sender = self.senders.get(ReminderKind(reminder.kind), self.sender)
        await sender.send(reminder, snapshot, retry=attempt.is_retry)

    # -- the clocks other features move, inside an incident's transaction ---------------------

    def customers_affected(self, incident: Incident, affected: bool, now: datetime) -> bool:
        """Record whether customers are affected (and arm the status page reminder); False
        when that was recorded already."""
        return cadence.set_customers_affected(incident, self.policy, affected=affected, now=now)

    def stakeholders_told(self, incident: Incident, now: datetime) -> None:
        """A stakeholder update went out: its clock restarts."""
        cadence.record_stakeholder_update(incident, self.policy, now=now)

    def published(self, incident: Incident, status: str, now: datetime) -> None:
        """The status page was updated for the incident."""
        cadence.record_publication(incident, status=status, now=now)


def _row(
    incident_id: int,
    kind: ReminderKind,
    due_at: datetime,
    now: datetime,
    *,
    seq: int = 1,
    subject_id: int = 0,
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "kind": kind,
        "subject_id": subject_id,
        "due_at": due_at,
        "seq": seq,
        "created_at": now,
    }


def _with_public_reminders(
    session: Session, due: Sequence[Incident], now: datetime, limit: int
) -> list[Incident]:
    """The due incidents and those whose status page reminder is due, by id."""
    query = (
        select(Incident)
        .where(
            col(Incident.public_reminder_at) <= now,
            col(Incident.status).in_([s.value for s in queries.OPEN]),
        )
        .order_by(col(Incident.id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    found = {i.id: i for i in due}
    for incident in session.exec(query):
        found.setdefault(incident.id, incident)
    return [found[key] for key in sorted(k for k in found if k is not None)]


def _missed(incident: Incident, now: datetime) -> str:
    """Which updates a nag is about: the status update, the stakeholders', or both."""
    status = cadence.status_update_due(incident, now)
    stakeholders = cadence.stakeholders_due(incident, now)
    if stakeholders and not status:
        return "Stakeholder update missed"
    if stakeholders:
        return "Status and stakeholder updates missed"
    return "Status update missed"


def _nth(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
