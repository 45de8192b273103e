"""One interval job that asks the reminder service for due work; it holds no state."""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)


def build_ticker(tick: Callable[[], Awaitable[object]], interval: timedelta) -> AsyncIOScheduler:
    """An APScheduler with a single job calling `tick` every `interval`, never overlapping."""

    async def run_tick() -> None:
        try:
            await tick()
        except Exception:
            log.exception("scheduler tick failed; the next tick tries again")

    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        run_tick,
        "interval",
        seconds=interval.total_seconds(),
        id="warroom-tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    return scheduler
