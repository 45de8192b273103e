"""What a status page publication starts from: the public status an incident's lifecycle
suggests."""

from bot.statuspage.definitions import PublicStatus
from storage.enums import Status

SUGGESTED: dict[Status, PublicStatus] = {
    Status.TRIAGE: PublicStatus.INVESTIGATING,
    Status.INVESTIGATING: PublicStatus.INVESTIGATING,
    Status.IDENTIFIED: PublicStatus.IDENTIFIED,
    Status.MITIGATED: PublicStatus.MONITORING,
    Status.RESOLVED: PublicStatus.RESOLVED,
    Status.CLOSED: PublicStatus.RESOLVED,
}


def suggested_status(status: Status | str) -> PublicStatus:
    """The public status matching where the incident is in its lifecycle."""
    return SUGGESTED[Status(status)]
