"""Insights wired: the service (periods cut in the team's zone, hours on call from the on-call
feature), `/incident stats` and the monthly report posted in Slack, and the corrections of an
incident's times and drill mark that insights measure from."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from bot.incidents.corrections import CorrectionService
from bot.incidents.service import IncidentService
from bot.insights.monthly import MonthlyReports
from bot.insights.posting import StatsPosts
from bot.insights.service import InsightsService, oncall_hours_from
from bot.oncall.service import OncallService
from bot.scheduler.jobs import Job
from bot.slack.surfaces.insights import SlackInsights
from bot.slack.surfaces.replies import SlackReplies
from bot.wiring.kernel import Kernel


@dataclass(frozen=True)
class Insights:
    """The insights service, the stats posts, the monthly report job, the corrections."""

    service: InsightsService
    stats: StatsPosts
    monthly: MonthlyReports
    corrections: CorrectionService

    def jobs(self, interval: timedelta) -> Mapping[str, tuple[Job, timedelta]]:
        """Its scheduled job: the monthly report, written once its time has come."""
        return {"insights-monthly-report": (self.monthly.tick, interval)}


def wire_insights(
    kernel: Kernel, incidents: IncidentService, oncall: OncallService, replies: SlackReplies
) -> Insights:
    """Insights in the team's zone (`WARROOM_TIMEZONE`), posted in Slack; the monthly report
    in `WARROOM_REPORT_CHANNEL` at `WARROOM_REPORT_TIME` (none without a channel)."""
    settings, clock = kernel.settings, kernel.clock
    zone = settings.warroom_timezone
    service = InsightsService(
        kernel.engine, clock=clock, zone=zone, on_call_hours=oncall_hours_from(oncall)
    )
    chat = SlackInsights(kernel.calls, replies)
    stats = StatsPosts(service, kernel.outbox, chat)
    monthly = MonthlyReports(
        kernel.outbox,
        service,
        chat,
        channel=settings.warroom_report_channel,
        zone=zone,
        at=settings.warroom_report_time,
        clock=clock,
    )
    stats.register()
    monthly.register()
    return Insights(service, stats, monthly, CorrectionService(incidents, zone=zone))
