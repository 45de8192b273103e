"""Pruning what is kept only for a while: webhook bodies, carried-out requests, finished effects."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.transactions import run_in_transaction
from storage.queries import retention as retention_queries

# Slack retries an event at once, after about a minute and after about five, and a signed
# request is refused after five minutes: a request key a day old can stop no replay, so keeping
# it longer only grows the table. Finished effects are kept as long, for a look afterwards.
INBOX_RETENTION = timedelta(days=1)
EFFECT_RETENTION = timedelta(days=1)
# Small batches, each its own transaction, keep every lock short (SQLite has one writer, and
# webhook intake must not wait behind a long delete); the cap keeps a tick short when a large
# backlog is due, and the rest waits for the next tick.
BATCH_SIZE = 1000
MAX_ROWS_PER_TICK = 5000
# Once nothing is left to prune, look again only this much later, not every tick: each look is
# a write transaction, and on SQLite every write waits its turn with the webhook intake.
IDLE_RECHECK = timedelta(minutes=1)


class _Delete(Protocol):
    def __call__(self, session: Session, *, received_before: datetime, limit: int) -> int: ...


@dataclass
class PruneReport:
    """How many rows one tick deleted, per table."""

    webhook_deliveries: int = 0
    inbox_items: int = 0
    effects: int = 0


class RetentionService:
    """Deletes webhook deliveries past their retention, and requests and effects past a day."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Callable[[], datetime],
        webhook_retention: timedelta,
        batch_size: int = BATCH_SIZE,
        max_rows_per_tick: int = MAX_ROWS_PER_TICK,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.webhook_retention = webhook_retention
        self.batch_size = batch_size
        self.max_rows_per_tick = max_rows_per_tick
        self._idle_until: datetime | None = None

    async def tick(self) -> PruneReport:
        """Delete a bounded number of the oldest expired rows from each table; after a tick
        that left nothing behind, nothing more until `IDLE_RECHECK` has passed."""
        now = self.clock()
        report = PruneReport()
        if self._idle_until is not None and now < self._idle_until:
            return report
        # A zero retention means the deliveries are kept forever.
        if self.webhook_retention > timedelta(0):
            report.webhook_deliveries = await self._prune(
                retention_queries.delete_webhook_deliveries, now - self.webhook_retention
            )
        report.inbox_items = await self._prune(
            retention_queries.delete_inbox_items, now - INBOX_RETENTION
        )
        report.effects = await self._prune(_delete_effects, now - EFFECT_RETENTION)
        counts = (report.webhook_deliveries, report.inbox_items, report.effects)
        backlog = max(counts) >= self.max_rows_per_tick
        self._idle_until = None if backlog else now + IDLE_RECHECK
        return report

    async def _prune(self, delete: _Delete, received_before: datetime) -> int:
        """Delete in batches until nothing older is left or this tick's share is used."""
        deleted = 0
        while deleted < self.max_rows_per_tick:
            limit = min(self.batch_size, self.max_rows_per_tick - deleted)
            batch = partial(delete, received_before=received_before, limit=limit)
            count = await run_in_transaction(self.engine, batch)
            deleted += count
            # A short batch means the backlog is gone (or another process is taking the rest).
            if count < limit:
                break
        return deleted


def _delete_effects(session: Session, *, received_before: datetime, limit: int) -> int:
    return retention_queries.delete_effects(session, done_before=received_before, limit=limit)
