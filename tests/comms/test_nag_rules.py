"""The update nag covers stakeholder updates for SEV1/SEV2, on the same cadence; a SEV1/SEV2
affecting customers with nothing on the status page is reminded once, 15 minutes on."""

from datetime import UTC, datetime, timedelta

from bot.incidents.rules import cadence
from bot.incidents.rules.cadence import CadencePolicy
from bot.slack.blocks.reminders import build_update_reminder
from storage.enums import ReminderKind, Severity, Status
from storage.models import Incident

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
NAGGED = frozenset({Severity.SEV1, Severity.SEV2})
POLICY = CadencePolicy(default_interval=30 * MIN, stakeholder_severities=NAGGED)


def _declared(severity: Severity = Severity.SEV2, policy: CadencePolicy = POLICY) -> Incident:
    incident = Incident(
        id=1,
        number=7,
        title="Checkout errors",
        severity=severity,
        status=Status.INVESTIGATING,
        declared_by="U1",
        declared_at=T0,
        acknowledged_at=T0,
    )
    cadence.start_clocks(incident, policy, has_commander=True)
    return incident


def _kinds(incident: Incident, at: datetime) -> list[tuple[ReminderKind, int]]:
    due = cadence.claim_due(incident, POLICY, has_commander=True, now=at)
    return [(d.kind, d.seq) for d in due]


def _lead(incident: Incident, at: datetime) -> str:
    _, blocks = build_update_reminder(incident, "U0CAROL", seq=1, now=at)
    return str(blocks[0]["text"]["text"])


def test_a_status_update_alone_leaves_the_stakeholders_due() -> None:
    incident = _declared()
    assert incident.stakeholder_update_due_at == T0 + 30 * MIN
    cadence.record_update(incident, POLICY, now=T0 + 20 * MIN)

    assert incident.next_update_due_at == T0 + 50 * MIN
    assert incident.update_reminder_at == T0 + 30 * MIN  # the stakeholders' turn comes first
    assert _kinds(incident, T0 + 30 * MIN) == [(ReminderKind.UPDATE_DUE, 1)]
    lead = _lead(incident, T0 + 30 * MIN)
    assert "a stakeholder update for *INC-7* is due" in lead
    assert "No stakeholder update was sent yet" in lead
    assert "Last update" not in lead


def test_both_overdue_are_named_together() -> None:
    incident = _declared()
    assert _kinds(incident, T0 + 31 * MIN) == [(ReminderKind.UPDATE_DUE, 1)]
    lead = _lead(incident, T0 + 31 * MIN)
    assert "a status update and a stakeholder update for *INC-7* are due" in lead
    assert "Last update 31m ago." in lead
    assert "`/incident stakeholders &lt;message&gt;`" in lead


def test_telling_stakeholders_restarts_their_clock_only() -> None:
    incident = _declared()
    cadence.record_update(incident, POLICY, now=T0 + 10 * MIN)
    cadence.record_stakeholder_update(incident, POLICY, now=T0 + 25 * MIN)

    assert incident.stakeholder_update_due_at == T0 + 55 * MIN
    assert incident.update_reminder_at == T0 + 40 * MIN  # the status update is due first now
    assert _kinds(incident, T0 + 39 * MIN) == []
    assert "a status update for *INC-7* is due" in _lead(incident, T0 + 40 * MIN)


def test_a_stakeholder_update_clears_the_missed_count_unless_a_status_update_is_overdue() -> None:
    incident = _declared()
    cadence.record_update(incident, POLICY, now=T0 + 20 * MIN)
    assert _kinds(incident, T0 + 30 * MIN) == [(ReminderKind.UPDATE_DUE, 1)]
    cadence.record_stakeholder_update(incident, POLICY, now=T0 + 35 * MIN)
    assert incident.missed_updates == 0
    assert incident.update_reminder_at == T0 + 50 * MIN

    late = _declared()
    assert _kinds(late, T0 + 30 * MIN) == [(ReminderKind.UPDATE_DUE, 1)]
    cadence.record_stakeholder_update(late, POLICY, now=T0 + 35 * MIN)
    assert late.missed_updates == 1  # the status update is still overdue: the nag goes on
    assert _kinds(late, T0 + 60 * MIN) == [(ReminderKind.UPDATE_DUE, 2)]


def test_sev3_and_severities_nobody_hears_of_are_not_nagged_for_stakeholders() -> None:
    assert _declared(Severity.SEV3).stakeholder_update_due_at is None
    quiet = _declared(Severity.SEV1, CadencePolicy(default_interval=30 * MIN))
    assert quiet.stakeholder_update_due_at is None
    assert quiet.update_reminder_at == T0 + 30 * MIN


def test_resolving_stops_the_stakeholder_clock() -> None:
    incident = _declared()
    incident.status = Status.RESOLVED
    cadence.reschedule_updates(incident, POLICY)
    assert incident.stakeholder_update_due_at is None
    assert not cadence.stakeholders_due(incident, T0 + 90 * MIN)


def test_customers_affected_on_a_sev1_reminds_once_fifteen_minutes_on() -> None:
    incident = _declared(Severity.SEV1)
    assert cadence.set_customers_affected(incident, POLICY, affected=True, now=T0 + 5 * MIN)
    assert not cadence.set_customers_affected(incident, POLICY, affected=True, now=T0 + 6 * MIN)
    assert incident.public_reminder_at == T0 + 20 * MIN
    assert (ReminderKind.PUBLIC_UPDATE_DUE, 1) not in _kinds(incident, T0 + 19 * MIN)
    assert (ReminderKind.PUBLIC_UPDATE_DUE, 1) in _kinds(incident, T0 + 20 * MIN)
    assert incident.public_reminder_at is None and incident.public_reminded_at == T0 + 20 * MIN

    cadence.reschedule_updates(incident, POLICY)  # a severity or status change: never twice
    assert incident.public_reminder_at is None


def test_a_publication_before_the_fifteen_minutes_means_no_reminder() -> None:
    incident = _declared(Severity.SEV2)
    cadence.set_customers_affected(incident, POLICY, affected=True, now=T0)
    cadence.record_publication(incident, status="investigating", now=T0 + 10 * MIN)
    assert incident.public_reminder_at is None
    cadence.reschedule_updates(incident, POLICY)
    assert incident.public_reminder_at is None
    assert (incident.public_status, incident.public_updated_at) == ("investigating", T0 + 10 * MIN)


def test_the_reminder_follows_the_severity_and_the_customers() -> None:
    incident = _declared(Severity.SEV3)
    cadence.set_customers_affected(incident, POLICY, affected=True, now=T0 + 2 * MIN)
    assert incident.public_reminder_at is None  # SEV3: no reminder
    incident.severity = Severity.SEV1
    cadence.reschedule_updates(incident, POLICY)  # what set_severity does
    assert incident.public_reminder_at == T0 + 17 * MIN
    cadence.set_customers_affected(incident, POLICY, affected=False, now=T0 + 3 * MIN)
    assert incident.public_reminder_at is None
    assert incident.customers_affected_at is None
