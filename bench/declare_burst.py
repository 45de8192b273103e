"""A burst of declarations: from each one's acknowledgement to its channel with the pinned status.

Runs the real app over real HTTP against its own sandbox, on a fresh SQLite file or, with
--postgres, in a schema of its own on that server (dropped afterwards). After a few uncounted
warm-up declarations (and once their work is all done), it sends N correctly signed
`/incident declare` commands, C in flight, and for each one measures the time from its
acknowledgement to its channel existing with the status block pinned. Everything the app does
after the ack (the inbox carries out the declaration; the outbox creates the channel, invites,
posts and pins the status block and sets the topic, then posts the digest) shares the two cores
with the next acks.

The times come from what was recorded, not from polling (a poll would put its own interval in
every figure, and its load on the app): the client notes the wall clock when each ack is read;
the sandbox logs the time of every Web API call it answered (`pins.add` is the moment the
channel shows the pinned status block) and gives every message a ts from the same clock; the
app records when it declared the incident and when it stored the status block as pinned
(`incidentsurface`, kind `status`, `data.pinned`). The database is polled only to know when all
N are pinned. The same records split each declaration into its stages, which say where the time
goes. Prints each figure beside its goal with PASS or MISS; the exit status is non-zero only
when the run itself broke (a declaration lost, a Slack step failed, the burst never finished).

    .venv/bin/python bench/declare_burst.py [--declarations 200 --concurrency 10
                                             --postgres URL --workers N --outbox N
                                             --sandbox process|in-process --replicas N]

The sandbox runs in a process of its own unless told `--sandbox in-process` (the real Slack
is another machine; sharing the app's interpreter it would count its work as the app's).
With `--replicas N` the app runs as N `warroom run` processes on the one database, the
requests spread over them in turn (the inbox and outbox are shared, so any process carries
out what another acknowledged).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

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
)
from _replicas import ReplicaStack, post_spread, replica_stack, settle_database
from _sandbox_process import cpu_seconds, own_cpu_seconds
from _split_stack import SANDBOX_PLACES, split_app_stack
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.kernel.outbox import Policy as OutboxPolicy

PINNED_P99_GOAL_S = 1.0
ACK_P99_GOAL_MS = 100.0
WARMUP = 5
BURST_TITLE = "Burst incident"
WARMUP_TITLE = "Warm-up incident"
DONE_TIMEOUT_SECONDS = 300.0
STALL_SECONDS = 30.0
POLL_SECONDS = 0.1
TITLE_NUMBER = re.compile(rf"^{BURST_TITLE} (\d+)$")


@dataclass
class Declaration:
    """One declaration of the burst, as the records tell it (wall-clock seconds)."""

    n: int
    acked_at: float
    declared_at: float | None = None  # the app wrote the incident (inbox carried it out)
    created_at: float | None = None  # conversations.create answered
    status_posted_at: float | None = None  # the status message's ts
    pinned_at: float | None = None  # pins.add answered: Slack shows the pinned status
    recorded_at: float | None = None  # the app stored the status block as pinned
    digest_at: float | None = None  # the digest's ts in the announce channel

    def since_ack(self, at: float | None) -> float | None:
        """Seconds from the ack to `at`."""
        return None if at is None else at - self.acked_at


@dataclass(frozen=True)
class Burst:
    """What one burst gave."""

    backend: str
    declarations: list[Declaration]
    ack_seconds: list[float]
    wall: float
    done_after_last_ack: float
    incidents: int
    pinned: int
    failures: int
    retried: int
    calls: int
    app_cpu: float  # CPU seconds the app's process(es) used from the burst until settled
    sandbox_cpu: float  # the same for the sandbox's process (0 when it runs in the app's)


# -- running -----------------------------------------------------------------------------------


@contextmanager
def burst_stack(
    database_url: str, *, workers: int | None, outbox: int | None, sandbox: str
) -> Iterator[Stack]:
    """The app as shipped, but for the channel-creation limiter (out of the way, see
    `_harness.CHANNELS_PER_MINUTE`) and the two knobs given on the command line; the sandbox
    where `sandbox` says."""
    settings: dict[str, Any] = {}
    if workers is not None:
        settings["warroom_workers"] = workers
    policy = OutboxPolicy() if outbox is None else OutboxPolicy(concurrency=outbox)
    with split_app_stack(database_url, sandbox=sandbox, outbox_policy=policy, **settings) as stack:
        yield stack


AnyStack = Stack | ReplicaStack


def declare(stack: AnyStack, texts: list[str], concurrency: int) -> list[Reply]:
    """Send the declarations (spread over the processes, with several); each must be
    acknowledged with an empty 200."""
    requests = prepare_slash_commands(stack, texts)  # type: ignore[arg-type]
    if isinstance(stack, ReplicaStack):
        replies = post_spread(stack.events_urls, requests, concurrency)
    else:
        replies = post_concurrently(stack.events_url, requests, concurrency)
    bad = [r for r in replies if r.status != 200 or r.body.strip()]
    if bad:
        raise BenchError(f"{len(bad)} declarations were not acknowledged, first: {bad[0]}")
    return replies


def settle_stack(stack: AnyStack) -> None:
    """Wait until every event is delivered, every request carried out, every effect done."""
    if isinstance(stack, ReplicaStack):
        settle_database(stack)
    else:
        settle(stack)


def cpu_used(stack: AnyStack) -> tuple[float, float]:
    """CPU seconds used so far by the app (with it in this process: this whole process,
    the client threads included) and by the sandbox's process (0 when it runs in ours)."""
    app = stack.cpu_seconds() if isinstance(stack, ReplicaStack) else own_cpu_seconds()
    pid = getattr(stack.sandbox, "pid", None)
    return app, (cpu_seconds(pid) if pid is not None else 0.0)


