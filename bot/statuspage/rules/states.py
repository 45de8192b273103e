"""Component states: which is worse, what the open incidents and maintenance hold, and the
impact a set of states amounts to."""

from collections.abc import Iterable, Mapping

from bot.statuspage.definitions import ComponentStatus, Impact

# Worst last. Maintenance is planned and announced: any outage is worse news than it.
RANK: Mapping[ComponentStatus, int] = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
IMPACT_RANK: Mapping[Impact, int] = {
    Impact.NONE: 0,
    Impact.MINOR: 1,
    Impact.MAJOR: 2,
    Impact.CRITICAL: 3,
}
_IMPACT_OF: Mapping[ComponentStatus, Impact] = {
    ComponentStatus.OPERATIONAL: Impact.NONE,
    ComponentStatus.UNDER_MAINTENANCE: Impact.NONE,
    ComponentStatus.DEGRADED_PERFORMANCE: Impact.MINOR,
    ComponentStatus.PARTIAL_OUTAGE: Impact.MAJOR,
    ComponentStatus.MAJOR_OUTAGE: Impact.CRITICAL,
}
# Up for the uptime figures: maintenance was announced ahead, as Statuspage counts it.
UP = frozenset({ComponentStatus.OPERATIONAL, ComponentStatus.UNDER_MAINTENANCE})


def worst(states: Iterable[ComponentStatus]) -> ComponentStatus:
    """The worst of `states`; operational when there are none."""
    return max(states, key=RANK.__getitem__, default=ComponentStatus.OPERATIONAL)


def worst_impact(impacts: Iterable[Impact]) -> Impact:
    """The worst of `impacts`; none when there are none."""
    return max(impacts, key=IMPACT_RANK.__getitem__, default=Impact.NONE)


def impact_of(states: Iterable[ComponentStatus], *, open_incident: bool = True) -> Impact:
    """The impact of an incident that set these states: an open incident with no component
    down is still minor news (someone chose to publish it)."""
    impact = worst_impact(_IMPACT_OF[state] for state in states)
    return Impact.MINOR if impact is Impact.NONE and open_incident else impact


def held_states(
    incidents: Iterable[Mapping[str, ComponentStatus]], maintenances: Iterable[Iterable[str]]
) -> dict[str, ComponentStatus]:
    """The state each component is held in: the worst any open incident gave it, or under
    maintenance while a maintenance covering it is in progress."""
    held: dict[str, list[ComponentStatus]] = {}
    for states in incidents:
        for name, state in states.items():
            held.setdefault(name, []).append(state)
    for names in maintenances:
        for name in names:
            held.setdefault(name, []).append(ComponentStatus.UNDER_MAINTENANCE)
    return {name: worst(states) for name, states in held.items()}


def state_changes(
    components: Iterable[str],
    current: Mapping[str, ComponentStatus],
    held: Mapping[str, ComponentStatus],
) -> dict[str, ComponentStatus]:
    """The components whose state must change to what they are held in (operational when
    nothing holds them), and their new states; a component never recorded is operational."""
    changes: dict[str, ComponentStatus] = {}
    for name in components:
        wanted = held.get(name, ComponentStatus.OPERATIONAL)
        if current.get(name, ComponentStatus.OPERATIONAL) != wanted:
            changes[name] = wanted
    return changes


def merge_components(
    before: Mapping[str, ComponentStatus], given: Mapping[str, ComponentStatus]
) -> dict[str, ComponentStatus]:
    """An incident's affected components after an update: earlier ones keep their states
    unless the update names them again."""
    return {**before, **given}


def holding(components: Mapping[str, ComponentStatus]) -> dict[str, ComponentStatus]:
    """The states an open incident holds: its affected components that are not operational."""
    return {
        name: state
        for name, state in components.items()
        if state is not ComponentStatus.OPERATIONAL
    }
