"""The scheduler's use case: claim due reminders once, deliver them, re-render the incidents."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.core import cadence
from bot.core.cadence import CadencePolicy, DueReminder
from bot.core.text import is_slack_user
from bot.core.timing import format_span
from bot.services.ports import ReminderNotSent, ReminderSender
from bot.services.publishing import Publisher
from bot.services.transactions import run_in_transaction
from storage import queries
from storage.enums import EventKind, ReminderKind, Severity
from storage.models import Incident, Reminder

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
REPAIR_GRACE = timedelta(minutes=1)
MAX_REPAIRS = 10


@dataclass
class TickReport:
    """What one tick did."""

    claimed: list[int] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    conflicts: int = 0


class ReminderService:
    """Due work lives in the database; every tick claims it atomically, then delivers it."""

    def __init__(
        self,
        engine: Engine,
        sender: ReminderSender,
        publisher: Publisher,
        *,
        policy: CadencePolicy,
        clock: Callable[[], datetime],
        batch: int = 500,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.publisher = publisher
        self.policy = policy
        self.clock = clock
        self.batch = batch
        self.lease = lease

    async def tick(self) -> TickReport:
        """Claim what is due, deliver it, retry what a dead process left behind."""
        report = TickReport()
        try:
            report.claimed = await run_in_transaction(self.engine, self.claim)
        except IntegrityError:
            # Another scheduler claimed the same due times first (SQLite has no row locks).
            report.conflicts += 1
        stale = await run_in_transaction(self.engine, self._reclaim_stale)
        for reminder_id in [*report.claimed, *stale]:
            if await self._deliver(reminder_id):
                report.sent += 1
            else:
                report.failed += 1
        incidents = await run_in_transaction(
            self.engine, lambda s: _incidents_of(s, [*report.claimed, *stale])
        )
        for incident_id in incidents:
            await self.publisher.publish(incident_id)
        await self._repair_channels()
        return report

    async def _repair_channels(self) -> None:
        """Retry creating channels Slack refused at declaration; the incident was kept."""
        now = self.clock()
        orphans = await run_in_transaction(
            self.engine,
            lambda s: queries.list_incidents_without_channel(
                s,
                declared_before=now - REPAIR_GRACE,
                retry_before=now - REPAIR_GRACE,
                max_failures=MAX_REPAIRS,
            ),
        )
        for incident in orphans:
            assert incident.id is not None
            snapshot = await self.publisher.snapshot(incident.id)
            people = [incident.declared_by, *(r.user_id for r in snapshot.roles)]
            # An alert's incident was declared by a tool, not a person: only people are invited.
            invite = [p for p in dict.fromkeys(people) if is_slack_user(p)]
            await self.publisher.publish(incident.id, invite=invite)

    def claim(self, session: Session) -> list[int]:
        """Create a reminder row for everything due now and move the clocks on (one tx)."""
        now = self.clock()
        incidents = queries.list_due_incidents(session, now=now, limit=self.batch)
        ids = [i.id for i in incidents if i.id is not None]
        commanders = queries.map_commanders(session, incident_ids=ids)
        reminders: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        for incident in incidents:
            assert incident.id is not None
            has_commander = incident.id in commanders
            for due in cadence.claim_due(
                incident, self.policy, has_commander=has_commander, now=now
            ):
                reminders.append(self._row(incident.id, due.kind, due.due_at, now, seq=due.seq))
                event = self._event(incident, due, now)
                if event is not None:
                    events.append(event)
        reminders += self._follow_up_rows(session, now)
        session.flush()  # the incidents' moved clocks; then the new rows in bulk
        queries.insert_timeline_events(session, rows=events)
        return queries.insert_reminders(session, rows=reminders)

    def _follow_up_rows(self, session: Session, now: datetime) -> list[dict[str, Any]]:
        """One reminder a day per overdue action item; one per due postmortem review."""
        day_start = datetime.combine(now.date(), time.min, tzinfo=UTC)
        rows = []
        for item in queries.list_overdue_action_items(
            session, today=now.date(), day_start=day_start, limit=self.batch
        ):
            assert item.id is not None
            kind = ReminderKind.ACTION_OVERDUE
            rows.append(self._row(item.incident_id, kind, day_start, now, subject_id=item.id))
        for incident in queries.list_due_reviews(session, now=now, limit=self.batch):
            assert incident.id is not None and incident.review_due_at is not None
            due_at = incident.review_due_at
            rows.append(self._row(incident.id, ReminderKind.REVIEW_DUE, due_at, now))
        return rows

    def _row(
        self,
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
            "claimed_until": now + self.lease,
            "sent_at": None,
            "attempts": 0,
            "last_error": None,
        }

    def _event(self, incident: Incident, due: DueReminder, now: datetime) -> dict[str, Any] | None:
        if due.kind == ReminderKind.UPDATE_DUE:
            kind = EventKind.UPDATE_MISSED
            text = f"Status update missed ({_nth(due.seq)} reminder in a row)"
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
            "actor": None,
            "occurred_at": now,
            "source_ts": None,
            "permalink": None,
        }

    def _reclaim_stale(self, session: Session) -> list[int]:
        now = self.clock()
        taken = []
        stale = queries.list_stale_reminders(
            session, now=now, limit=self.batch, max_attempts=MAX_ATTEMPTS
        )
        for reminder in stale:
            assert reminder.id is not None
            if queries.reclaim_reminder(
                session, reminder_id=reminder.id, now=now, until=now + self.lease
            ):
                taken.append(reminder.id)
        return taken

    async def _deliver(self, reminder_id: int) -> bool:
        reminder = await run_in_transaction(self.engine, lambda s: s.get(Reminder, reminder_id))
        if reminder is None or reminder.sent_at is not None:
            return False
        snapshot = await self.publisher.snapshot(reminder.incident_id)
        error: str | None = None
        try:
            await self.sender.send(reminder, snapshot)
        except ReminderNotSent as failure:
            error = failure.error
        except Exception as failure:  # network trouble: retried when the claim lapses
            log.exception("reminder %s failed", reminder_id)
            error = type(failure).__name__
        await run_in_transaction(self.engine, lambda s: self._finish(s, reminder_id, error))
        return error is None

    def _finish(self, session: Session, reminder_id: int, error: str | None) -> None:
        row = session.get(Reminder, reminder_id)
        if row is None:
            return
        now = self.clock()
        row.attempts += 1
        if error is None:
            row.sent_at = now
            return
        row.last_error = error[:500]
        # Back off before another process (or the next tick) tries again.
        row.claimed_until = now + timedelta(seconds=30 * 2**row.attempts)


def _incidents_of(session: Session, reminder_ids: list[int]) -> list[int]:
    """Incidents to re-render after their reminders: only those with a channel to show in
    (creating a missing channel is the repair sweep's job, with its own limits)."""
    ids = queries.incidents_of_reminders(session, reminder_ids=reminder_ids)
    found = queries.get_incidents(session, incident_ids=ids)
    return sorted(i for i, incident in found.items() if incident.channel_id)


def _nth(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")