def wait_for_pins(stack: AnyStack, title: str, target: int) -> float:
    """Poll until `target` incidents titled `title …` have their status pinned; when the last
    one showed up (perf_counter). Gives up when nothing moves for a while."""
    reader = stack.reader()
    try:
        started = last_change = time.perf_counter()
        seen = count_pinned(reader, title)
        while seen < target:
            now = time.perf_counter()
            if now - started > DONE_TIMEOUT_SECONDS or now - last_change > STALL_SECONDS:
                raise BenchError(f"only {seen} of {target} declarations got a pinned status")
            time.sleep(POLL_SECONDS)
            latest = count_pinned(reader, title)
            if latest != seen:
                seen, last_change = latest, time.perf_counter()
        return last_change
    finally:
        reader.dispose()


def warm_up(stack: AnyStack, concurrency: int) -> None:
    """A few declarations first, not counted; then wait until all their work is done."""
    declare(stack, [f"declare sev3 {WARMUP_TITLE} {n}" for n in range(1, WARMUP + 1)], concurrency)
    wait_for_pins(stack, WARMUP_TITLE, WARMUP)
    settle_stack(stack)


def run_burst(stack: AnyStack, backend: str, count: int, concurrency: int) -> Burst:
    """The timed burst, then everything read back from the records."""
    warm_up(stack, concurrency)
    calls_before = len(stack.driver.calls())
    app_cpu, sandbox_cpu = cpu_used(stack)
    texts = [f"declare sev3 {BURST_TITLE} {n}" for n in range(count)]
    started = time.perf_counter()
    replies = declare(stack, texts, concurrency)
    wall = time.perf_counter() - started
    last_ack = max(r.finished_at for r in replies)
    done = wait_for_pins(stack, BURST_TITLE, count)
    settle_stack(stack)  # the digests and confirmations too, before counting anything
    app_after, sandbox_after = cpu_used(stack)
    declarations = {r.index: Declaration(r.index, r.acked_at) for r in replies}
    calls = stack.driver.calls()[calls_before:]
    read_back(stack, declarations, calls)
    reader = stack.reader()
    try:
        incidents = count_rows(
            reader, "SELECT count(*) FROM incident WHERE title LIKE :t", t=f"{BURST_TITLE} %"
        )
        failures = count_rows(reader, "SELECT count(*) FROM sideeffectfailure")
        failures += count_rows(reader, "SELECT count(*) FROM effect WHERE state = 'failed'")
        retried = count_rows(reader, "SELECT count(*) FROM effect WHERE attempts > 1")
        pinned = count_pinned(reader, BURST_TITLE)
    finally:
        reader.dispose()
    return Burst(
        backend,
        [declarations[n] for n in sorted(declarations)],
        [r.seconds for r in replies],
        wall,
        done - last_ack,
        incidents,
        pinned,
        failures,
        retried,
        len(calls),
        app_after - app_cpu,
        sandbox_after - sandbox_cpu,
    )


