"""The incident lifecycle: a table of allowed moves and one pure `transition()`."""

from datetime import datetime

from bot.kernel.errors import TransitionNotAllowed
from storage.enums import Severity, Status
from storage.models import Incident

OPEN_STATUSES = frozenset(
    {Status.TRIAGE, Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED}
)

ALLOWED: dict[Status, frozenset[Status]] = {
    Status.TRIAGE: frozenset(
        {Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED}
    ),
    Status.INVESTIGATING: frozenset({Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED}),
    Status.IDENTIFIED: frozenset({Status.INVESTIGATING, Status.MITIGATED, Status.RESOLVED}),
    Status.MITIGATED: frozenset({Status.INVESTIGATING, Status.IDENTIFIED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.INVESTIGATING, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}

STATUS_LABELS: dict[Status, str] = {
    Status.TRIAGE: "Triage",
    Status.INVESTIGATING: "Investigating",
    Status.IDENTIFIED: "Identified",
    Status.MITIGATED: "Mitigated",
    Status.RESOLVED: "Resolved",
    Status.CLOSED: "Closed",
}

SEVERITY_LABELS: dict[Severity, str] = {
    Severity.SEV1: "SEV1 · critical",
    Severity.SEV2: "SEV2 · major",
    Severity.SEV3: "SEV3 · minor",
    Severity.SEV4: "SEV4 · low",
}

_STAMPS: dict[Status, str] = {
    Status.IDENTIFIED: "identified_at",
    Status.MITIGATED: "mitigated_at",
    Status.RESOLVED: "resolved_at",
    Status.CLOSED: "closed_at",
}


def is_open(status: Status) -> bool:
    """Whether the incident still needs people (not resolved or closed)."""
    return status in OPEN_STATUSES


def transition(incident: Incident, target: Status, *, now: datetime) -> Status:
    """Move `incident` to `target`, stamping lifecycle times; return the previous status.

    The first entry into identified, mitigated, resolved and closed is stamped; resolving
    implies mitigation; reopening a resolved incident clears its resolution time.
    """
    current = Status(incident.status)
    if target == current:
        raise TransitionNotAllowed(f"The incident is already {STATUS_LABELS[current].lower()}.")
    if target not in ALLOWED[current]:
        allowed = ", ".join(s.value for s in sorted(ALLOWED[current], key=_order)) or "none"
        raise TransitionNotAllowed(
            f"An incident that is {STATUS_LABELS[current].lower()} cannot move to {target.value}. "
            f"Allowed next: {allowed}."
        )
    if current == Status.RESOLVED and target != Status.CLOSED:
        incident.resolved_at = None
    stamp = _STAMPS.get(target)
    if stamp and getattr(incident, stamp) is None:
        setattr(incident, stamp, now)
    if target == Status.RESOLVED and incident.mitigated_at is None:
        incident.mitigated_at = now
    incident.status = target
    return current


def _order(status: Status) -> int:
    return list(Status).index(status)
