"""The update cadence, reminders and acknowledgement targets, on a fixed clock."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.incidents.rules import cadence
from bot.incidents.rules.cadence import CadencePolicy
from storage.enums import ReminderKind, Severity, Status
from storage.models import Incident

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
POLICY = CadencePolicy(
    default_interval=30 * MIN,
    severity_intervals={Severity.SEV1: 15 * MIN},
    mitigated_interval=60 * MIN,
)


def _declared(
    severity: Severity = Severity.SEV2,
    *,
    has_commander: bool = True,
    status: Status = Status.INVESTIGATING,
) -> Incident:
    incident = Incident(
        id=1,
        number=1,
        title="t",
        severity=severity,
        status=status,
        declared_by="U1",
        declared_at=T0,
    )
    cadence.start_clocks(incident, POLICY, has_commander=has_commander)
    return incident


def _kinds(due: list[cadence.DueReminder]) -> list[tuple[ReminderKind, int]]:
    return [(d.kind, d.seq) for d in due]


@pytest.mark.parametrize(
    ("severity", "status", "interval"),
    [
        (Severity.SEV1, Status.INVESTIGATING, 15 * MIN),
        (Severity.SEV2, Status.INVESTIGATING, 30 * MIN),
        (Severity.SEV4, Status.IDENTIFIED, 30 * MIN),
        (Severity.SEV1, Status.MITIGATED, 60 * MIN),
        (Severity.SEV3, Status.MITIGATED, 60 * MIN),
    ],
)
def test_interval_by_severity_and_status(
    severity: Severity, status: Status, interval: timedelta
) -> None:
    assert POLICY.update_interval(severity, status) == interval


def test_declaration_starts_every_clock() -> None:
    incident = _declared(Severity.SEV1, has_commander=False)
    assert incident.next_update_due_at == incident.update_reminder_at == T0 + 15 * MIN
    assert incident.ack_due_at == T0 + 15 * MIN  # SEV1 target
    assert incident.commander_reminder_at == T0 + 5 * MIN


def test_nothing_fires_before_it_is_due() -> None:
    incident = _declared()
    assert cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 29 * MIN) == []


def test_missed_updates_count_up_and_fire_once_per_due_time() -> None:
    incident = _declared(Severity.SEV3)
    incident.acknowledged_at = T0
    incident.ack_due_at = None
    first = cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 30 * MIN)
    assert _kinds(first) == [(ReminderKind.UPDATE_DUE, 1)]
    assert first[0].due_at == T0 + 30 * MIN
    # The same moment again claims nothing: the clock moved on.
    assert cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 30 * MIN) == []
    second = cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 60 * MIN)
    third = cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 90 * MIN)
    assert _kinds(second + third) == [(ReminderKind.UPDATE_DUE, 2), (ReminderKind.UPDATE_DUE, 3)]
    # The status block keeps showing the original due time: overdue since then.
    assert incident.next_update_due_at == T0 + 30 * MIN


def test_posting_an_update_resets_the_clock_and_the_count() -> None:
    incident = _declared()
    cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 31 * MIN)
    cadence.record_update(incident, POLICY, now=T0 + 40 * MIN)
    assert incident.missed_updates == 0
    assert incident.next_update_due_at == incident.update_reminder_at == T0 + 70 * MIN
    assert cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 69 * MIN) == []
    again = cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 70 * MIN)
    assert _kinds(again) == [(ReminderKind.UPDATE_DUE, 1)]


def test_cadence_change_reschedules_from_the_last_update() -> None:
    incident = _declared(Severity.SEV3)
    cadence.record_update(incident, POLICY, now=T0 + 10 * MIN)
    incident.severity = Severity.SEV1
    cadence.reschedule_updates(incident, POLICY)
    assert incident.next_update_due_at == T0 + 25 * MIN  # last update + SEV1's 15 min
    incident.status = Status.MITIGATED
    cadence.reschedule_updates(incident, POLICY)
    assert incident.next_update_due_at == T0 + 70 * MIN  # last update + mitigated 60 min


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_resolved_and_closed_are_never_nagged(status: Status) -> None:
    incident = _declared()
    incident.status = status
    cadence.reschedule_updates(incident, POLICY)
    assert incident.update_reminder_at is None and incident.next_update_due_at is None
    assert cadence.claim_due(incident, POLICY, has_commander=False, now=T0 + 1000 * MIN) == []


def test_reopening_restarts_the_clock_from_now() -> None:
    incident = _declared()
    incident.status = Status.RESOLVED
    cadence.reschedule_updates(incident, POLICY)
    incident.status = Status.INVESTIGATING
    cadence.reopen(incident, POLICY, now=T0 + 300 * MIN)
    assert incident.update_reminder_at == T0 + 330 * MIN


def test_snooze_holds_the_reminder() -> None:
    incident = _declared()
    cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 30 * MIN)
    cadence.snooze(incident, until=T0 + 90 * MIN)
    assert cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 89 * MIN) == []
    late = cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 90 * MIN)
    assert _kinds(late) == [(ReminderKind.UPDATE_DUE, 2)]


@pytest.mark.parametrize(
    ("severity", "target"),
    [
        (Severity.SEV1, 15 * MIN),
        (Severity.SEV2, 30 * MIN),
        (Severity.SEV3, 120 * MIN),
        (Severity.SEV4, 1440 * MIN),
    ],
)
def test_acknowledgement_target_breach_fires_once(severity: Severity, target: timedelta) -> None:
    policy = CadencePolicy(default_interval=10_000 * MIN)
    incident = Incident(
        id=1,
        number=1,
        title="t",
        severity=severity,
        status=Status.TRIAGE,
        declared_by="U1",
        declared_at=T0,
    )
    cadence.start_clocks(incident, policy, has_commander=True)
    assert cadence.claim_due(incident, policy, has_commander=True, now=T0 + target - MIN) == []
    due = cadence.claim_due(incident, policy, has_commander=True, now=T0 + target)
    assert _kinds(due) == [(ReminderKind.ACK_BREACH, 1)]
    assert incident.ack_breached_at == T0 + target
    assert cadence.claim_due(incident, policy, has_commander=True, now=T0 + 2 * target) == []


def test_acknowledged_in_time_is_no_breach() -> None:
    incident = _declared(Severity.SEV1)
    incident.acknowledged_at, incident.ack_due_at = T0 + MIN, None
    due = cadence.claim_due(incident, POLICY, has_commander=True, now=T0 + 14 * MIN)
    assert due == [] and incident.ack_breached_at is None


def test_severity_change_moves_the_ack_deadline() -> None:
    incident = _declared(Severity.SEV3)
    incident.severity = Severity.SEV1
    cadence.reschedule_ack_target(incident, POLICY)
    assert incident.ack_due_at == T0 + 15 * MIN


def test_commander_reminder_fires_once_and_only_without_commander() -> None:
    incident = _declared(has_commander=False)
    due = cadence.claim_due(incident, POLICY, has_commander=False, now=T0 + 5 * MIN)
    assert _kinds(due) == [(ReminderKind.COMMANDER_MISSING, 1)]
    assert cadence.claim_due(incident, POLICY, has_commander=False, now=T0 + 10 * MIN) == []
    led = _declared(has_commander=False)
    assert cadence.claim_due(led, POLICY, has_commander=True, now=T0 + 5 * MIN) == []