def read_back(stack: AnyStack, found: dict[int, Declaration], calls: list[dict[str, Any]]) -> None:
    """Fill in each declaration's stages from the app's rows and the sandbox's call log."""
    reader = stack.reader()
    try:
        with reader.connect() as connection:
            incidents = connection.execute(
                text("SELECT id, title, declared_at FROM incident WHERE title LIKE :t"),
                {"t": f"{BURST_TITLE} %"},
            ).all()
            places = connection.execute(
                text(
                    "SELECT incident_id, kind, channel_id, ts, data, updated_at "
                    "FROM incidentsurface WHERE surface = 'slack'"
                )
            ).all()
    finally:
        reader.dispose()
    by_incident: dict[int, Declaration] = {}
    for incident_id, title, declared_at in incidents:
        matched = TITLE_NUMBER.match(title)
        if matched is None or int(matched.group(1)) not in found:
            continue
        declaration = found[int(matched.group(1))]
        declaration.declared_at = _wall(declared_at)
        by_incident[incident_id] = declaration
    rooms: dict[str, Declaration] = {}
    names: dict[str, Declaration] = {}
    for incident_id, kind, channel_id, ts, data, updated_at in places:
        if incident_id not in by_incident:
            continue
        declaration = by_incident[incident_id]
        data = _json(data)
        if kind == "room":
            rooms[channel_id] = declaration
            names[str(data.get("name"))] = declaration
        elif kind == "status":
            declaration.status_posted_at = float(ts) if ts else None
            if data.get("pinned"):
                declaration.recorded_at = _wall(updated_at)
        elif kind == "announcement":
            declaration.digest_at = float(ts) if ts else None
    for call in calls:
        if not call["ok"]:
            continue
        params = call["params"]
        if call["method"] == "conversations.create" and params.get("name") in names:
            names[params["name"]].created_at = call["at"]
        elif call["method"] == "pins.add" and params.get("channel") in rooms:
            pinned = rooms[params["channel"]]
            if pinned.pinned_at is None:
                pinned.pinned_at = call["at"]


def _wall(value: Any) -> float | None:
    """A stored timestamp as wall-clock seconds (SQLite hands back text, PostgreSQL datetimes)."""
    if value is None:
        return None
    if isinstance(value, str):
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    return float(value.timestamp())


def _json(value: Any) -> dict[str, Any]:
    """A JSON column as a dict (SQLite hands back text)."""
    if isinstance(value, str):
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value or {})


# -- the report --------------------------------------------------------------------------------

Row = tuple[str, str, str, str]


def spans(values: list[float | None]) -> list[float]:
    """The known ones."""
    return [v for v in values if v is not None]


def stage_row(name: str, values: list[float | None]) -> Row:
    """p50 / p99 / max of one stage, in milliseconds."""
    known = spans(values)
    if not known:
        return (name, "unknown", "", "")
    shown = " / ".join(f"{percentile(known, p) * 1000:.0f}" for p in (50, 99))
    return (name, f"{shown} / {max(known) * 1000:.0f} ms", "", "")


