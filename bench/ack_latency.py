"""Slash-command acknowledgement latency, and Web API calls per declaration.

Runs the real app over real HTTP against its own sandbox and a fresh SQLite file (or, with
--postgres, a schema of its own on that server, dropped afterwards), sends correctly signed
`/incident` commands a fixed number at a time, and times only the POST to `/slack/events`.
Every request is stored in the app's inbox before it is acknowledged. Prints each figure beside
its goal with PASS or MISS; a miss is reported, not raised: the exit status is non-zero only
when the run itself broke.

    .venv/bin/python bench/ack_latency.py [--requests 500 --concurrency 20 --postgres URL
                                           --sandbox process|in-process]

The sandbox runs in a process of its own unless told `--sandbox in-process`: the real Slack
is another machine, and sharing the app's interpreter it would count its work as the app's.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date

from _harness import (
    CHANNELS_PER_MINUTE,
    BenchError,
    Reply,
    Stack,
    bench_database,
    count_pinned,
    count_rows,
    describe_machine,
    percentile,
    post_concurrently,
    prepare_slash_commands,
    settle,
    silence_logs,
    verdict,
    wait_until,
)
from _split_stack import SANDBOX_PLACES, split_app_stack
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

ACK_P99_GOAL_MS = 100.0
SANDBOX_WHERE = {"process": "in a process of its own", "in-process": "in the app's process"}
CALLS_GOAL = 8
WARMUP_REQUESTS = 5
DRAIN_TIMEOUT_SECONDS = 300.0
STALL_SECONDS = 10.0
BENCH_TITLE = "Bench incident"
WARMUP_TITLE = "Warm-up incident"
# Bolt calls auth.test once per process to learn who it is; that is not the declaration's cost.
ONCE_PER_PROCESS = frozenset({"auth.test"})


@dataclass(frozen=True)
class Acks:
    """Round-trip times of one workload, in seconds, and how long the whole burst took."""

    name: str
    seconds: list[float]
    wall: float
    last_ack_at: float

    def ms(self, pct: float) -> float:
        """A percentile in milliseconds."""
        return percentile(self.seconds, pct) * 1000

    @property
    def max_ms(self) -> float:
        """The slowest acknowledgement in milliseconds."""
        return max(self.seconds) * 1000


Check = Callable[[Reply], str | None]


def expect_empty_ack(reply: Reply) -> str | None:
    """A declaration is acknowledged with an empty 200; the reply comes later."""
    if reply.status != 200:
        return f"HTTP {reply.status}: {reply.body[:200]!r}"
    if reply.body.strip():
        return f"unexpected immediate reply: {reply.body[:200]!r}"
    return None


def expect_help_ack(reply: Reply) -> str | None:
    """`help` is answered in the acknowledgement itself, with blocks."""
    if reply.status != 200:
        return f"HTTP {reply.status}: {reply.body[:200]!r}"
    if b'"blocks"' not in reply.body:
        return f"help reply without blocks: {reply.body[:200]!r}"
    return None


def fire(stack: Stack, name: str, texts: list[str], concurrency: int, check: Check) -> Acks:
    """Send one workload and time each acknowledgement (the POST round trip only)."""
    requests = prepare_slash_commands(stack, texts)
    started = time.perf_counter()
    replies = post_concurrently(stack.events_url, requests, concurrency)
    wall = time.perf_counter() - started
    problems = [p for p in map(check, replies) if p]
    if problems:
        raise BenchError(f"{len(problems)} bad acknowledgements, first: {problems[0]}")
    seconds = [r.seconds for r in replies]
    return Acks(name, seconds, wall, max(r.finished_at for r in replies))


def pinned_count(stack: Stack, title_prefix: str) -> Callable[[], int]:
    """How many incidents with this title prefix have their status block pinned: their
    `incidentsurface` status row says `pinned: true`."""
    reader = stack.reader()
    return lambda: count_pinned(reader, title_prefix)


@dataclass(frozen=True)
class DeclareLoad:
    """Workload (a): acknowledgements, and the background work they left behind."""

    acks: Acks
    drained: bool
    drain_seconds: float
    incidents: int
    pinned: int
    failures: int


def wait_for_backlog(count: Callable[[], int], target: int) -> tuple[bool, float]:
    """Wait until `count()` reaches `target`, giving up once it stops moving.

    Returns whether it got there, and when the count last moved (perf_counter time).
    """
    started = last_change = time.perf_counter()
    seen = count()
    while seen < target:
        now = time.perf_counter()
        if now - started > DRAIN_TIMEOUT_SECONDS or now - last_change > STALL_SECONDS:
            return False, last_change
        time.sleep(0.05)
        latest = count()
        if latest != seen:
            seen, last_change = latest, time.perf_counter()
    return True, last_change


def run_declare_load(stack: Stack, requests: int, concurrency: int) -> DeclareLoad:
    """Declare `requests` incidents and wait for all of them to be fully set up in Slack."""
    warmup = [f"declare sev3 {WARMUP_TITLE} {n}" for n in range(1, WARMUP_REQUESTS + 1)]
    fire(stack, "warm-up", warmup, concurrency, expect_empty_ack)
    warm = pinned_count(stack, WARMUP_TITLE)
    if not wait_for_backlog(warm, WARMUP_REQUESTS)[0]:
        raise BenchError(f"only {warm()} of {WARMUP_REQUESTS} warm-up incidents were set up")

    texts = [f"declare sev3 {BENCH_TITLE} {n}" for n in range(1, requests + 1)]
    acks = fire(stack, "/incident declare", texts, concurrency, expect_empty_ack)
    pinned = pinned_count(stack, BENCH_TITLE)
    drained, last_change = wait_for_backlog(pinned, requests)
    reader = stack.reader()
    incidents = count_rows(
        reader,
        "SELECT count(DISTINCT number) FROM incident WHERE title LIKE :prefix",
        prefix=f"{BENCH_TITLE} %",
    )
    failures = count_failures(reader)
    reader.dispose()
    return DeclareLoad(
        acks, drained, max(0.0, last_change - acks.last_ack_at), incidents, pinned(), failures
    )


def describe_breakage(load: DeclareLoad, requests: int) -> list[str]:
    """What makes workload (a) untrustworthy: lost incidents, unfinished or failed Slack work."""
    problems = []
    if load.incidents != requests:
        problems.append(
            f"{requests} declarations were acknowledged but {load.incidents} incidents exist "
            "(see the errors the app logged above)"
        )
    if load.pinned != requests:
        problems.append(f"only {load.pinned} of {requests} incidents got a pinned status block")
    if load.failures:
        problems.append(f"{load.failures} Slack steps were recorded as failed")
    return problems


def count_failures(reader: Engine) -> int:
    """Slack steps that failed for good, and effects the outbox gave up on."""
    steps = count_rows(reader, "SELECT count(*) FROM sideeffectfailure")
    return steps + count_rows(reader, "SELECT count(*) FROM effect WHERE state = 'failed'")


def run_help_load(stack: Stack, requests: int, concurrency: int) -> Acks:
    """`/incident help`: the acknowledgement is the whole answer.

    It starts once the declarations' work is all done: no event left to deliver, no request
    or effect left to carry out, so that their tail does not run into these figures.
    """
    settle(stack)
    fire(stack, "warm-up", ["help"] * WARMUP_REQUESTS, concurrency, expect_help_ack)
    return fire(stack, "/incident help", ["help"] * requests, concurrency, expect_help_ack)


def count_declaration_calls(postgres: str | None, sandbox: str) -> tuple[Counter[str], float]:
    """Declare one incident on a fresh app, sandbox and database; count its Web API calls and
    time it.

    The time runs from sending the slash command until the channel exists with its status
    block pinned and the digest is posted: what the declarer waits for.
    """
    with bench_database(postgres) as url, bench_stack(url, sandbox) as stack:
        driver = stack.driver
        pinned = pinned_count(stack, "Counting")
        started = time.perf_counter()
        response = driver.slash("alice", "general", "declare sev3 Counting calls")
        if response.status_code != 200:
            raise BenchError(f"declaration refused: HTTP {response.status_code}")
        deadline = started + 10
        while not (pinned() == 1 and driver.messages("incidents")):
            if time.perf_counter() > deadline:
                raise BenchError("the declaration was not pinned and announced within 10 s")
            time.sleep(0.002)
        seconds = time.perf_counter() - started
        wait_until(
            lambda: any("is declared" in (e.get("text") or "") for e in driver.ephemerals("alice")),
            timeout=10,
            what="the declaration's confirmation",
        )
        settle(stack)  # the events the bot's own calls set off, and what they set off
        calls = Counter(c["method"] for c in driver.calls())
        if not calls:
            raise BenchError("the sandbox saw no Web API calls at all")
        counted = Counter({m: n for m, n in calls.items() if m not in ONCE_PER_PROCESS})
        return counted, seconds


Row = tuple[str, str, str, str]


def latency_rows(acks: Acks) -> list[Row]:
    """p50, p99 (against the goal), max and throughput of one workload."""
    p99 = acks.ms(99)
    goal = f"< {ACK_P99_GOAL_MS:.0f} ms"
    return [
        (f"ack p50, {acks.name}", f"{acks.ms(50):.1f} ms", "", ""),
        (f"ack p99, {acks.name}", f"{p99:.1f} ms", goal, verdict(p99 < ACK_P99_GOAL_MS)),
        (f"ack max, {acks.name}", f"{acks.max_ms:.1f} ms", "", ""),
        (f"throughput, {acks.name}", f"{len(acks.seconds) / acks.wall:.0f} req/s", "", ""),
    ]


def backlog_rows(load: DeclareLoad, requests: int) -> list[Row]:
    """How the work left behind by the declarations went."""
    drained = f"{load.drain_seconds:.1f} s"
    if not load.drained:
        drained = f"{load.drain_seconds:.1f} s (stalled)"
    complete = load.incidents == load.pinned == requests
    return [
        ("backlog drained, after last ack", drained, "", ""),
        (
            "incidents declared and pinned",
            f"{min(load.incidents, load.pinned)}/{requests}",
            "all",
            "" if complete else "BROKEN",
        ),
        (
            "Slack steps recorded as failed",
            str(load.failures),
            "0",
            "BROKEN" if load.failures else "",
        ),
    ]


def bench_stack(database_url: str, sandbox: str) -> AbstractContextManager[Stack]:
    """The app (its channel-creation limiter out of the way) and a fresh sandbox, in a
    process of its own unless `sandbox` says `in-process`."""
    return split_app_stack(database_url, sandbox=sandbox)


def print_report(
    backend: str,
    load: DeclareLoad,
    help_acks: Acks,
    calls: Counter[str],
    declare_seconds: float,
    requests: int,
    concurrency: int,
    sandbox: str,
) -> None:
    """Every figure beside its goal."""
    total = sum(calls.values())
    calls_goal = f"<= {CALLS_GOAL}"
    rows = [
        *latency_rows(load.acks),
        *backlog_rows(load, requests),
        *latency_rows(help_acks),
        ("Web API calls per declaration", str(total), calls_goal, verdict(total <= CALLS_GOAL)),
        (
            "one declaration, command to pinned + digest",
            f"{declare_seconds * 1000:.0f} ms",
            "< 1 s",
            verdict(declare_seconds < 1.0),
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"Warroom ack latency ({backend}), {date.today().isoformat()}, {describe_machine()}")
    print(
        f"{requests} signed slash commands per workload, {concurrency} in flight; "
        f"{WARMUP_REQUESTS} warm-up requests not counted; sandbox rate limits off, "
        f"WARROOM_CHANNELS_PER_MINUTE={CHANNELS_PER_MINUTE}; `help` starts once the "
        f"declarations' work is done; the sandbox {SANDBOX_WHERE[sandbox]}"
    )
    print()
    print(f"{'figure':<{width}}  {'value':>12}  {'goal':<9}  result")
    for figure, value, goal, result in rows:
        print(f"{figure:<{width}}  {value:>12}  {goal:<9}  {result}".rstrip())
    print()
    print("Web API calls of one declaration (auth.test excluded: once per process):")
    for method, count in sorted(calls.items()):
        print(f"  {method:<28} {count}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="per workload (default 500)")
    parser.add_argument("--concurrency", type=int, default=20, help="in flight (default 20)")
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument(
        "--sandbox",
        choices=SANDBOX_PLACES,
        default="process",
        help="where the stand-in for Slack runs: its own process (default), or this one",
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.concurrency < 1:
        parser.error("--requests and --concurrency must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run both workloads and the call count; 0 unless the run broke."""
    args = parse_args(argv)
    silence_logs()
    backend = "postgres" if args.postgres else "sqlite"
    try:
        with bench_database(args.postgres) as url, bench_stack(url, args.sandbox) as stack:
            load = run_declare_load(stack, args.requests, args.concurrency)
            help_acks = run_help_load(stack, args.requests, args.concurrency)
        calls, declare_seconds = count_declaration_calls(args.postgres, args.sandbox)
    except (BenchError, SQLAlchemyError, TimeoutError) as error:
        print(f"bench/ack_latency.py: the run broke: {error!r}", file=sys.stderr)
        return 2
    print_report(
        backend,
        load,
        help_acks,
        calls,
        declare_seconds,
        args.requests,
        args.concurrency,
        args.sandbox,
    )
    problems = describe_breakage(load, args.requests)
    for problem in problems:
        print(f"bench/ack_latency.py: the run broke: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
