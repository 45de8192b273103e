"""The interfaces use cases talk through; adapters implement them."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from storage.models import ActionItem, Incident, IncidentRole, Reminder, StatusUpdate


@dataclass(frozen=True)
class IncidentSnapshot:
    """Everything a surface needs to render one incident, read in one transaction."""

    incident: Incident
    roles: list[IncidentRole]
    latest_update: StatusUpdate | None
    action_items: list[ActionItem] = field(default_factory=list)


@dataclass(frozen=True)
class StepFailure:
    """A side-effect step that still failed after its retries."""

    step: str
    error: str


@dataclass
class SurfaceResult:
    """What publishing changed (incident columns to store) and what failed."""

    changes: dict[str, Any] = field(default_factory=dict)
    failures: list[StepFailure] = field(default_factory=list)


class IncidentSurfaces(Protocol):
    """Where incidents are shown: the incident channel, its status block, the digest."""

    async def sync(self, snapshot: IncidentSnapshot, *, invite: list[str]) -> SurfaceResult:
        """Create what is missing and edit the rest in place to match the snapshot."""
        ...

    async def post_update(self, snapshot: IncidentSnapshot, update: StatusUpdate) -> str | None:
        """Post a status update in the incident channel; return its message ts."""
        ...

    async def report(self, snapshot: IncidentSnapshot, failures: list[StepFailure]) -> None:
        """Tell the incident channel which steps failed."""
        ...

    async def display_names(self, user_ids: list[str]) -> dict[str, str]:
        """People's display names by user id (those it could not look up are left out)."""
        ...

    async def share_postmortem(
        self, snapshot: IncidentSnapshot, markdown: str, *, comment: str
    ) -> tuple[str, str]:
        """Upload the postmortem document to the incident channel; return (file id, permalink)."""
        ...


class ShareFailed(Exception):
    """A document could not be shared; `error` says why (a Slack error code)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class ReminderNotSent(Exception):
    """A reminder could not be delivered; `error` says why (a Slack error code)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class ReminderSender(Protocol):
    """Where reminders go: the incident channel, the commander's DMs, the digest thread."""

    async def send(self, reminder: Reminder, snapshot: IncidentSnapshot) -> None:
        """Deliver one reminder, or raise ReminderNotSent."""
        ...