def report_rows(burst: Burst) -> list[Row]:
    """Every figure beside its goal."""
    found = burst.declarations
    pinned = spans([d.since_ack(d.pinned_at) for d in found])
    p50 = percentile(pinned, 50) if pinned else float("nan")
    p99 = percentile(pinned, 99) if pinned else float("nan")
    ack_p99 = percentile(burst.ack_seconds, 99) * 1000
    complete = burst.incidents == burst.pinned == len(found) == len(pinned)
    return [
        ("acks per second", f"{len(found) / burst.wall:.0f}", "", ""),
        (
            "ack p50 / p99",
            f"{percentile(burst.ack_seconds, 50) * 1000:.1f} / {ack_p99:.1f} ms",
            f"< {ACK_P99_GOAL_MS:.0f} ms",
            verdict(ack_p99 < ACK_P99_GOAL_MS),
        ),
        ("ack → pinned status, p50", f"{p50 * 1000:.0f} ms", "", ""),
        (
            "ack → pinned status, p99",
            f"{p99 * 1000:.0f} ms",
            f"< {PINNED_P99_GOAL_S:.0f} s",
            verdict(p99 < PINNED_P99_GOAL_S),
        ),
        ("ack → pinned status, max", f"{max(pinned, default=float('nan')) * 1000:.0f} ms", "", ""),
        ("last pinned, after the last ack", f"{burst.done_after_last_ack:.1f} s", "", ""),
        (
            "declared and pinned",
            f"{min(burst.incidents, burst.pinned)}/{len(found)}",
            "all",
            "" if complete else "BROKEN",
        ),
        ("Slack steps failed / effects retried", f"{burst.failures} / {burst.retried}", "0", ""),
        ("Web API calls in the burst", str(burst.calls), "", ""),
        (
            "CPU per declaration: app / sandbox",
            f"{_per(burst.app_cpu, found)} / {_per(burst.sandbox_cpu, found)} ms",
            "",
            "",
        ),
    ]


def _per(seconds: float, found: list[Declaration]) -> str:
    return f"{seconds / len(found) * 1000:.1f}"


def stage_rows(burst: Burst) -> list[Row]:
    """Where each declaration's time went, stage by stage (p50 / p99 / max)."""
    found = burst.declarations
    return [
        stage_row(
            "ack → declared (inbox wait + declare)", [d.since_ack(d.declared_at) for d in found]
        ),
        stage_row(
            "declared → channel created (outbox wait + create)",
            [_between(d.declared_at, d.created_at) for d in found],
        ),
        stage_row(
            "channel created → status posted (invite, post)",
            [_between(d.created_at, d.status_posted_at) for d in found],
        ),
        stage_row(
            "status posted → pinned (save, pin)",
            [_between(d.status_posted_at, d.pinned_at) for d in found],
        ),
        stage_row(
            "pinned → the app stored it as pinned",
            [_between(d.pinned_at, d.recorded_at) for d in found],
        ),
        stage_row("ack → digest posted", [d.since_ack(d.digest_at) for d in found]),
    ]


def _between(start: float | None, end: float | None) -> float | None:
    return None if start is None or end is None else end - start


