"""The scheduler: independent jobs, each reading its due work from the database and holding no
state, each isolated from the others' failures."""

import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


def build_scheduler(jobs: Mapping[str, tuple[Job, timedelta]]) -> AsyncIOScheduler:
    """An APScheduler with one interval job per entry, never overlapping itself. A job that
    raises is logged and runs again at its next interval; the others are unaffected."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    for name, (job, interval) in jobs.items():
        scheduler.add_job(
            _isolated(name, job),
            "interval",
            seconds=interval.total_seconds(),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def _isolated(name: str, job: Job) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        try:
            await job()
        except Exception:
            log.exception("scheduled job %s failed; it runs again at its next interval", name)

    return run
