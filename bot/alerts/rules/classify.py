"""How a reported alert changes what we stored, and where a new alert belongs. Pure rules."""

from enum import StrEnum

from bot.alerts.rules.signals import AlertSignal
from storage.enums import AlertSource, AlertState, Refire, RouteAction, Status

# Sources whose key already names one instance (Alertmanager and Grafana put the start time in
# it): a firing report for a resolved key is a late delivery, not a re-fire.
INSTANCE_KEYED = frozenset({AlertSource.ALERTMANAGER, AlertSource.GRAFANA})


class Change(StrEnum):
    """What one report means for the stored alert."""

    NEW = "new"  # never seen: store it
    REPEAT = "repeat"  # the same state again: count it
    ACKNOWLEDGED = "acknowledged"  # acknowledged at its source
    RESOLVED = "resolved"  # it stopped firing
    REFIRED = "refired"  # the key fires again after resolving: a new instance
    STALE = "stale"  # a late firing report for a resolved instance: ignore
    UNSEEN = "unseen"  # a resolve or acknowledgement of something never seen: ignore


class Placement(StrEnum):
    """Where a new alert goes, given its group's current episode."""

    ATTACH = "attach"  # into the current episode (its incident or offer)
    REOPEN = "reopen"  # into the current episode, reopening its resolved incident
    NEW_EPISODE = "new_episode"  # a fresh episode: a new incident or a new offer


def classify(stored: AlertState | None, signal: AlertSignal) -> Change:
    """What `signal` does to an alert whose stored state is `stored` (None: unseen)."""
    if stored is None:
        return Change.NEW if signal.state == AlertState.FIRING else Change.UNSEEN
    if stored == AlertState.RESOLVED:
        if signal.state == AlertState.RESOLVED:
            return Change.REPEAT
        return Change.STALE if signal.source in INSTANCE_KEYED else Change.REFIRED
    if signal.state == AlertState.RESOLVED:
        return Change.RESOLVED
    if signal.state == AlertState.ACKNOWLEDGED and stored != AlertState.ACKNOWLEDGED:
        return Change.ACKNOWLEDGED
    return Change.REPEAT


def place(
    *,
    action: RouteAction,
    incident_status: Status | None,
    all_resolved: bool,
    on_refire: Refire,
) -> Placement:
    """Where a firing alert goes in a group whose current episode is described here.

    An open incident takes it; a resolved one is reopened or replaced as the route says; a
    closed one is always replaced. An offer whose alerts all resolved is replaced by a fresh
    offer, so the new one is not buried far up the channel.
    """
    if incident_status is None:
        if action == RouteAction.IGNORE or not all_resolved:
            return Placement.ATTACH
        return Placement.NEW_EPISODE
    if incident_status == Status.CLOSED:
        return Placement.NEW_EPISODE
    if incident_status == Status.RESOLVED:
        return Placement.REOPEN if on_refire == Refire.REOPEN else Placement.NEW_EPISODE
    return Placement.ATTACH
