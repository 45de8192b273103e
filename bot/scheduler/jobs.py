"""The scheduler: independent jobs, each reading its due work from the database and holding no
state, each isolated from the others' failures, each run timed and counted."""

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.observability.logs import log_context
from bot.observability.metrics import Metrics

log = logging.getLogger(__name__)
Job = Callable[[], Awaitable[object]]


def build_scheduler(
    jobs: Mapping[str, tuple[Job, timedelta]], *, metrics: Metrics | None = None
) -> AsyncIOScheduler:
    """An APScheduler with one interval job per entry, never overlapping itself. A job that
    raises is logged and runs again at its next interval; the others are unaffected. Each run's
    duration and failure go to `metrics`; its log lines carry `job=<name>`."""
    scheduler = AsyncIOScheduler(timezone=UTC)
    for name, (job, interval) in jobs.items():
        scheduler.add_job(
            _isolated(name, job, metrics),
            "interval",
            seconds=interval.total_seconds(),
            id=name,
            name=name,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
    return scheduler


def _isolated(name: str, job: Job, metrics: Metrics | None) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        started = time.perf_counter()
        failed = False
        with log_context(job=name):
            try:
                await job()
            except Exception:
                failed = True
                log.exception("scheduled job %s failed; it runs again at its next interval", name)
        if metrics is not None:
            metrics.job_run(name, time.perf_counter() - started, failed=failed)

    return run
