"""What `warroom.yml` defines for the status page (components, branding) and the states it uses,
as plain values. The states are Atlassian Statuspage's, so its widgets and monitors read ours."""

from dataclasses import dataclass, field
from enum import StrEnum


class ComponentStatus(StrEnum):
    """A component's state, best first."""

    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"


class PublicStatus(StrEnum):
    """A public incident's state."""

    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MONITORING = "monitoring"
    RESOLVED = "resolved"


class Impact(StrEnum):
    """How bad a public incident is (and the page's indicator, with `maintenance`)."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class MaintenanceStatus(StrEnum):
    """A scheduled maintenance's state."""

    SCHEDULED = "scheduled"
    IN_PROGRESS = "in_progress"
    VERIFYING = "verifying"
    COMPLETED = "completed"


@dataclass(frozen=True)
class ComponentDef:
    """One component shown on the page; `services` are the incident services that affect it."""

    name: str
    group: str | None = None
    description: str = ""
    services: tuple[str, ...] = ()


@dataclass(frozen=True)
class Branding:
    """How the page looks: its name, logo, accent colour, and where to get help."""

    name: str = "Status"
    logo_url: str | None = None
    accent_color: str = "#1f6feb"
    support_url: str | None = None


@dataclass(frozen=True)
class StatusPageConfig:
    """Everything `warroom.yml` says about the status page."""

    components: tuple[ComponentDef, ...] = ()
    branding: Branding = field(default_factory=Branding)

    def component(self, name: str) -> ComponentDef | None:
        """The component called `name`, if any."""
        return next((c for c in self.components if c.name == name), None)
