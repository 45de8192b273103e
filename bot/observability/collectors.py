"""Gauges read from the database at scrape time, so that every replica reports the same
truth: the outbox's depth and age by kind, the inbox's backlog, open incidents by severity."""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from bot.observability.probe import BoundedRead
from storage.database import Timeouts
from storage.enums import Severity
from storage.queries import observability as queries
from storage.queries.kernel import FAILED, PENDING

log = logging.getLogger(__name__)
SCRAPE_DEADLINE = 2.0  # seconds the database may take to answer a scrape


@dataclass(frozen=True)
class DatabaseNumbers:
    """What one read of the database found."""

    effects: list[tuple[str, str, int, datetime | None]]
    inbox: tuple[int, datetime | None]
    open_incidents: dict[Severity, int]


def read_numbers(connection: Connection) -> DatabaseNumbers:
    """The three grouped queries, on one connection."""
    with Session(connection) as session:
        return DatabaseNumbers(
            effects=queries.summarise_effects(session),
            inbox=queries.summarise_inbox(session),
            open_incidents=queries.count_open_incidents(session),
        )


class DatabaseCollector(Collector):
    """Reads the numbers once per scrape (`refresh`, bounded by a deadline) and reports them;
    `warroom_database_up` is 0, and the database gauges absent, when the read failed."""

    def __init__(
        self,
        engine: Engine,
        timeouts: Timeouts,
        clock: Callable[[], datetime],
        *,
        deadline: float = SCRAPE_DEADLINE,
    ) -> None:
        self.read = BoundedRead(
            engine, timeouts, read_numbers, deadline=deadline, name="warroom-metrics-read"
        )
        self.clock = clock
        self.numbers: DatabaseNumbers | None = None
        self.read_at: datetime | None = None

    async def refresh(self) -> None:
        """Read the numbers now; on failure, report the database down instead."""
        try:
            self.numbers = await self.read()
        except Exception as error:
            log.warning("metrics: the database did not answer: %s", type(error).__name__)
            self.numbers = None
        self.read_at = self.clock()

    def describe(self) -> list[GaugeMetricFamily]:
        """Nothing to declare ahead: the names come with each scrape."""
        return []

    def collect(self) -> Iterator[GaugeMetricFamily]:
        """The gauges of the last refresh."""
        up = GaugeMetricFamily(
            "warroom_database_up", "Whether the last scrape could read the database in time"
        )
        up.add_metric([], 0 if self.numbers is None else 1)
        yield up
        if self.numbers is None or self.read_at is None:
            return
        yield from _outbox(self.numbers, self.read_at)
        yield from _inbox(self.numbers, self.read_at)
        incidents = GaugeMetricFamily(
            "warroom_open_incidents",
            "Open incidents (triage to mitigated) by severity",
            labels=["severity"],
        )
        for severity, count in self.numbers.open_incidents.items():
            incidents.add_metric([severity.value], count)
        yield incidents


def _outbox(numbers: DatabaseNumbers, now: datetime) -> Iterator[GaugeMetricFamily]:
    depth = GaugeMetricFamily(
        "warroom_outbox_pending_effects",
        "Effects waiting to be carried out (first tries and retries), by kind",
        labels=["kind"],
    )
    age = GaugeMetricFamily(
        "warroom_outbox_oldest_pending_age_seconds",
        "How long the oldest pending effect of each kind has waited",
        labels=["kind"],
    )
    failed = GaugeMetricFamily(
        "warroom_outbox_failed_effects",
        "Effects given up on (a permanent failure, or retried past their age limit), by kind",
        labels=["kind"],
    )
    for kind, state, count, oldest in numbers.effects:
        if state == PENDING:
            depth.add_metric([kind], count)
            age.add_metric([kind], _seconds_since(oldest, now))
        elif state == FAILED:
            failed.add_metric([kind], count)
    yield from (depth, age, failed)


def _inbox(numbers: DatabaseNumbers, now: datetime) -> Iterator[GaugeMetricFamily]:
    count, oldest = numbers.inbox
    backlog = GaugeMetricFamily(
        "warroom_inbox_backlog", "Acknowledged requests not carried out yet"
    )
    backlog.add_metric([], count)
    age = GaugeMetricFamily(
        "warroom_inbox_oldest_age_seconds", "How long the oldest of them has waited (0: none)"
    )
    age.add_metric([], _seconds_since(oldest, now))
    yield from (backlog, age)


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return max((now - moment).total_seconds(), 0.0) if moment is not None else 0.0
