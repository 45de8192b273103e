"""What the incident use cases need from the outside, one small protocol per capability.

Adapters implement them (the Slack surfaces, a document store); tests give fakes. A port
method raises `bot.kernel.outbox.Transient` for what may work later and `Permanent` for what
will not; a method that may run again after its answer was lost must be safe to repeat.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from storage.models import (
    ActionItem,
    Alert,
    Incident,
    IncidentRole,
    Reminder,
    StatusUpdate,
)

# Neutral kinds of place; each surface (slack, …) may show an incident in some of them.
ROOM, STATUS, ANNOUNCEMENT, POSTMORTEM, ALERTS_NOTICE = (
    "room",
    "status",
    "announcement",
    "postmortem",
    "alerts_notice",
)


def incident_stream(incident_id: int) -> str:
    """The outbox stream of an incident: its effects run one at a time, in order."""
    return f"incident:{incident_id}"


@dataclass(frozen=True)
class Place:
    """Where an incident is shown on one surface (a channel, a message, a file)."""

    surface: str
    kind: str
    channel_id: str = ""
    ts: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSummary:
    """An incident's or an offer's alerts: counts, and a few to show, firing and newest first."""

    total: int
    resolved: int
    sample: list[Alert] = field(default_factory=list)
    runbook: str = ""

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
    places: Mapping[tuple[str, str], Place] = field(default_factory=dict)

    @property
    def incident_id(self) -> int:
        """The incident's id."""
        assert self.incident.id is not None
        return self.incident.id

    def place(self, surface: str, kind: str) -> Place | None:
        """Where the incident is shown on `surface` as `kind`, if it is."""
        return self.places.get((surface, kind))

    def room(self) -> Place | None:
        """The room the incident is worked in (its channel), on whichever surface has one."""
        return next((p for p in self.places.values() if p.kind == ROOM), None)


@dataclass(frozen=True)
class StepFailure:
    """A step on a surface that failed for good; recorded and reported once."""

    step: str
    error: str


class PlaceStore(Protocol):
    """Where adapters keep what they showed, as soon as they showed it."""

    async def save(self, incident_id: int, place: Place) -> None:
        """Remember (or replace) the place of `place.kind` on `place.surface`."""
        ...

    async def forget(self, incident_id: int, surface: str, kind: str) -> None:
        """Forget a place that is gone (a deleted message)."""
        ...


class IncidentRoom(Protocol):
    """The incident's own room: its channel, the pinned status block, the topic."""

    async def sync(
        self, snapshot: IncidentSnapshot, *, invite: list[str], retry: bool
    ) -> list[StepFailure]:
        """Create what is missing and edit the rest in place; permanent failures are returned."""
        ...

    async def post_update(
        self, snapshot: IncidentSnapshot, update: StatusUpdate, *, retry: bool
    ) -> None:
        """Post a status update in the room."""
        ...

    async def report(self, snapshot: IncidentSnapshot, failures: list[StepFailure]) -> None:
        """Tell the room which steps failed for good, and what to do instead."""
        ...


class Announcements(Protocol):
    """Where stakeholders follow incidents: the digest post, edited in place."""

    async def sync(self, snapshot: IncidentSnapshot, *, retry: bool) -> list[StepFailure]:
        """Post or edit the incident's announcement; permanent failures are returned."""
        ...


class Confirmations(Protocol):
    """Telling the person who declared what came of it."""

    async def declared(
        self, snapshot: IncidentSnapshot, reply_to: Mapping[str, Any], failures: list[StepFailure]
    ) -> None:
        """Confirm a declaration where it was asked for (`reply_to` is the adapter's own)."""
        ...


class Documents(Protocol):
    """Sharing documents with the incident's people."""

    async def share_postmortem(
        self, snapshot: IncidentSnapshot, markdown: str, *, retry: bool
    ) -> None:
        """Share the postmortem document (and remember where, in the place store)."""
        ...


class ReminderSender(Protocol):
    """Where reminders go: the incident room, the commander's DMs, the digest thread."""

    async def send(self, reminder: Reminder, snapshot: IncidentSnapshot, *, retry: bool) -> None:
        """Deliver one reminder."""
        ...


class People(Protocol):
    """Who people are."""

    async def display_names(self, ids: list[str]) -> dict[str, str]:
        """Display names by id (those that cannot be looked up are left out)."""
        ...
