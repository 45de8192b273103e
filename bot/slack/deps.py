"""What the Slack listeners and request handlers need from the composition root."""

from dataclasses import dataclass, field

from bot.alerts.service import AlertService
from bot.comms.public import PublicUpdates
from bot.comms.service import CommsService
from bot.incidents.corrections import CorrectionService
from bot.incidents.followups import FollowUpService
from bot.incidents.service import IncidentService
from bot.incidents.timeline import TimelineService
from bot.incidents.updates import UpdateService
from bot.insights.posting import StatsPosts
from bot.kernel.inbox import Inbox
from bot.observability.metrics import Metrics
from bot.oncall.service import OncallService
from bot.paging.reach import Reach
from bot.paging.service import PagingService
from bot.people.service import PeopleService
from bot.slack.calls import SlackCalls
from bot.slack.surfaces.replies import SlackReplies
from bot.slack.watched import WatchedChannels


@dataclass(frozen=True)
class SlackDeps:
    """The use cases Slack requests call, the inbox they are stored in, and how to answer."""

    incidents: IncidentService
    updates: UpdateService
    followups: FollowUpService
    timeline: TimelineService
    alerts: AlertService
    inbox: Inbox
    replies: SlackReplies
    calls: SlackCalls
    watched: WatchedChannels = field(default_factory=lambda: WatchedChannels(frozenset()))
    own_bot_id: str | None = None  # our own posts are never read as alerts
    metrics: Metrics = field(default_factory=Metrics)  # acknowledgements are counted here
    oncall: OncallService | None = None  # on-call schedules (None: a test wired without them)
    people: PeopleService | None = None  # names and time zones (None: a test wired without them)
    paging: PagingService | None = None  # escalations and pages (None: a test wired without)
    reach: Reach | None = None  # contact methods and test pages (None: as above)
    comms: CommsService | None = None  # stakeholder updates (None: as above)
    status_page: PublicUpdates | None = None  # publishing from an incident (None: as above)
    corrections: CorrectionService | None = None  # times and drill marks (None: as above)
    stats: StatsPosts | None = None  # `/incident stats` (None: as above)

    @property
    def alert_channels(self) -> frozenset[str]:
        """The channels (ids or names) whose integration posts are alerts; empty: none."""
        return self.watched.ids | self.watched.names
