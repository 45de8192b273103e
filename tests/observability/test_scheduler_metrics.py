"""Scheduled jobs are timed and their failures counted by job; their log lines name the job."""

import asyncio
from datetime import timedelta

from bot.observability.logs import current_context
from bot.observability.metrics import Metrics
from bot.scheduler.jobs import build_scheduler


async def test_each_run_is_timed_and_each_failure_counted_by_job() -> None:
    metrics = Metrics()
    seen: dict[str, list[str]] = {"fine": [], "broken": []}

    async def fine() -> None:
        seen["fine"].append(current_context().get("job", ""))

    async def broken() -> None:
        seen["broken"].append(current_context().get("job", ""))
        raise RuntimeError("the database is gone")

    every = timedelta(milliseconds=20)
    scheduler = build_scheduler({"fine": (fine, every), "broken": (broken, every)}, metrics=metrics)
    scheduler.start()
    try:
        async with asyncio.timeout(20):
            while min(len(runs) for runs in seen.values()) < 3:
                await asyncio.sleep(0.01)
    finally:
        scheduler.shutdown(wait=False)
    sample = metrics.registry.get_sample_value
    runs = {job: sample("warroom_job_duration_seconds_count", {"job": job}) for job in seen}
    assert runs["fine"] >= 3 and runs["broken"] >= 3  # type: ignore[operator]
    assert sample("warroom_job_failures_total", {"job": "broken"}) == runs["broken"]
    assert sample("warroom_job_failures_total", {"job": "fine"}) is None
    assert set(seen["fine"]) == {"fine"} and set(seen["broken"]) == {"broken"}
