"""The monthly report post: on the first day of each month at the report time in the team's
zone, the month's summary, its charts (PNG) and its incidents (CSV) in the report channel.

Exactly once across restarts and replicas: each tick works out the last due instant from the
clock alone (nothing in memory) and writes the outbox effect keyed by the month; an effect key
is written once, whoever ticks. Only the month that just ended, and only while its due instant
is recent: a fresh install posts no old reports. The window is the outbox's retention of
finished effects, so a key cannot be pruned while a tick could still write it again; the chat
adapter also looks for its own post before posting, so a lost answer is not posted twice.
"""

import asyncio
from collections.abc import Callable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.insights.charts import all_charts, png_bytes
from bot.insights.definitions import MonthlyReport
from bot.insights.posting import Attachment, InsightsChat
from bot.insights.report import report_csv
from bot.insights.rules.report_schedule import (
    is_recent,
    last_due,
    month_key,
    parse_report_time,
    reported_month,
)
from bot.insights.service import InsightsService
from bot.kernel.outbox import Attempt, Outbox, Payload, new_effect
from bot.kernel.retention import EFFECT_RETENTION

MONTHLY = "insights.monthly_report"
WINDOW: timedelta = EFFECT_RETENTION


class MonthlyReports:
    """The scheduler job that writes the month's report post, and the post itself."""

    def __init__(
        self,
        outbox: Outbox,
        insights: InsightsService,
        chat: InsightsChat,
        *,
        channel: str | None,
        zone: str,
        at: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.outbox = outbox
        self.insights = insights
        self.chat = chat
        self.channel = channel
        self.zone = ZoneInfo(zone)
        self.at: time = parse_report_time(at)
        self.clock = clock

    def register(self) -> None:
        """Carry out report posts from the outbox."""
        self.outbox.handle(MONTHLY, self._post)

    async def tick(self) -> str | None:
        """Write the post of the month that just ended, if its time has come and it is recent
        (a key already written is left alone); the key, or None when nothing is due."""
        if not self.channel:
            return None
        now = self.clock()
        due = last_due(now, self.at, self.zone)
        if not is_recent(due, now, WINDOW):
            return None
        year, month = reported_month(due, self.zone)
        key = f"{MONTHLY}:{month_key(year, month)}"
        effect = new_effect(
            MONTHLY,
            key=key,
            stream=MONTHLY,
            payload={"channel": self.channel, "year": year, "month": month},
            now=now,
        )
        await self.outbox.enqueue([effect])
        return key

    async def _post(self, payload: Payload, attempt: Attempt) -> None:
        report = await self.insights.monthly_report(int(payload["year"]), int(payload["month"]))
        files = await asyncio.to_thread(report_files, report)
        # Always looked for first: a post whose effect row was pruned must not repeat.
        await self.chat.post_monthly(
            str(payload["channel"]), report, files, key=attempt.key, retry=True
        )


def report_files(report: MonthlyReport) -> list[Attachment]:
    """The charts as PNG and the month's incidents as CSV, named after the month."""
    month = f"{report.month:%Y-%m}"
    label = report.trend.current.period.label
    charts = all_charts(report.trend.current, report.history)
    files = [
        Attachment(f"{stem}-{month}.png", f"{label}: {stem.replace('-', ' ')}", png_bytes(figure))
        for stem, figure in charts.items()
    ]
    csv = report_csv(report).encode()
    files.append(Attachment(f"incidents-{month}.csv", f"{label}: incidents", csv))
    return files
