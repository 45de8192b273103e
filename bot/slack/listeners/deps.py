"""What listeners need from the composition root."""

from dataclasses import dataclass

from bot.services.alerts import AlertService
from bot.services.events import EventLog
from bot.services.followups import FollowUpService
from bot.services.incidents import IncidentService
from bot.services.timeline import TimelineService
from bot.slack.guard import WorkSlots


@dataclass(frozen=True)
class ListenerDeps:
    """The use cases the listeners call, and which channels' alert posts to read."""

    incidents: IncidentService
    followups: FollowUpService
    timeline: TimelineService
    events: EventLog
    slots: WorkSlots
    alerts: AlertService
    alert_channels: frozenset[str] = frozenset()  # channel ids or names; empty: watch none
    own_bot_id: str | None = None  # our own posts are never read as alerts