def print_rows(rows: list[Row]) -> None:
    """A table."""
    width = max(len(r[0]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>22}  {'goal':<9}  result")
    for figure, value, goal, result in rows:
        print(f"{figure:<{width}}  {value:>22}  {goal:<9}  {result}".rstrip())


def print_report(burst: Burst, args: argparse.Namespace) -> None:
    """The figures, then the stages."""
    print(
        f"Warroom declaration burst ({burst.backend}), {date.today().isoformat()}, "
        f"{describe_machine()}"
    )
    workers = args.workers if args.workers is not None else "4 (shipped)"
    outbox = args.outbox if args.outbox is not None else f"{OutboxPolicy().concurrency} (shipped)"
    if args.replicas:
        outbox = f"{OutboxPolicy().concurrency} (shipped)"
        where = (
            f"the app in {args.replicas} `warroom run` process(es) sharing the database, "
            "requests spread over them in turn; the sandbox in a process of its own"
        )
    elif args.sandbox == "process":
        where = "the app in this process, the sandbox in a process of its own"
    else:
        where = "the app and the sandbox both in this process"
    print(
        f"{len(burst.declarations)} signed `/incident declare` commands, {args.concurrency} in "
        f"flight, after {WARMUP} uncounted warm-up declarations; WARROOM_WORKERS={workers}, "
        f"outbox concurrency {outbox}; sandbox rate limits off, so "
        f"WARROOM_CHANNELS_PER_MINUTE={CHANNELS_PER_MINUTE} (the highest allowed); {where}. "
        "CPU is from the burst's first request until everything settled; with the app in "
        "this process it counts the client threads too."
    )
    print()
    print_rows(report_rows(burst))
    print()
    print("Where the time went, per declaration (p50 / p99 / max):")
    print_rows(stage_rows(burst))


def describe_breakage(burst: Burst) -> list[str]:
    """Why the run cannot be trusted, if it cannot."""
    problems = []
    wanted = len(burst.declarations)
    if burst.incidents != wanted:
        problems.append(f"{wanted} declarations acknowledged, {burst.incidents} incidents exist")
    if burst.pinned != wanted:
        problems.append(f"only {burst.pinned} of {wanted} got a pinned status block")
    if burst.failures:
        problems.append(f"{burst.failures} Slack steps or effects failed for good")
    unknown = sum(1 for d in burst.declarations if d.pinned_at is None)
    if unknown:
        problems.append(f"{unknown} declarations have no pins.add in the sandbox's log")
    return problems


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--declarations", type=int, default=200, help="in the burst (200)")
    parser.add_argument("--concurrency", type=int, default=10, help="in flight (10)")
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument(
        "--workers", type=int, help="WARROOM_WORKERS, the inbox's slots (default: as shipped, 4)"
    )
    parser.add_argument(
        "--outbox", type=int, help="the outbox's concurrency (default: as shipped, 8)"
    )
    parser.add_argument(
        "--sandbox",
        choices=SANDBOX_PLACES,
        default="process",
        help="where the stand-in for Slack runs: its own process (default), or this one",
    )
    parser.add_argument(
        "--replicas",
        type=int,
        default=0,
        help="run the app as this many `warroom run` processes on the one database "
        "(default 0: the app in this process)",
    )
    args = parser.parse_args(argv)
    if args.declarations < 1 or args.concurrency < 1:
        parser.error("--declarations and --concurrency must be at least 1")
    if args.replicas < 0:
        parser.error("--replicas must be 0 or more")
    if args.replicas and (args.sandbox != "process" or args.outbox is not None):
        parser.error("with --replicas the sandbox runs in its own process, and --outbox is unset")
    return args


def open_stack(args: argparse.Namespace, url: str) -> AbstractContextManager[AnyStack]:
    """The app in this process, or in `--replicas` processes of its own."""
    if args.replicas:
        settings = {} if args.workers is None else {"warroom_workers": args.workers}
        return replica_stack(url, args.replicas, **settings)
    return burst_stack(url, workers=args.workers, outbox=args.outbox, sandbox=args.sandbox)


def main(argv: list[str] | None = None) -> int:
    """One burst on one backend; 0 unless the run broke."""
    args = parse_args(argv)
    silence_logs()
    backend = "postgres" if args.postgres else "sqlite"
    try:
        with (
            bench_database(args.postgres) as url,
            open_stack(args, url) as stack,
        ):
            burst = run_burst(stack, backend, args.declarations, args.concurrency)
    except (BenchError, SQLAlchemyError, TimeoutError) as error:
        print(f"bench/declare_burst.py: the run broke: {error!r}", file=sys.stderr)
        return 2
    print_report(burst, args)
    problems = describe_breakage(burst)
    for problem in problems:
        print(f"bench/declare_burst.py: the run broke: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
