"""Who is on call, and a year of final shifts, with 50 schedules of 3 layers each.

Writes a `warroom.yml` of 50 schedules (weekly, daily and hourly rotations of 4-8 people in
their own order, the top layer restricted to some hours of the week, a roster change in some,
holidays with a cover in some), stores their rosters and a few overrides each in a fresh SQLite
file (or, with --postgres, a schema of its own on that server, dropped afterwards), then times:
(a) `OncallService.who()` in process, for every schedule at once and for one schedule, at
random instants over a year; (b) the `/oncall` slash command sent signed over real HTTP to the
real app (uvicorn in a thread, its own sandbox), whose answer comes in the acknowledgement; (c)
a year of one schedule's final shifts, through the service and with the pure `final_shifts`.
Prints each figure beside its goal with PASS or MISS, and what was worked out, counted: for
every 3 minutes of a day, the answers worked out when asked and ahead and the windows of
shifts, in all and in the busiest ask; for the handoff job, how many schedules a tick looks at
once nothing is due, and how long it takes. The exit status is non-zero only when the run
itself broke (a request failed, an answer lacked its schedules).

"Random instants of a year" has no goal: the issue's "who is on call" is about now, and an
instant a year away shares nothing kept with the one before it (see bench/RESULTS.md).

    .venv/bin/python bench/oncall.py [--schedules 50 --calls 500 --requests 500 --repeat 20
                                      --concurrency 1 --postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import httpx
import yaml
from _harness import (
    BenchError,
    app_stack,
    bench_database,
    describe_machine,
    percentile,
    post_concurrently,
    prepare_slash_commands,
    settle,
    silence_logs,
    verdict,
)
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.exc import SQLAlchemyError

from bot.kernel.transactions import read
from bot.oncall.config import ScheduleDef, load_schedules
from bot.oncall.rules.layering import final_shifts
from bot.oncall.rules.now import Timeline
from bot.oncall.service import AHEAD, NEAR, OncallService
from bot.serve import freeze_startup_objects
from storage.database import make_engine

WHO_GOAL_MS = 5.0  # p99, in process, every schedule at once
HTTP_GOAL_MS = 20.0  # p99, `/oncall` over HTTP
YEAR_GOAL_MS = 200.0  # p50 and max, a year of one schedule's final shifts
POSTGRES_URL_ENV = "WARROOM_TEST_POSTGRES_URL"
YEAR = timedelta(days=365)
WARMUP = 20
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Europe/London",
    "Asia/Tokyo",
    "Pacific/Auckland",
)
RESTRICTIONS = (
    "mon-fri 09:00-18:00",
    "mon-fri 18:00-09:00, sat-sun",
    "sat-sun",
    "mon-fri 08:00-12:00, mon-fri 13:00-17:00",
)
HOLIDAYS = (("DE", "BE"), ("US", None), ("FR", None), ("JP", None), ("AU", "NSW"))
PEOPLE = [f"U0P{n:03d}" for n in range(120)]
CHANGE_AFTER = timedelta(days=120)  # when the changed rosters were seen, into the year
BY = "U0BENCH"
EVERY = timedelta(minutes=3)
RANDOM_ALL = "who(), every schedule, random instants of a year"
RANDOM_ONE = "who(name), one schedule, random instants of a year"
NOW_ALL = "who(), every schedule, now, asked back to back"
EVERY_ALL = "who(), every schedule, every 3 minutes of a day"
HTTP_ALL = "/oncall over HTTP (every schedule, now)"
YEAR_SERVICE = "shifts(first schedule, a year), service"
YEAR_RULES = "final_shifts(first schedule's plan, a year)"
YEAR_EACH = "final_shifts(each schedule's plan, a year), once"


# -- the schedules -------------------------------------------------------------------------


def schedule_entries(count: int, start: date, rng: random.Random) -> tuple[list[Any], list[Any]]:
    """`warroom.yml`'s `schedules:` as the bench runs them, and as it was before the roster
    changes (every fourth schedule swaps a person in one layer)."""
    now, before = [], []
    for n in range(count):
        layers = []
        for kind in rng.sample(("weekly", "daily", "hourly"), 3):
            layer: dict[str, Any] = {
                "name": kind,
                "users": rng.sample(PEOPLE, rng.randint(4, 8)),
                "rotation": kind,
                "start": start - timedelta(days=rng.randint(0, 60)),
            }
            if kind == "weekly":
                layer["handoff"] = f"{rng.choice(('monday', 'wednesday'))} {rng.randint(8, 10)}:00"
            elif kind == "daily":
                layer["handoff"] = f"{rng.randint(7, 10):02d}:30"
            layers.append(layer)
        layers[-1]["restrict"] = RESTRICTIONS[n % len(RESTRICTIONS)]
        entry: dict[str, Any] = {"name": f"team-{n:02d}", "timezone": ZONES[n % len(ZONES)]}
        entry["layers"] = layers
        if n % 3 == 0:
            country, subdivision = HOLIDAYS[n // 3 % len(HOLIDAYS)]
            entry["holidays"] = {"country": country, "cover": rng.choice(PEOPLE)}
            if subdivision:
                entry["holidays"]["subdivision"] = subdivision
        now.append(entry)
        old = yaml.safe_load(yaml.safe_dump(entry))
        if n % 4 == 0:
            old["layers"][0]["users"][0] = rng.choice(PEOPLE)
        before.append(old)
    return now, before


def write_schedules(
    folder: Path, name: str, entries: list[Any]
) -> tuple[Path, tuple[ScheduleDef, ...]]:
    """A `warroom.yml` holding `entries`, and its schedules as the app reads them."""
    path = folder / name
    path.write_text(yaml.safe_dump({"schedules": entries}, sort_keys=False))
    return path, load_schedules(str(path))


async def seed(
    url: str,
    schedules: Sequence[ScheduleDef],
    before: Sequence[ScheduleDef],
    start: datetime,
    rng: random.Random,
) -> int:
    """Store the rosters (the earlier version, then the changes) and the overrides: three
    that hold in each schedule (one on a layer) and one removed; how many overrides held."""
    engine = make_engine(url)
    try:
        await OncallService(engine, before, clock=lambda: start - timedelta(days=30)).sync_rosters()
        await OncallService(engine, schedules, clock=lambda: start + CHANGE_AFTER).sync_rosters()
        service = OncallService(engine, schedules, clock=lambda: start)
        held = 0
        for schedule in schedules:
            for n in range(4):
                begin = start + timedelta(hours=rng.randint(1, 364 * 24))
                end = begin + timedelta(hours=rng.randint(2, 72))
                layer = rng.choice(schedule.layers).name if n == 1 else ""
                made = await service.add_override(
                    schedule.name, rng.choice(PEOPLE), begin, end, layer=layer, by=BY
                )
                if n == 3:
                    await service.remove_override(made, by=BY)
                else:
                    held += 1
        return held
    finally:
        engine.dispose()


# -- timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """One figure's samples, in seconds."""

    name: str
    seconds: list[float]

    def ms(self, pct: float) -> float:
        """A percentile in milliseconds."""
        return percentile(self.seconds, pct) * 1000

    @property
    def max_ms(self) -> float:
        """The slowest sample in milliseconds."""
        return max(self.seconds) * 1000


