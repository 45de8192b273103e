"""When updates are due, when reminders fire, when acknowledgement targets are missed.

Pure rules over an incident and a policy; the caller passes `now`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.incidents.rules.lifecycle import is_open
from storage.enums import ReminderKind, Severity, Status
from storage.models import Incident

# A SEV1/SEV2 affecting customers with nothing on the status page gets one reminder.
PUBLIC_SEVERITIES = frozenset({Severity.SEV1, Severity.SEV2})
DEFAULT_ACK_TARGETS: Mapping[Severity, timedelta] = {
    Severity.SEV1: timedelta(minutes=15),
    Severity.SEV2: timedelta(minutes=30),
    Severity.SEV3: timedelta(hours=2),
    Severity.SEV4: timedelta(hours=24),
}


@dataclass(frozen=True)
class CadencePolicy:
    """How often updates are expected, and how fast an incident must be acknowledged."""

    default_interval: timedelta = timedelta(minutes=30)
    severity_intervals: Mapping[Severity, timedelta] = field(default_factory=dict)
    mitigated_interval: timedelta = timedelta(minutes=60)
    ack_targets: Mapping[Severity, timedelta] = field(
        default_factory=lambda: dict(DEFAULT_ACK_TARGETS)
    )
    commander_grace: timedelta = timedelta(minutes=5)
    # Severities whose stakeholder updates are due on the same cadence (none: not nagged).
    stakeholder_severities: frozenset[Severity] = frozenset()
    public_update_within: timedelta = timedelta(minutes=15)

    def update_interval(self, severity: Severity, status: Status) -> timedelta:
        """The update cadence for this severity and status."""
        if status == Status.MITIGATED:
            return self.mitigated_interval
        return self.severity_intervals.get(severity, self.default_interval)

    def ack_target(self, severity: Severity) -> timedelta:
        """How long an incident of this severity may stay unacknowledged."""
        return self.ack_targets.get(severity, DEFAULT_ACK_TARGETS[severity])


@dataclass(frozen=True)
class DueReminder:
    """A reminder that fires now: what about, for which due time, and its place in a row."""

    kind: ReminderKind
    due_at: datetime
    seq: int = 1


def start_clocks(incident: Incident, policy: CadencePolicy, *, has_commander: bool) -> None:
    """Set every clock of a newly declared incident."""
    declared = _required(incident.declared_at)
    incident.missed_updates = 0
    reschedule_updates(incident, policy)
    if incident.acknowledged_at is None:
        incident.ack_due_at = declared + policy.ack_target(Severity(incident.severity))
    incident.commander_reminder_at = None if has_commander else declared + policy.commander_grace


def reschedule_updates(
    incident: Incident, policy: CadencePolicy, *, since: datetime | None = None
) -> None:
    """Recompute the update due time from the last update (or the declaration, or `since`).

    Called when the cadence changes (severity or status): the clock keeps running from the
    last update instead of restarting. A closed or resolved incident is never nagged. Where
    stakeholder updates are nagged for too, the reminder comes at whichever is due first.
    """
    if not is_open(Status(incident.status)):
        incident.next_update_due_at = incident.update_reminder_at = None
        incident.ack_due_at = incident.commander_reminder_at = None
        incident.stakeholder_update_due_at = incident.public_reminder_at = None
        return
    interval = policy.update_interval(Severity(incident.severity), Status(incident.status))
    incident.next_update_due_at = (
        since or incident.last_update_at or _required(incident.declared_at)
    ) + interval
    incident.stakeholder_update_due_at = None
    if Severity(incident.severity) in policy.stakeholder_severities:
        told = incident.last_stakeholder_update_at or _required(incident.declared_at)
        incident.stakeholder_update_due_at = max(told, since or told) + interval
    if incident.missed_updates == 0:
        due = [incident.next_update_due_at, incident.stakeholder_update_due_at]
        incident.update_reminder_at = min(t for t in due if t is not None)
    arm_public_reminder(incident, policy)


def record_stakeholder_update(incident: Incident, policy: CadencePolicy, *, now: datetime) -> None:
    """Stakeholders were told: their clock restarts; the missed count clears unless a status
    update is overdue too."""
    incident.last_stakeholder_update_at = now
    if incident.next_update_due_at is None or incident.next_update_due_at > now:
        incident.missed_updates = 0
    reschedule_updates(incident, policy)


def set_customers_affected(
    incident: Incident, policy: CadencePolicy, *, affected: bool, now: datetime
) -> bool:
    """Record whether customers are affected; False when that was recorded already."""
    if affected == (incident.customers_affected_at is not None):
        return False
    incident.customers_affected_at = now if affected else None
    arm_public_reminder(incident, policy)
    return True


def record_publication(incident: Incident, *, status: str, now: datetime) -> None:
    """The status page was updated for this incident: its line shows it, and nobody is
    reminded to publish."""
    incident.public_status, incident.public_updated_at = status, now
    incident.public_reminder_at = None


def arm_public_reminder(incident: Incident, policy: CadencePolicy) -> None:
    """Due `public_update_within` after customers became affected (or the declaration), for an
    open SEV1/SEV2 affecting customers with nothing public yet; once, never again."""
    affected = incident.customers_affected_at
    if (
        affected is None
        or not is_open(Status(incident.status))
        or Severity(incident.severity) not in PUBLIC_SEVERITIES
        or incident.public_updated_at is not None
        or incident.public_reminded_at is not None
    ):
        incident.public_reminder_at = None
        return
    incident.public_reminder_at = (
        max(affected, _required(incident.declared_at)) + policy.public_update_within
    )


def reschedule_ack_target(incident: Incident, policy: CadencePolicy) -> None:
    """A severity change moves the acknowledgement deadline (still counted from declaration)."""
    if incident.acknowledged_at is None and incident.ack_breached_at is None:
        target = policy.ack_target(Severity(incident.severity))
        incident.ack_due_at = _required(incident.declared_at) + target


def record_update(incident: Incident, policy: CadencePolicy, *, now: datetime) -> None:
    """An update was posted: the clock restarts and the missed count clears."""
    count_update(incident, now=now)
    incident.missed_updates = 0
    reschedule_updates(incident, policy)


def count_update(incident: Incident, *, now: datetime) -> None:
    """Mark a status update posted at `now` (its `update` event is written with it): on time
    unless an update reminder came since the update before (or the declaration)."""
    reminded, last = incident.last_update_reminder_at, incident.last_update_at
    if reminded is None or (last is not None and reminded < last):
        incident.updates_on_time += 1
    incident.last_update_at = now


def count_reminder(incident: Incident, *, now: datetime) -> None:
    """Mark an update reminder sent at `now` (its `update_missed` event is written with it)."""
    incident.updates_missed += 1
    incident.last_update_reminder_at = now


def reopen(incident: Incident, policy: CadencePolicy, *, now: datetime) -> None:
    """A resolved incident came back: its update clock starts again from now."""
    incident.missed_updates = 0
    reschedule_updates(incident, policy, since=now)


def snooze(incident: Incident, *, until: datetime) -> None:
    """Hold the next update reminder until `until`."""
    incident.update_reminder_at = until


def claim_due(
    incident: Incident, policy: CadencePolicy, *, has_commander: bool, now: datetime
) -> list[DueReminder]:
    """The reminders due now; advances the incident's clocks so each fires once."""
    if not is_open(Status(incident.status)):
        incident.update_reminder_at = incident.ack_due_at = None
        incident.commander_reminder_at = incident.public_reminder_at = None
        return []
    due: list[DueReminder] = []
    if incident.update_reminder_at is not None and incident.update_reminder_at <= now:
        incident.missed_updates += 1
        count_reminder(incident, now=now)
        due.append(
            DueReminder(
                ReminderKind.UPDATE_DUE, incident.update_reminder_at, incident.missed_updates
            )
        )
        interval = policy.update_interval(Severity(incident.severity), Status(incident.status))
        incident.update_reminder_at = now + interval
    if incident.ack_due_at is not None and incident.ack_due_at <= now:
        if incident.acknowledged_at is None:
            due.append(DueReminder(ReminderKind.ACK_BREACH, incident.ack_due_at))
            incident.ack_breached_at = now
        incident.ack_due_at = None
    if incident.commander_reminder_at is not None and incident.commander_reminder_at <= now:
        if not has_commander:
            due.append(DueReminder(ReminderKind.COMMANDER_MISSING, incident.commander_reminder_at))
        incident.commander_reminder_at = None
    if incident.public_reminder_at is not None and incident.public_reminder_at <= now:
        due.append(DueReminder(ReminderKind.PUBLIC_UPDATE_DUE, incident.public_reminder_at))
        incident.public_reminder_at, incident.public_reminded_at = None, now
    return due


def stakeholders_due(incident: Incident, now: datetime) -> bool:
    """Whether a stakeholder update is due (none was sent within the cadence)."""
    due = incident.stakeholder_update_due_at
    return due is not None and due <= now and is_open(Status(incident.status))


def status_update_due(incident: Incident, now: datetime) -> bool:
    """Whether a status update is due."""
    due = incident.next_update_due_at
    return due is not None and due <= now and is_open(Status(incident.status))


def earliest_due(incident: Incident) -> datetime | None:
    """The next moment the scheduler has something to do for this incident."""
    times = [
        t
        for t in (
            incident.update_reminder_at,
            incident.ack_due_at,
            incident.commander_reminder_at,
            incident.public_reminder_at,
        )
        if t is not None
    ]
    return min(times) if times else None


def _required(value: datetime | None) -> datetime:
    if value is None:
        raise ValueError("incident has no declaration time")
    return value
