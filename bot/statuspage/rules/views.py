"""What the public pages, the feed and the summary JSON show: plain values read from the
database, holding only what was published."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.statuspage.definitions import ComponentStatus, Impact, MaintenanceStatus, PublicStatus
from bot.statuspage.rules.indicator import Indicator


@dataclass(frozen=True)
class PublicUpdateView:
    """One publication of a public incident."""

    id: int
    status: PublicStatus
    message: str
    at: datetime
    components: Mapping[str, ComponentStatus] = field(default_factory=dict)


@dataclass(frozen=True)
class PublicIncidentView:
    """A public incident with its updates, newest first."""

    id: int
    title: str
    status: PublicStatus
    impact: Impact
    created_at: datetime
    updated_at: datetime
    identified_at: datetime | None
    monitoring_at: datetime | None
    resolved_at: datetime | None
    components: Mapping[str, ComponentStatus]
    updates: tuple[PublicUpdateView, ...] = ()

    @property
    def latest(self) -> PublicUpdateView | None:
        """The newest update."""
        return self.updates[0] if self.updates else None

    @property
    def is_open(self) -> bool:
        """Whether it is not resolved."""
        return self.status is not PublicStatus.RESOLVED

    @property
    def affecting(self) -> tuple[str, ...]:
        """The components it holds in a state other than operational, while open."""
        if not self.is_open:
            return ()
        return tuple(n for n, s in self.components.items() if s is not ComponentStatus.OPERATIONAL)


@dataclass(frozen=True)
class MaintenanceView:
    """A scheduled maintenance."""

    id: int
    title: str
    body: str
    status: MaintenanceStatus
    components: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ComponentView:
    """A configured component and its state now; `since` is when it entered it (None: never
    recorded), `first_seen` when its history begins."""

    name: str
    group: str | None
    description: str
    status: ComponentStatus
    since: datetime | None
    first_seen: datetime | None
    position: int


@dataclass(frozen=True)
class PageView:
    """The page now: its indicator, components, open incidents, maintenance in progress and
    coming."""

    now: datetime
    indicator: Indicator
    description: str
    components: tuple[ComponentView, ...]
    incidents: tuple[PublicIncidentView, ...]
    maintenances: tuple[MaintenanceView, ...]
    updated_at: datetime | None

    @property
    def active_maintenances(self) -> tuple[MaintenanceView, ...]:
        """Maintenance in progress."""
        return tuple(m for m in self.maintenances if m.status is MaintenanceStatus.IN_PROGRESS)

    @property
    def upcoming_maintenances(self) -> tuple[MaintenanceView, ...]:
        """Maintenance scheduled and not started."""
        return tuple(m for m in self.maintenances if m.status is MaintenanceStatus.SCHEDULED)


@dataclass(frozen=True)
class HistoryPage:
    """One page of past public incidents, newest first."""

    incidents: tuple[PublicIncidentView, ...]
    page: int
    pages: int
    total: int