@dataclass
class Work:
    """What `who` worked out over a workload, counted from the timelines: answers when asked
    and ahead of need, windows of shifts; in all, and in the ask that did the most."""

    asks: int = 0
    answers_asked: int = 0
    answers_ahead: int = 0
    windows: int = 0
    busiest: tuple[int, int, int] = (0, 0, 0)  # answers asked, ahead, windows in one ask

    def add(self, before: tuple[int, int, int], after: tuple[int, int, int]) -> None:
        """Count one ask from the counters before and after it."""
        done = (after[0] - before[0], after[1] - before[1], after[2] - before[2])
        self.asks += 1
        self.answers_asked += done[0]
        self.answers_ahead += done[1]
        self.windows += done[2]
        self.busiest = max(self.busiest, done, key=lambda d: (d[0] + d[1], d[2]))

    def describe(self) -> str:
        """One line for the report."""
        asked, ahead, windows = self.busiest
        return (
            f"{self.asks} asks worked out {self.answers_asked} answers when asked, "
            f"{self.answers_ahead} ahead, {self.windows} windows of shifts; the busiest ask: "
            f"{asked} when asked, {ahead} ahead, {windows} windows"
        )


def work_done(timelines: Sequence[Timeline]) -> tuple[int, int, int]:
    """The timelines' counters: answers worked out when asked and ahead, windows."""
    return (
        sum(t.answers_worked_out for t in timelines),
        sum(t.answers_worked_ahead for t in timelines),
        sum(t.windows_worked_out for t in timelines),
    )


