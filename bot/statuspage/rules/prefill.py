"""The component states a new public incident starts from: the components its services affect,
as bad as its severity."""

from collections.abc import Iterable, Mapping, Sequence

from bot.statuspage.definitions import ComponentDef, ComponentStatus
from storage.enums import Severity

STATE_FOR_SEVERITY: Mapping[Severity, ComponentStatus] = {
    Severity.SEV1: ComponentStatus.MAJOR_OUTAGE,
    Severity.SEV2: ComponentStatus.PARTIAL_OUTAGE,
    Severity.SEV3: ComponentStatus.DEGRADED_PERFORMANCE,
    Severity.SEV4: ComponentStatus.DEGRADED_PERFORMANCE,
}


def prefill_states(
    components: Iterable[ComponentDef], services: Sequence[str], severity: Severity | str
) -> dict[str, ComponentStatus]:
    """Each component whose `services` share one with the incident's, in the state the
    severity stands for; in the order the components are configured."""
    state = STATE_FOR_SEVERITY[Severity(str(severity).lower())]
    wanted = {service.strip().lower() for service in services}
    return {
        component.name: state
        for component in components
        if wanted & {service.strip().lower() for service in component.services}
    }
