"""The scheduler's claim: one transaction that turns everything due into reminder rows.

Seeds 10,000 open incidents (each with a commander and a room), 1,000 of them with an update
reminder due, and times `ReminderService.claim` from BEGIN to COMMIT, as a tick runs it on its
worker thread: the reminder rows, the timeline events, the outbox effects that deliver the
reminders and republish the incidents, the moved clocks. No Slack call is made or timed.
SQLite (a temporary file) always; PostgreSQL too when WARROOM_TEST_POSTGRES_URL or --postgres
names a server (in a schema made and dropped here).
Prints each figure beside its goal with PASS or MISS; the exit status is non-zero only when
the run itself broke (a claim claimed the wrong number of reminders, the database failed).

    .venv/bin/python bench/tick.py [--incidents 10000 --due 1000 --repeat 5 --postgres URL]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _harness import (
    BenchError,
    describe_machine,
    percentile,
    postgres_database,
    silence_logs,
    verdict,
)
from sqlalchemy import event, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col

from bot.app import build_warroom
from bot.incidents.reminders import ReminderService
from bot.settings import Settings
from storage.database import unit_of_work
from storage.enums import Role, Severity, Status
from storage.migrate import upgrade
from storage.models import Incident, IncidentRole, IncidentSurface

CLAIM_GOAL_MS = 200.0
POSTGRES_URL_ENV = "WARROOM_TEST_POSTGRES_URL"
OPEN = (Status.TRIAGE, Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED)
SEVERITIES = (Severity.SEV1, Severity.SEV2, Severity.SEV3, Severity.SEV4)
COMMANDER = "U0BENCHIC"
WARMUP = 1


@dataclass(frozen=True)
class Workload:
    """One way of claiming: how many rows a claim may take, how many it must have taken."""

    name: str
    batch: int
    due: int
    expect: int


@dataclass(frozen=True)
class Timing:
    """The claim times of one workload on one backend, in seconds."""

    backend: str
    workload: Workload
    seconds: list[float]

    def ms(self, pct: float) -> float:
        """A percentile in milliseconds."""
        return percentile(self.seconds, pct) * 1000

    @property
    def max_ms(self) -> float:
        """The slowest claim in milliseconds."""
        return max(self.seconds) * 1000


# -- the databases -------------------------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A migrated SQLite file in a temporary folder (WAL, as the app opens it)."""
    with tempfile.TemporaryDirectory(prefix="warroom-bench-tick-") as folder:
        url = f"sqlite:///{Path(folder) / 'warroom.db'}"
        upgrade(url)
        yield url


# -- seeding -------------------------------------------------------------------------------


def seed(engine: Engine, *, incidents: int, now: datetime) -> list[int]:
    """Bulk-insert open incidents with a commander each; none due yet. Return their ids."""
    rows = []
    for n in range(1, incidents + 1):
        declared = now - timedelta(minutes=10 + n % 600)
        rows.append(
            {
                "number": n,
                "title": f"Bench incident {n}",
                "severity": SEVERITIES[n % len(SEVERITIES)],
                "status": OPEN[n % len(OPEN)],
                "services": [],
                "declared_by": COMMANDER,
                "detected_at": declared,
                "declared_at": declared,
                "acknowledged_at": declared,
                "acknowledged_by": COMMANDER,
                "last_update_at": declared,
                "next_update_due_at": now + timedelta(minutes=30),
                "update_reminder_at": now + timedelta(minutes=30),
            }
        )
    with engine.begin() as connection:
        connection.execute(insert(Incident), rows)
        query = select(col(Incident.id)).order_by(col(Incident.id))
        ids = [i for i in connection.execute(query).scalars() if i is not None]
        connection.execute(
            insert(IncidentRole),
            [
                {
                    "incident_id": incident_id,
                    "role": Role.COMMANDER,
                    "user_id": COMMANDER,
                    "assigned_by": COMMANDER,
                    "assigned_at": now,
                }
                for incident_id in ids
            ],
        )
        # Each incident has its room: a claim republishes the incidents whose clocks moved.
        connection.execute(
            insert(IncidentSurface),
            [
                {
                    "incident_id": incident_id,
                    "surface": "slack",
                    "kind": "room",
                    "channel_id": f"CB{incident_id:09d}",
                    "ts": "",
                    "data": {"name": f"inc-{incident_id}-bench-incident", "topic": ""},
                    "updated_at": now,
                }
                for incident_id in ids
            ],
        )
    if engine.dialect.name == "postgresql":
        # Autovacuum gets to a freshly loaded table of this size soon after; do not wait for it.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(
                text("VACUUM ANALYZE incident, incidentrole, incidentsurface, reminder, effect")
            )
    return ids


