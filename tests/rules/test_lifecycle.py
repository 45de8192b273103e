"""The lifecycle as a table: every pair of statuses, allowed or not."""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from bot.incidents.rules.lifecycle import ALLOWED, transition
from bot.kernel.errors import InvalidInput, TransitionNotAllowed
from bot.slack.commands.incident import parse_severity, parse_status
from storage.enums import Severity, Status
from storage.models import Incident

NOW = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
EXPECTED_ALLOWED = {
    ("triage", "investigating"),
    ("triage", "identified"),
    ("triage", "mitigated"),
    ("triage", "resolved"),
    ("investigating", "identified"),
    ("investigating", "mitigated"),
    ("investigating", "resolved"),
    ("identified", "investigating"),
    ("identified", "mitigated"),
    ("identified", "resolved"),
    ("mitigated", "investigating"),
    ("mitigated", "identified"),
    ("mitigated", "resolved"),
    ("resolved", "investigating"),
    ("resolved", "closed"),
}


def _incident(status: Status) -> Incident:
    return Incident(
        id=1, number=1, title="t", severity=Severity.SEV2, status=status, declared_by="U1"
    )


@pytest.mark.parametrize(("source", "target"), list(product(Status, Status)))
def test_transition_table(source: Status, target: Status) -> None:
    incident = _incident(source)
    if (source.value, target.value) in EXPECTED_ALLOWED:
        assert transition(incident, target, now=NOW) == source
        assert incident.status == target
    else:
        with pytest.raises(TransitionNotAllowed):
            transition(incident, target, now=NOW)
        assert incident.status == source


def test_table_matches_expectation_exactly() -> None:
    pairs = {(s.value, t.value) for s, targets in ALLOWED.items() for t in targets}
    assert pairs == EXPECTED_ALLOWED


def test_first_entry_stamps_and_later_entries_keep_the_first_time() -> None:
    incident = _incident(Status.INVESTIGATING)
    transition(incident, Status.IDENTIFIED, now=NOW)
    transition(incident, Status.INVESTIGATING, now=NOW + timedelta(minutes=5))
    transition(incident, Status.IDENTIFIED, now=NOW + timedelta(minutes=9))
    assert incident.identified_at == NOW


def test_resolving_implies_mitigation_and_reopening_clears_resolution() -> None:
    incident = _incident(Status.INVESTIGATING)
    transition(incident, Status.RESOLVED, now=NOW)
    assert incident.mitigated_at == NOW and incident.resolved_at == NOW
    transition(incident, Status.INVESTIGATING, now=NOW + timedelta(hours=1))
    assert incident.resolved_at is None
    transition(incident, Status.RESOLVED, now=NOW + timedelta(hours=2))
    transition(incident, Status.CLOSED, now=NOW + timedelta(hours=3))
    assert incident.resolved_at == NOW + timedelta(hours=2)
    assert incident.closed_at == NOW + timedelta(hours=3)


def test_resolving_a_closed_incident_says_what_is_allowed() -> None:
    incident = _incident(Status.CLOSED)
    with pytest.raises(TransitionNotAllowed, match="closed"):
        transition(incident, Status.RESOLVED, now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"), [("sev1", Severity.SEV1), ("SEV4", Severity.SEV4), ("2", Severity.SEV2)]
)
def test_parse_severity(text: str, expected: Severity) -> None:
    assert parse_severity(text) == expected


@pytest.mark.parametrize("text", ["sev5", "critical", "", "sev0"])
def test_unknown_severity_lists_the_valid_ones(text: str) -> None:
    with pytest.raises(InvalidInput, match="sev1, sev2, sev3, sev4"):
        parse_severity(text)


def test_unknown_status_lists_the_valid_ones() -> None:
    with pytest.raises(InvalidInput, match="triage, investigating, identified, mitigated"):
        parse_status("fixed")
