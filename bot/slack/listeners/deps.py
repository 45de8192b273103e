"""What listeners need from the composition root."""

from dataclasses import dataclass

from bot.services.events import EventLog
from bot.services.followups import FollowUpService
from bot.services.incidents import IncidentService
from bot.services.timeline import TimelineService
from bot.slack.guard import WorkSlots


@dataclass(frozen=True)
class ListenerDeps:
    """The use cases the listeners call."""

    incidents: IncidentService
    followups: FollowUpService
    timeline: TimelineService
    events: EventLog
    slots: WorkSlots
