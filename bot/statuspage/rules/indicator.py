"""The page's one-line status: Statuspage's indicator and its words."""

from collections.abc import Iterable, Mapping
from enum import StrEnum

from bot.statuspage.definitions import ComponentStatus, Impact
from bot.statuspage.rules.states import IMPACT_RANK, worst, worst_impact


class Indicator(StrEnum):
    """The page's indicator: an impact, or maintenance when only maintenance is going on."""

    NONE = "none"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"
    MAINTENANCE = "maintenance"


DESCRIPTIONS: Mapping[Indicator, str] = {
    Indicator.NONE: "All Systems Operational",
    Indicator.MINOR: "Minor Service Outage",
    Indicator.MAJOR: "Partial System Outage",
    Indicator.CRITICAL: "Major System Outage",
    Indicator.MAINTENANCE: "Service Under Maintenance",
}
_FOR_STATE: Mapping[ComponentStatus, Impact] = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}


def page_indicator(
    states: Iterable[ComponentStatus],
    incident_impacts: Iterable[Impact],
    *,
    maintenance_in_progress: bool = False,
) -> tuple[Indicator, str]:
    """The indicator and its description from the components' states and the impacts of the
    open incidents: the worst of them; maintenance when nothing is worse than maintenance."""
    states = list(states)
    impact = worst_impact([_FOR_STATE[worst(states)], *incident_impacts])
    if IMPACT_RANK[impact] == 0:
        under = maintenance_in_progress or ComponentStatus.UNDER_MAINTENANCE in states
        indicator = Indicator.MAINTENANCE if under else Indicator.NONE
    else:
        indicator = Indicator(impact.value)
    return indicator, DESCRIPTIONS[indicator]