async def timed(name: str, runs: Sequence[Callable[[], Awaitable[object]]], warmup: int) -> Timing:
    """Run each of `runs` in turn, timing all but the first `warmup`."""
    seconds = []
    for index, run in enumerate(runs):
        started = time.perf_counter()
        await run()
        if index >= warmup:
            seconds.append(time.perf_counter() - started)
    return Timing(name, seconds)


async def in_process(
    url: str, schedules: Sequence[ScheduleDef], start: datetime, args: argparse.Namespace
) -> tuple[list[Timing], int, Work]:
    """Workloads (a) and (c) on a service of their own; the figures, the year's shifts and
    what every 3 minutes of a day worked out."""
    engine = make_engine(url)
    service = OncallService(engine, schedules, clock=lambda: start)
    freeze_startup_objects()  # as `warroom run` does once the app is built
    try:
        timings, work = await who_workloads(service, start, args)
        timings += await year_workloads(service, start, args)
        return timings, len(await service.shifts(service.names[0], start, start + YEAR)), work
    finally:
        engine.dispose()


async def who_workloads(
    service: OncallService, start: datetime, args: argparse.Namespace
) -> tuple[list[Timing], Work]:
    """Workload (a): who is on call at random instants of the year (every schedule, one
    schedule), then now, asked back to back and every three minutes of a day."""
    rng = random.Random(args.seed + 1)
    calls = WARMUP + args.calls
    instants = [start + YEAR * rng.random() for _ in range(calls)]
    names = [rng.choice(service.names) for _ in range(calls)]

    def who(at: datetime, name: str | None = None) -> Callable[[], Awaitable[object]]:
        return lambda: service.who(name, at=at)

    begun = time.perf_counter()

    def running() -> Awaitable[object]:
        # The instant the call is made, on a clock running from `start` like the wall clock.
        return service.who(at=start + timedelta(seconds=time.perf_counter() - begun))

    spread = await timed(RANDOM_ALL, [who(at) for at in instants], WARMUP)
    pairs = zip(instants, names, strict=True)
    one = await timed(RANDOM_ONE, [who(at, name) for at, name in pairs], WARMUP)
    begun = time.perf_counter()
    now = await timed(NOW_ALL, [running] * calls, WARMUP)
    every, work = await every_three_minutes(service, start, calls)
    return [spread, one, now, every], work


async def every_three_minutes(
    service: OncallService, start: datetime, calls: int
) -> tuple[Timing, Work]:
    """`who()` every 3 minutes from `start`, timed after the warm-up, with what each ask
    worked out (the timelines' counters, read outside the timing)."""
    end = start + EVERY * calls
    timelines = await read(
        service.engine,
        lambda s: service.timelines_in(s, service.names, start=start - NEAR, end=end + AHEAD),
    )
    kept = list(timelines.values())
    seconds, work = [], Work()
    for n in range(calls):
        before = work_done(kept)
        started = time.perf_counter()
        await service.who(at=start + EVERY * n)
        took = time.perf_counter() - started
        if n >= WARMUP:
            seconds.append(took)
            work.add(before, work_done(kept))
    return Timing(EVERY_ALL, seconds), work


async def year_workloads(
    service: OncallService, start: datetime, args: argparse.Namespace
) -> list[Timing]:
    """Workload (c): a year of the first schedule's final shifts through the service and with
    the rules alone, then a year of each schedule once (the rules alone)."""
    first, end = service.names[0], start + YEAR
    runs = 2 + args.repeat
    through = await timed(YEAR_SERVICE, [lambda: service.shifts(first, start, end)] * runs, 2)
    plans = await read(
        service.engine,
        lambda s: [service.plan_in(s, name, start=start, end=end) for name in service.names],
    )

    def year_of(index: int) -> Callable[[], Awaitable[object]]:
        async def work() -> object:
            return final_shifts(plans[index], start, end)

        return work

    rules = await timed(YEAR_RULES, [year_of(0)] * runs, 2)
    each = await timed(YEAR_EACH, [year_of(n) for n in range(len(plans))], 0)
    return [through, rules, each]


