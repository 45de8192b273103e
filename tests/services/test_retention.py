"""Retention: old webhook bodies and carried-out requests go, a bounded number a tick."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

import bot.app
from bot.app import build_warroom
from bot.kernel.retention import (
    IDLE_RECHECK,
    INBOX_RETENTION,
    PruneReport,
    RetentionService,
)
from bot.settings import Settings
from storage.database import make_engine
from storage.enums import AlertSource
from storage.models import InboxItem, WebhookDelivery
from storage.queries import retention as retention_queries

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _fixed_clock() -> datetime:
    return NOW


def _add_deliveries(engine: Engine, *ages: timedelta) -> None:
    with Session(engine) as session:
        for age in ages:
            session.add(
                WebhookDelivery(
                    source=AlertSource.ALERTMANAGER,
                    received_at=NOW - age,
                    body=f"aged {age}",
                    alert_count=1,
                )
            )
        session.commit()


def _add_claims(engine: Engine, *ages: timedelta) -> None:
    with Session(engine) as session:
        for age in ages:
            # A carried-out request: its key stops replays only while it is kept.
            session.add(
                InboxItem(
                    key=f"event:Ev{age.total_seconds():.0f}",
                    kind="slack.event",
                    received_at=NOW - age,
                    done_at=NOW - age,
                )
            )
        session.commit()


def _delivery_ages(engine: Engine) -> list[timedelta]:
    with Session(engine) as session:
        times = session.exec(select(WebhookDelivery.received_at)).all()
    return sorted(NOW - t for t in times if t is not None)


def _claim_ages(engine: Engine) -> list[timedelta]:
    with Session(engine) as session:
        times = session.exec(select(InboxItem.received_at)).all()
    return sorted(NOW - t for t in times if t is not None)


def _service(engine: Engine, retention: timedelta = 90 * DAY, **limits: int) -> RetentionService:
    return RetentionService(engine, clock=_fixed_clock, webhook_retention=retention, **limits)


async def test_old_deliveries_and_claims_are_pruned_and_recent_ones_kept(engine: Engine) -> None:
    second = timedelta(seconds=1)
    _add_deliveries(engine, 400 * DAY, 90 * DAY + second, 90 * DAY - second, DAY, timedelta(0))
    _add_claims(engine, 30 * DAY, DAY + second, DAY - second, timedelta(minutes=5))

    report = await _service(engine).tick()

    assert (report.webhook_deliveries, report.inbox_items) == (2, 2)
    assert _delivery_ages(engine) == [timedelta(0), DAY, 90 * DAY - second]
    assert _claim_ages(engine) == [timedelta(minutes=5), DAY - second]


async def test_inbox_items_are_kept_one_day_whatever_the_webhook_retention(
    engine: Engine,
) -> None:
    _add_claims(engine, 2 * DAY, timedelta(hours=23))

    report = await _service(engine, retention=365 * DAY).tick()

    assert INBOX_RETENTION == DAY
    assert report.inbox_items == 1
    assert _claim_ages(engine) == [timedelta(hours=23)]


async def test_zero_retention_keeps_every_delivery(engine: Engine) -> None:
    _add_deliveries(engine, 3650 * DAY, 100 * DAY)
    _add_claims(engine, 2 * DAY)

    report = await _service(engine, retention=timedelta(0)).tick()

    assert report.webhook_deliveries == 0
    assert _delivery_ages(engine) == [100 * DAY, 3650 * DAY]
    assert _claim_ages(engine) == []  # claims are pruned all the same


async def test_a_tick_deletes_at_most_its_share_oldest_first_and_leaves_the_rest(
    engine: Engine,
) -> None:
    # Inserted out of age order, so "oldest first" cannot pass by following the ids.
    old = [(100 + n) * DAY for n in (3, 6, 0, 5, 1, 4, 2)]
    _add_deliveries(engine, *old, DAY)
    _add_claims(engine, *old, timedelta(hours=1))
    service = _service(engine, batch_size=2, max_rows_per_tick=5)

    first = await service.tick()
    assert (first.webhook_deliveries, first.inbox_items) == (5, 5)
    assert _delivery_ages(engine) == [DAY, 100 * DAY, 101 * DAY]
    assert _claim_ages(engine) == [timedelta(hours=1), 100 * DAY, 101 * DAY]

    second = await service.tick()
    assert (second.webhook_deliveries, second.inbox_items) == (2, 2)
    third = await service.tick()
    assert (third.webhook_deliveries, third.inbox_items) == (0, 0)
    assert _delivery_ages(engine) == [DAY]
    assert _claim_ages(engine) == [timedelta(hours=1)]


async def test_with_nothing_left_to_prune_it_looks_again_only_a_minute_later(
    engine: Engine,
) -> None:
    now = [NOW]
    service = RetentionService(engine, clock=lambda: now[0], webhook_retention=90 * DAY)
    assert await service.tick() == PruneReport()  # nothing to prune: idle for a minute
    _add_deliveries(engine, 100 * DAY)
    now[0] = NOW + IDLE_RECHECK - timedelta(seconds=1)
    assert (await service.tick()).webhook_deliveries == 0
    assert _delivery_ages(engine) == [100 * DAY]
    now[0] = NOW + IDLE_RECHECK
    assert (await service.tick()).webhook_deliveries == 1
    assert _delivery_ages(engine) == []


async def test_each_batch_commits_on_its_own(engine: Engine) -> None:
    _add_deliveries(engine, *(100 * DAY + n * timedelta(hours=1) for n in range(5)))
    calls: list[int] = []
    real = retention_queries.delete_webhook_deliveries

    def failing_third_batch(session: Session, *, received_before: datetime, limit: int) -> int:
        calls.append(limit)
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return real(session, received_before=received_before, limit=limit)

    service = _service(engine, batch_size=2)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(retention_queries, "delete_webhook_deliveries", failing_third_batch)
        with pytest.raises(RuntimeError):
            await service.tick()

    assert calls == [2, 2, 2]
    assert len(_delivery_ages(engine)) == 1  # the two batches before the failure stayed deleted


async def test_pruning_the_same_rows_twice_is_harmless(engine: Engine) -> None:
    _add_deliveries(engine, 100 * DAY, 200 * DAY)
    cutoff = NOW - 90 * DAY

    with Session(engine) as first, Session(engine) as second:
        assert (
            retention_queries.delete_webhook_deliveries(first, received_before=cutoff, limit=10)
            == 2
        )
        first.commit()
        assert (
            retention_queries.delete_webhook_deliveries(second, received_before=cutoff, limit=10)
            == 0
        )
        second.commit()


async def test_processes_pruning_at_once_delete_each_row_once(database_url: str) -> None:
    ages = [100 * DAY + n * timedelta(minutes=1) for n in range(60)]
    engines = [make_engine(database_url) for _ in range(3)]
    try:
        _add_deliveries(engines[0], *ages, DAY)
        _add_claims(engines[0], *ages, timedelta(hours=1))
        services = [_service(e, batch_size=7, max_rows_per_tick=100) for e in engines]

        reports = await asyncio.gather(*(service.tick() for service in services))

        assert sum(r.webhook_deliveries for r in reports) == len(ages)
        assert sum(r.inbox_items for r in reports) == len(ages)
        assert _delivery_ages(engines[0]) == [DAY]
        assert _claim_ages(engines[0]) == [timedelta(hours=1)]
    finally:
        for e in engines:
            e.dispose()


async def test_postgres_skips_rows_another_process_is_deleting(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; there are no row locks to skip")
    _add_deliveries(engine, *(100 * DAY + n * DAY for n in range(4)))
    cutoff = NOW - 90 * DAY

    with Session(engine) as holder, Session(engine) as other:
        # The oldest two are deleted but not yet committed: their rows stay locked.
        assert (
            retention_queries.delete_webhook_deliveries(holder, received_before=cutoff, limit=2)
            == 2
        )
        other.execute(text("SET LOCAL lock_timeout = '5s'"))
        assert (
            retention_queries.delete_webhook_deliveries(other, received_before=cutoff, limit=10)
            == 2
        )
        other.commit()
        holder.commit()

    assert _delivery_ages(engine) == []


async def test_the_scheduler_runs_retention_as_a_job_of_its_own(
    database_url: str, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs: dict[str, Any] = {}
    real_build_scheduler = bot.app.build_scheduler

    def capture(given: dict[str, Any], **options: Any) -> Any:
        jobs.update(given)
        return real_build_scheduler(given, **options)

    monkeypatch.setattr(bot.app, "build_scheduler", capture)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-test",
        slack_signing_secret="secret",
        database_url=database_url,
        warroom_webhook_retention=30 * DAY,
    )
    build_warroom(settings, clock=_fixed_clock, engine=engine)
    _add_deliveries(engine, 31 * DAY, 29 * DAY)
    _add_claims(engine, 2 * DAY, timedelta(minutes=1))

    job, _interval = jobs["retention"]
    await job()

    assert _delivery_ages(engine) == [29 * DAY]
    assert _claim_ages(engine) == [timedelta(minutes=1)]