def spread(ids: list[int], count: int) -> list[int]:
    """`count` of the ids, evenly spread (every tenth of 10,000 for 1,000)."""
    if count == 0:
        return []
    return ids[:: max(1, len(ids) // count)][:count]


def set_update_reminders(engine: Engine, incident_ids: list[int], at: datetime) -> None:
    """Move these incidents' update reminder to `at`, as if no reminder had fired yet."""
    if incident_ids:
        with engine.begin() as connection:
            connection.execute(
                update(Incident)
                .where(col(Incident.id).in_(incident_ids))
                .values(update_reminder_at=at, missed_updates=0)
            )


# -- timing --------------------------------------------------------------------------------


def time_claims(
    engine: Engine,
    service: Callable[[int], ReminderService],
    ids: list[int],
    workload: Workload,
    repeat: int,
    backend: str,
    max_due: int,
) -> Timing:
    """Time `repeat` claims (after WARMUP uncounted ones), re-seeding the due times before each."""
    claimer = service(workload.batch)
    seconds = []
    for run in range(WARMUP + repeat):
        now = datetime.now(UTC)
        # Only these rows change between claims: rewriting all 10,000 would bloat the table.
        set_update_reminders(engine, spread(ids, max_due), now + timedelta(hours=1))
        # A new due time each run, so a claim never meets an earlier claim's unique key.
        due_at = now - timedelta(minutes=1, microseconds=run + 1)
        set_update_reminders(engine, spread(ids, workload.due), due_at)
        started = time.perf_counter()
        with unit_of_work(engine, write=True) as session:  # as run_in_transaction does
            claimed = claimer.claim(session)
        elapsed = time.perf_counter() - started
        if len(claimed) != workload.expect:
            raise BenchError(
                f"{backend}, {workload.name}: claimed {len(claimed)}, expected {workload.expect}"
            )
        if run >= WARMUP:
            seconds.append(elapsed)
    return Timing(backend, workload, seconds)


def explain(engine: Engine, claimer: ReminderService, due_ids: list[int]) -> list[str]:
    """The plan of every SELECT one claim runs, with `due_ids` due; the claim is rolled back."""
    set_update_reminders(engine, due_ids, datetime.now(UTC) - timedelta(minutes=1))
    ran: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            ran.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with Session(engine) as session:
            claimer.claim(session)
            session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    sqlite = engine.dialect.name == "sqlite"
    prefix = "EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN (ANALYZE, BUFFERS) "
    lines = []
    with engine.connect() as connection:
        for statement, parameters in ran:
            lines.append("query: " + " ".join(statement.split())[:160] + " …")
            plan = connection.exec_driver_sql(prefix + statement, parameters).all()
            lines += ["  " + " | ".join(str(v) for v in row[-1:] if v is not None) for row in plan]
        connection.rollback()  # EXPLAIN ANALYZE of a FOR UPDATE took locks
    return lines


def run_backend(
    backend: str, url: str, incidents: int, due: int, repeat: int, show_plan: bool
) -> list[Timing]:
    """Seed one database and time every workload on it."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-bench-unused",
        slack_signing_secret="bench-unused",
        slack_api_url="http://127.0.0.1:9/api/",  # never called: only the claim runs
        database_url=url,
    )
    warroom = build_warroom(settings)
    shipped = warroom.reminders

    def service(batch: int) -> ReminderService:
        return ReminderService(shipped.incidents, shipped.sender, room=shipped.room, batch=batch)

    try:
        ids = seed(warroom.engine, incidents=incidents, now=datetime.now(UTC))
        workloads = [
            Workload("one tick as shipped", shipped.batch, due, min(due, shipped.batch)),
            Workload(f"all {due:,} due in one claim", max(due, 1), due, due),
            Workload("idle tick, nothing due", shipped.batch, 0, 0),
        ]
        timings = [
            time_claims(warroom.engine, service, ids, w, repeat, backend, due) for w in workloads
        ]
        if show_plan:
            print(f"\n{backend}: what one claim asks the database, {due:,} due")
            for line in explain(warroom.engine, shipped, spread(ids, due)):
                print(f"  {line}")
        return timings
    finally:
        warroom.engine.dispose()


# -- the report ----------------------------------------------------------------------------


def print_report(timings: list[Timing], incidents: int, due: int, repeat: int) -> None:
    """Every figure beside its goal."""
    print(
        f"\nbench/tick.py — ReminderService.claim, BEGIN to COMMIT, one transaction: "
        f"{incidents:,} open incidents (commander on each), {due:,} with an update reminder "
        f"due (spread evenly by id); {repeat} timed claims after {WARMUP} warm-up, due times "
        f"re-seeded before each. No Slack calls. {describe_machine()}."
    )
    for t in timings:
        goal = t.ms(50) < CLAIM_GOAL_MS and t.max_ms < CLAIM_GOAL_MS
        label = (
            f"{t.backend}, {t.workload.name} (batch {t.workload.batch}, claims {t.workload.expect})"
        )
        print(
            f"  {label:<70} p50 {t.ms(50):7.1f} ms  max {t.max_ms:7.1f} ms"
            f"   goal < {CLAIM_GOAL_MS:.0f} ms  {verdict(goal)}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000, help="open (default 10000)")
    parser.add_argument("--due", type=int, default=1_000, help="due of them (default 1000)")
    parser.add_argument("--repeat", type=int, default=5, help="timed claims (default 5)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(POSTGRES_URL_ENV, "").strip() or None,
        help=f"PostgreSQL server URL (default: ${POSTGRES_URL_ENV}; unset: SQLite only)",
    )
    parser.add_argument("--explain", action="store_true", help="print the due query's plan")
    args = parser.parse_args(argv)
    if args.incidents < 1 or not 0 <= args.due <= args.incidents or args.repeat < 1:
        parser.error("need --incidents ≥ 1, 0 ≤ --due ≤ --incidents and --repeat ≥ 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Time the claim on every backend available; 0 unless the run broke."""
    args = parse_args(argv)
    silence_logs()
    timings: list[Timing] = []
    try:
        with sqlite_database() as url:
            silence_logs()  # alembic's logging config turns INFO back on
            timings += run_backend(
                "sqlite", url, args.incidents, args.due, args.repeat, args.explain
            )
        if args.postgres:
            with postgres_database(args.postgres) as url:
                silence_logs()
                timings += run_backend(
                    "postgres", url, args.incidents, args.due, args.repeat, args.explain
                )
        else:
            print(f"PostgreSQL skipped: set {POSTGRES_URL_ENV} or pass --postgres URL")
    except (BenchError, SQLAlchemyError) as error:
        print(f"bench/tick.py: the run broke: {error}", file=sys.stderr)
        return 2
    print_report(timings, args.incidents, args.due, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