@dataclass(frozen=True)
class QuietTick:
    """The app's handoff job, run by hand once nothing is due: schedules looked at, time;
    and the app's scheduled jobs while the requests were served, from its /metrics."""

    schedules: int
    looked_at: int
    seconds: float
    jobs: dict[str, tuple[int, float]]  # job: runs, seconds in all

    def describe(self) -> str:
        """Two lines for the report."""
        runs = ", ".join(
            f"{job} {count} x {total / count * 1000:.1f} ms"
            for job, (count, total) in sorted(self.jobs.items())
            if count
        )
        return (
            f"a handoff tick with nothing due looked at {self.looked_at} of {self.schedules} "
            f"schedules in {self.seconds * 1000:.2f} ms\n"
            f"  the app's scheduled jobs while serving (runs x mean): {runs or 'none ran'}"
        )


def first_job_runs(metrics_url: str) -> dict[str, tuple[int, float]]:
    """Wait for the scheduler's first run of its jobs and return their runs so far.

    Some jobs' first run in a process does work once (the roster sync, retention's first
    sweep): that is the start, not the steady state the figures are about."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        runs = job_runs(metrics_url)
        if runs.get("oncall-handoffs", (0, 0.0))[0] >= 1:
            time.sleep(1.0)  # the others fired with it: let them finish
            settled = job_runs(metrics_url)
            if settled == runs:
                return settled
        time.sleep(0.2)
    raise BenchError("the app's scheduler did not run its jobs within 30 s")


def job_runs(metrics_url: str) -> dict[str, tuple[int, float]]:
    """Each scheduled job's runs and their total seconds so far, from the app's /metrics."""
    found: dict[str, list[float]] = {}
    for family in text_string_to_metric_families(httpx.get(metrics_url, timeout=10).text):
        for sample in family.samples:
            if sample.name.startswith("warroom_job_duration_seconds_"):
                pair = found.setdefault(sample.labels["job"], [0.0, 0.0])
                if sample.name.endswith("_count"):
                    pair[0] = sample.value
                elif sample.name.endswith("_sum"):
                    pair[1] = sample.value
    return {job: (int(count), total) for job, (count, total) in found.items()}


def over_http(
    url: str, config: Path, schedules: Sequence[ScheduleDef], args: argparse.Namespace
) -> tuple[Timing, QuietTick]:
    """Workload (b): signed `/oncall` commands to the real app; the POST round trips, and
    a handoff tick with nothing due."""
    with app_stack(url, warroom_config=str(config)) as stack:
        for index, person in enumerate(PEOPLE):
            stack.driver.add_user(f"person{index:03d}", id=person)
        names = [schedule.name for schedule in schedules]

        def fire(count: int) -> list[float]:
            requests = prepare_slash_commands(stack, [""] * count, command="/oncall")
            replies = post_concurrently(stack.events_url, requests, args.concurrency)
            for reply in replies:
                if reply.status != 200 or b'"blocks"' not in reply.body:
                    raise BenchError(f"/oncall answered HTTP {reply.status}: {reply.body[:200]!r}")
                if names[0].encode() not in reply.body:
                    raise BenchError(
                        f"/oncall's answer does not name {names[0]}: {reply.body[:200]!r}"
                    )
            return [reply.seconds for reply in replies]

        fire(WARMUP)
        # A first start records a catch-up handoff in every schedule (and DMs both people):
        # done here, as the app's first tick would, and waited for, so that the figures are
        # the steady state, where the 5-second ticks find nothing new.
        stack.handle.run(stack.warroom.handoffs.tick(), timeout=60)
        settle(stack)
        # The next tick checks what the first recorded; from then on ticks find nothing due.
        stack.handle.run(stack.warroom.handoffs.tick(), timeout=60)
        started = time.perf_counter()
        quiet = stack.handle.run(stack.warroom.handoffs.tick(), timeout=60)
        took = time.perf_counter() - started
        metrics = f"{stack.handle.url}/metrics"
        jobs_before = first_job_runs(metrics)
        timing = Timing(HTTP_ALL, fire(args.requests))
        jobs = {}
        for job, (count, total) in job_runs(metrics).items():
            earlier_count, earlier_total = jobs_before.get(job, (0, 0.0))
            jobs[job] = (count - earlier_count, total - earlier_total)
        return timing, QuietTick(len(names), len(quiet.looked_at), took, jobs)


# -- the report ----------------------------------------------------------------------------


def print_report(
    backend: str,
    timings: list[Timing],
    counted: list[str],
    held: int,
    args: argparse.Namespace,
) -> None:
    """Every figure beside its goal, then what was worked out, counted."""
    goals = {
        NOW_ALL: (99, WHO_GOAL_MS),
        EVERY_ALL: (99, WHO_GOAL_MS),
        HTTP_ALL: (99, HTTP_GOAL_MS),
        YEAR_SERVICE: (100, YEAR_GOAL_MS),
        YEAR_RULES: (100, YEAR_GOAL_MS),
        YEAR_EACH: (100, YEAR_GOAL_MS),
    }
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    print(
        f"\nbench/oncall.py ({backend}), {date.today().isoformat()}, {describe_machine()}, "
        f"load average now {load}\n"
        f"{args.schedules} schedules x 3 layers (weekly/daily/hourly rotations of 4-8 people, "
        f"the top one restricted), {held} overrides holding, holidays in every third. who(): "
        f"{args.calls} calls after {WARMUP} warm-up; /oncall: {args.requests} signed requests, "
        f"{args.concurrency} in flight; a year of the first schedule ({counted[0]} final "
        f"shifts): {args.repeat} runs after 2 warm-up; then a year of each schedule once. "
        f"Random instants of a year: no goal (information only)."
    )
    width = max(len(t.name) for t in timings)
    for t in timings:
        pct, goal = goals.get(t.name, (0, 0.0))
        figure = t.max_ms if pct == 100 else t.ms(pct)
        wanted = f"{'max' if pct == 100 else f'p{pct}'} < {goal:.0f} ms" if goal else ""
        line = (
            f"  {t.name:<{width}}  p50 {t.ms(50):7.2f} ms  p99 {t.ms(99):7.2f} ms  "
            f"max {t.max_ms:7.2f} ms  {wanted:<14} {verdict(figure < goal) if goal else ''}"
        )
        print(line.rstrip())
    for line in counted[1:]:
        print(f"  {line}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=50, help="schedules (default 50)")
    parser.add_argument("--calls", type=int, default=500, help="timed who() calls (default 500)")
    parser.add_argument("--requests", type=int, default=500, help="timed /oncall (default 500)")
    parser.add_argument("--concurrency", type=int, default=1, help="/oncall in flight (default 1)")
    parser.add_argument("--repeat", type=int, default=20, help="timed years (default 20)")
    parser.add_argument("--seed", type=int, default=13, help="random seed (default 13)")
    parser.add_argument(
        "--postgres",
        default=os.environ.get(POSTGRES_URL_ENV, "").strip() or None,
        help=f"PostgreSQL server URL (default: ${POSTGRES_URL_ENV}; unset: SQLite only)",
    )
    args = parser.parse_args(argv)
    if min(args.schedules, args.calls, args.requests, args.concurrency, args.repeat) < 1:
        parser.error("every count must be at least 1")
    return args


def run_backend(backend: str, postgres: str | None, args: argparse.Namespace) -> None:
    """Seed one database, time every workload on it and print the figures."""
    rng = random.Random(args.seed)
    start = datetime.combine(datetime.now(UTC).date(), clock_time(), UTC)
    now, before = schedule_entries(args.schedules, start.date(), rng)
    with tempfile.TemporaryDirectory(prefix="warroom-bench-oncall-") as folder:
        config, schedules = write_schedules(Path(folder), "warroom.yml", now)
        _, earlier = write_schedules(Path(folder), "before.yml", before)
        with bench_database(postgres) as url:
            silence_logs()
            held = asyncio.run(seed(url, schedules, earlier, start, rng))
            timings, shifts, work = asyncio.run(in_process(url, schedules, start, args))
            http, tick = over_http(url, config, schedules, args)
    counted = [str(shifts), f"every 3 minutes of a day: {work.describe()}", tick.describe()]
    print_report(backend, [*timings[:4], http, *timings[4:]], counted, held, args)


def main(argv: list[str] | None = None) -> int:
    """Time every workload on every backend available; 0 unless the run broke."""
    args = parse_args(argv)
    silence_logs()
    try:
        run_backend("sqlite", None, args)
        if args.postgres:
            run_backend("postgres", args.postgres, args)
        else:
            print(f"PostgreSQL skipped: set {POSTGRES_URL_ENV} or pass --postgres URL")
    except (BenchError, SQLAlchemyError, TimeoutError) as error:
        print(f"bench/oncall.py: the run broke: {error!r}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
