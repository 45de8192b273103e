"""What a status page publication starts from: the draft the form shows, and the public
status an incident's lifecycle suggests."""

from collections.abc import Mapping
from dataclasses import dataclass

from bot.statuspage.definitions import ComponentStatus, PublicStatus
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


@dataclass(frozen=True)
class PublicDraft:
    """What the status page form starts from for an incident."""

    incident_id: int
    reference: str  # INC-7
    title: str  # the public title, or the incident's until one is published
    status: PublicStatus
    components: Mapping[str, ComponentStatus]  # as the incident holds them, else prefilled
    names: tuple[str, ...]  # every component of the page, in its order
    published: bool
