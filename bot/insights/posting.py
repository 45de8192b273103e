"""`/incident stats`: the headline numbers of a period and a chart, posted where they were
asked for. The request is an outbox effect: the figures are read and the chart drawn when it
is carried out, and the chat adapter posts them once (a retry finds what it already posted).
"""

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.insights.charts import incidents_per_week, png_bytes, severity_mix
from bot.insights.definitions import Insights, MonthlyReport, PeriodKind, Trend
from bot.insights.service import InsightsService
from bot.kernel.outbox import Attempt, Outbox, Payload, new_effect

STATS = "insights.stats"


@dataclass(frozen=True)
class Attachment:
    """A file posted with the figures: a chart or the CSV."""

    filename: str
    title: str
    content: bytes


class InsightsChat(Protocol):
    """Where insights are posted (Slack)."""

    async def post_stats(
        self, channel: str, trend: Trend, files: Sequence[Attachment], *, key: str, retry: bool
    ) -> None:
        """Post a period's figures and their files in `channel`, once per `key`."""

    async def post_monthly(
        self,
        channel: str,
        report: MonthlyReport,
        files: Sequence[Attachment],
        *,
        key: str,
        retry: bool,
    ) -> None:
        """Post the monthly report and its files in `channel`, once per `key`."""

    async def refused(self, to: Mapping[str, Any], error: str) -> None:
        """Tell the person who asked that the figures could not be posted, and why."""


class StatsPosts:
    """Posts `/incident stats` through the outbox."""

    def __init__(self, insights: InsightsService, outbox: Outbox, chat: InsightsChat) -> None:
        self.insights = insights
        self.outbox = outbox
        self.chat = chat

    def register(self) -> None:
        """Carry out stats posts from the outbox."""
        self.outbox.handle(STATS, self._post, on_give_up=self._given_up)

    async def share(
        self, channel: str, period: PeriodKind, *, key: str, reply_to: Mapping[str, Any]
    ) -> None:
        """Post `period`'s figures in `channel` after this commit, once per `key`."""
        self.insights.period(period)  # an unknown period is refused here, not in the outbox
        effect = new_effect(
            STATS,
            key=f"{STATS}:{key}",
            stream=f"{STATS}:{channel}",
            payload={"channel": channel, "period": period.value, "reply_to": dict(reply_to)},
            now=self.outbox.clock(),
        )
        await self.outbox.enqueue([effect])

    async def _post(self, payload: Payload, attempt: Attempt) -> None:
        period = self.insights.period(str(payload["period"]))
        trend = await self.insights.trend(period)
        chart = await asyncio.to_thread(stats_chart, trend.current)
        await self.chat.post_stats(
            str(payload["channel"]), trend, [chart], key=attempt.key, retry=attempt.is_retry
        )

    async def _given_up(self, payload: Payload, error: str) -> None:
        await self.chat.refused(dict(payload.get("reply_to") or {}), error)


def stats_chart(insights: Insights) -> Attachment:
    """The chart posted with the stats: incidents per week by severity, or the severity mix for
    a week (one bar says little)."""
    stamp = insights.period.end.astimezone(insights.period.start.tzinfo).date().isoformat()
    if insights.period.kind == PeriodKind.DAYS_7:
        figure, stem = severity_mix(insights), "severity-mix"
    else:
        figure, stem = incidents_per_week(insights), "incidents-per-week"
    name = f"{stem}-{insights.period.kind.value}-{stamp}.png"
    return Attachment(name, f"{insights.period.label}: {stem.replace('-', ' ')}", png_bytes(figure))
