"""The interfaces use cases talk through; adapters implement them."""

from dataclasses import dataclass, field
from typing import Any, Protocol

from storage.models import (
    ActionItem,
    Alert,
    AlertGroup,
    Incident,
    IncidentRole,
    Reminder,
    StatusUpdate,
)


@dataclass(frozen=True)
class AlertSummary:
    """An incident's or an offer's alerts: counts, and a few to show, firing and newest first."""

    total: int
    resolved: int
    sample: list[Alert] = field(default_factory=list)
    runbook: str = ""
    notice_ts: str | None = None  # the incident channel's "all resolved" notice, once posted

    @property
    def firing(self) -> int:
        """How many are still firing (or acknowledged at their source)."""
        return self.total - self.resolved

    @property
    def all_resolved(self) -> bool:
        """Whether there are alerts and every one has resolved."""
        return self.total > 0 and self.resolved == self.total


@dataclass(frozen=True)
class IncidentSnapshot:
    """Everything a surface needs to render one incident, read in one transaction."""

    incident: Incident
    roles: list[IncidentRole]
    latest_update: StatusUpdate | None
    action_items: list[ActionItem] = field(default_factory=list)
    alerts: AlertSummary | None = None  # None: not an incident with alerts


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


@dataclass(frozen=True)
class OfferView:
    """An offer to declare: the alert group, its alerts, and the incident once declared."""

    group: AlertGroup
    alerts: AlertSummary
    incident: Incident | None = None


class NotShown(Exception):
    """A message could not be posted or edited; `error` says why (a Slack error code)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


class AlertSurfaces(Protocol):
    """Where alerts are shown: offers with a Declare button, page DMs, resolved notices."""

    async def show_offer(self, view: OfferView) -> tuple[str, str]:
        """Post the offer (when `group.offer_ts` is None) or edit it; return (channel id, ts).

        It goes to `group.offer_channel_id`, in the thread `group.offer_thread_ts` if set.
        Raises NotShown.
        """
        ...

    async def send_page(self, target: str, snapshot: IncidentSnapshot) -> list[tuple[str, str]]:
        """DM the target (a user, or each member of a user group) with an Acknowledge button.

        Returns the (channel, ts) of every DM sent; raises NotShown when none could be sent.
        """
        ...

    async def show_page_acknowledged(
        self, messages: list[tuple[str, str]], snapshot: IncidentSnapshot, user: str
    ) -> None:
        """Edit the page DMs to say who acknowledged (best effort: never raises)."""
        ...

    async def announce_all_resolved(self, snapshot: IncidentSnapshot) -> str | None:
        """Tell the incident channel every alert resolved, with a Mark resolved button."""
        ...
