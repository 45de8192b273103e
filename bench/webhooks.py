"""Webhook throughput and latency: Alertmanager notifications of 10 alerts each, deduplicated.

Runs the real app over real HTTP (uvicorn in a thread) against its own sandbox, with webhooks
on and the default routing (a new group becomes an offer in #incidents), on a fresh SQLite
file, or with --postgres in a fresh schema on that server (dropped afterwards). A load
generator in a separate process, so that it does not share the app's GIL, sends Alertmanager
notifications for N groups of 10 alerts over C kept-alive connections. After an uncounted
warm-up (two groups of their own, each sent twice), two workloads are timed: every group's
first notification (a new group: the app stores it, routes it, and writes the offer it posts
in Slack after the commit), all N at once over the C connections; then, for a fixed time,
repeats: every notification is the group's whole state again, as Alertmanager re-sends every
group on each repeat_interval, and a fraction of them first resolve one more of the group's
alerts. For new groups it also reports how long after the answer the offer was in Slack. Prints
each figure beside its goal with PASS or MISS; the exit status is non-zero only when the run
itself broke (an answer other than 202, or stored rows that do not add up).

    .venv/bin/python bench/webhooks.py [--groups 50 --seconds 10 --concurrency 12
                                        --resolve 0.05 --postgres URL]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import sys
import threading
import time
from collections import Counter
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from multiprocessing.connection import Connection
from typing import Any

from _harness import (
    BenchError,
    Stack,
    app_stack,
    bench_database,
    count_rows,
    describe_machine,
    percentile,
    settle,
    silence_logs,
    verdict,
)
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

TOKEN = "bench-webhook-token-0123456789"
ALERTS_PER_GROUP = 10
THROUGHPUT_GOAL = 300.0  # notifications per second
P99_GOAL_MS = 100.0
STARTED = "2026-11-25T09:00:00.123456789Z"
ENDED = "2026-11-25T09:30:00.123456789Z"
NEVER = "0001-01-01T00:00:00Z"
RESULT_TIMEOUT_SECONDS = 120.0
WARMUP_GROUPS = 2  # groups of their own, numbered after the timed ones, each sent twice
GROUP_NUMBER = re.compile(r"BenchAlert(\d{3,})")


# -- the load generator (runs in its own process) ----------------------------------------------


@dataclass(frozen=True)
class Plan:
    """What the load generator sends, where, and for how long."""

    host: str
    port: int
    groups: int
    seconds: float
    concurrency: int
    resolve: float
    seed: int = 20261125


class Group:
    """One Alertmanager group: 10 alerts, and the notification that describes them now."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.name = f"BenchAlert{number:03d}"
        self.firing = list(range(ALERTS_PER_GROUP))
        self._body: bytes | None = None

    def resolve_one(self, rng: random.Random) -> bool:
        """Resolve one firing alert, if any is left; whether one was."""
        if not self.firing:
            return False
        self.firing.remove(rng.choice(self.firing))
        self._body = None
        return True

    def body(self) -> bytes:
        """The notification as Alertmanager's webhook (version 4) sends it."""
        if self._body is None:
            self._body = json.dumps(self._notification()).encode()
        return self._body

    def _notification(self) -> dict[str, Any]:
        common = {"alertname": self.name, "job": "node", "severity": "critical"}
        return {
            "receiver": "warroom",
            "status": "firing" if self.firing else "resolved",
            "alerts": [self._alert(index) for index in range(ALERTS_PER_GROUP)],
            "groupLabels": {"alertname": self.name},
            "commonLabels": {**common, "service": f"service-{self.number:03d}"},
            "commonAnnotations": {"summary": f"{self.name} is firing"},
            "externalURL": "http://alertmanager.example.com:9093",
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{self.name}"}}',
            "truncatedAlerts": 0,
        }

    def _alert(self, index: int) -> dict[str, Any]:
        firing = index in self.firing
        instance = f"node-{index}.example.com:9100"
        return {
            "status": "firing" if firing else "resolved",
            "labels": {
                "alertname": self.name,
                "instance": instance,
                "job": "node",
                "service": f"service-{self.number:03d}",
                "severity": "critical",
            },
            "annotations": {
                "summary": f"{self.name} on {instance}",
                "description": f"{self.name} has been firing on {instance} for 5 minutes.",
            },
            "startsAt": STARTED,
            "endsAt": NEVER if firing else ENDED,
            "generatorURL": f"http://prometheus.example.com:9090/graph?g0.expr={self.name}",
            "fingerprint": f"{self.number:08x}{index:08x}",
        }


@dataclass
class Load:
    """What the load generator saw: round trips in seconds, answers, and what it sent."""

    warmup: int = 0
    first: list[float] = field(default_factory=list)
    first_answered_at: dict[int, float] = field(default_factory=dict)  # group → time.time()
    first_wall: float = 0.0
    repeats: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    resolved: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    @property
    def sent(self) -> int:
        """Every notification sent, warm-up included."""
        return self.warmup + len(self.first) + len(self.repeats)


def run_load(plan: Plan) -> Load:
    """Warm up; send every group's first notification; then repeats for `plan.seconds`.
    Time each notification after the warm-up.

    Worker w owns groups w, w + C, …, so one group's notifications go out in order, one at a
    time, as Alertmanager sends them. Each worker keeps one connection, opened before timing.
    Worker 0 sends the warm-up while the others wait; the new groups all start together, and
    so do the repeats once every new group was answered.
    """
    groups = [Group(n) for n in range(plan.groups)]
    warmup = [Group(plan.groups + n) for n in range(WARMUP_GROUPS)]
    lanes = [groups[w :: plan.concurrency] for w in range(plan.concurrency)]
    headers = {
        "Authorization": f"Bearer {TOKEN}",
        "Content-Type": "application/json",
        "User-Agent": "Alertmanager/0.27.0",
    }
    load, lock = Load(), threading.Lock()
    clock: dict[str, float] = {}

    def mark_new_groups() -> None:
        clock["new_groups"] = time.perf_counter()

    def mark_start() -> None:
        clock["start"] = time.perf_counter()

    warmed = threading.Barrier(plan.concurrency, action=mark_new_groups)
    barrier = threading.Barrier(plan.concurrency, action=mark_start)
    new_groups_done: list[float] = []
    finished: list[float] = []
    errors: list[BaseException] = []
    cpu_started = time.process_time()

    def send(
        connection: http.client.HTTPConnection, group: Group, into: list[float] | None
    ) -> None:
        body = group.body()
        sent = time.perf_counter()
        connection.request("POST", "/webhooks/alertmanager", body=body, headers=headers)
        response = connection.getresponse()
        answer = response.read()
        seconds = time.perf_counter() - sent
        with lock:
            if into is None:
                load.warmup += 1
            else:
                into.append(seconds)
            if into is load.first:
                load.first_answered_at[group.number] = time.time()
            load.statuses[response.status] += 1
            if response.status != 202 and len(load.bad) < 5:
                load.bad.append(f"HTTP {response.status}: {answer[:300]!r}")

    def work(lane: list[Group], seed: int) -> None:
        rng = random.Random(seed)
        connection = http.client.HTTPConnection(plan.host, plan.port, timeout=30)
        try:
            connection.connect()
            if seed == plan.seed:  # worker 0
                for group in warmup + warmup:  # new, then a repeat
                    send(connection, group, None)
            warmed.wait()
            for group in lane:
                send(connection, group, load.first)
            with lock:
                new_groups_done.append(time.perf_counter())
            barrier.wait()
            deadline = clock["start"] + plan.seconds
            turn = 0
            while time.perf_counter() < deadline:
                group = lane[turn % len(lane)]
                turn += 1
                if rng.random() < plan.resolve and group.resolve_one(rng):
                    with lock:
                        load.resolved += 1
                send(connection, group, load.repeats)
            with lock:
                finished.append(time.perf_counter())
        except BaseException as error:  # reported below; a thread cannot raise to the caller
            errors.append(error)
            warmed.abort()
            barrier.abort()
        finally:
            connection.close()

    workers = [
        threading.Thread(target=work, args=(lane, plan.seed + n), name=f"load-{n}")
        for n, lane in enumerate(lanes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        raise BenchError(f"{len(errors)} load workers failed, first: {errors[0]!r}")
    load.first_wall = max(new_groups_done) - clock["new_groups"]
    load.wall = max(finished) - clock["start"]
    load.cpu = time.process_time() - cpu_started
    return load


def generate_load(plan: Plan, results: Connection) -> None:
    """The load generator process: run the load and send back what it saw, or why it failed."""
    try:
        results.send(("ok", run_load(plan)))
    except BaseException as error:
        results.send(("error", repr(error)))
    finally:
        results.close()


# -- the app -----------------------------------------------------------------------------------


def webhook_stack(database_url: str) -> AbstractContextManager[Stack]:
    """The app with webhooks on and the default routing, its sandbox, a driver for events."""
    return app_stack(database_url, warroom_webhook_token=TOKEN)


@dataclass(frozen=True)
class Stored:
    """What the database holds once the load and its follow-ups are done."""

    groups: int
    alerts: int
    resolved: int
    deliveries: int
    offers: int
    failures: int
    offer_posted_at: dict[int, float]  # group number → when its offer was posted (time.time())


def read_stored(stack: Stack) -> Stored:
    """Count the rows the load left; when each group's offer was posted (its message ts)."""
    reader = stack.reader()
    try:
        with reader.connect() as connection:
            offers = connection.execute(
                text("SELECT group_key, offer_ts FROM alertgroup WHERE offer_ts IS NOT NULL")
            ).all()
        posted = {
            int(found.group(1)): float(ts)
            for key, ts in offers
            if (found := GROUP_NUMBER.search(key)) is not None
        }
        failed = "SELECT count(*) FROM effect WHERE state = 'failed'"
        return Stored(
            groups=count_rows(reader, "SELECT count(*) FROM alertgroup"),
            alerts=count_rows(reader, "SELECT count(*) FROM alert"),
            resolved=count_rows(reader, "SELECT count(*) FROM alert WHERE state = 'resolved'"),
            deliveries=count_rows(reader, "SELECT count(*) FROM webhookdelivery"),
            offers=len(offers),
            failures=count_rows(reader, "SELECT count(*) FROM sideeffectfailure")
            + count_rows(reader, failed),
            offer_posted_at=posted,
        )
    finally:
        reader.dispose()


@dataclass(frozen=True)
class Run:
    """One run: the load as the client saw it, the server's CPU, and what was stored."""

    backend: str
    plan: Plan
    load: Load
    server_cpu: float
    drain_seconds: float
    stored: Stored


def drive(stack: Stack, plan: Plan, backend: str) -> Run:
    """Run the load generator in its own process against the app; wait for the follow-ups."""
    context = multiprocessing.get_context("spawn")  # never fork a process running uvicorn
    receiving, sending = context.Pipe(duplex=False)
    generator = context.Process(target=generate_load, args=(plan, sending), name="load")
    cpu_before = os.times()
    generator.start()
    sending.close()
    if not receiving.poll(plan.seconds + RESULT_TIMEOUT_SECONDS):
        generator.kill()
        raise BenchError("the load generator sent nothing back in time")
    outcome, value = receiving.recv()
    cpu_after = os.times()
    generator.join()
    if outcome != "ok":
        raise BenchError(f"the load generator failed: {value}")
    server_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    drain_seconds = settle(stack)
    return Run(backend, plan, value, server_cpu, drain_seconds, read_stored(stack))


# -- the report --------------------------------------------------------------------------------

Row = tuple[str, str, str, str]


def ms(values: list[float], pct: float) -> str:
    """A percentile in milliseconds, formatted."""
    return f"{percentile(values, pct) * 1000:.1f} ms"


def offer_delays(run: Run) -> list[float]:
    """Seconds from each new group's answer to its offer's message in Slack."""
    answered, posted = run.load.first_answered_at, run.stored.offer_posted_at
    return [posted[n] - answered[n] for n in sorted(answered) if n in posted]


def new_group_rows(run: Run) -> list[Row]:
    """The first notification of each group: the answer, and the offer it puts in Slack."""
    first = run.load.first
    p99 = percentile(first, 99) * 1000
    delays = offer_delays(run)
    rows: list[Row] = [
        ("new groups/s (first notifications)", f"{len(first) / run.load.first_wall:.0f}", "", ""),
        ("new group: answer p50", ms(first, 50), "", ""),
        ("new group: answer p95", ms(first, 95), "", ""),
        (
            "new group: answer p99",
            f"{p99:.1f} ms",
            f"< {P99_GOAL_MS:.0f} ms",
            verdict(p99 < P99_GOAL_MS),
        ),
        ("new group: answer max", f"{max(first) * 1000:.1f} ms", "", ""),
    ]
    if delays:
        rows += [
            ("new group: answer → offer in Slack, p50", ms(delays, 50), "", ""),
            ("new group: answer → offer in Slack, max", f"{max(delays) * 1000:.1f} ms", "", ""),
        ]
    return rows


def figure_rows(run: Run) -> list[Row]:
    """Throughput and latency of the timed notifications, beside their goals."""
    load = run.load
    rate = len(load.repeats) / load.wall
    p99 = percentile(load.repeats, 99) * 1000
    other = load.sent - load.statuses[202]
    return [
        *new_group_rows(run),
        (
            "repeats: notifications/s",
            f"{rate:.0f}",
            f">= {THROUGHPUT_GOAL:.0f}",
            verdict(rate >= 300),
        ),
        ("repeats: alerts/s", f"{rate * ALERTS_PER_GROUP:.0f}", "", ""),
        ("repeats: latency p50", ms(load.repeats, 50), "", ""),
        ("repeats: latency p95", ms(load.repeats, 95), "", ""),
        (
            "repeats: latency p99",
            f"{p99:.1f} ms",
            f"< {P99_GOAL_MS:.0f} ms",
            verdict(p99 < P99_GOAL_MS),
        ),
        ("repeats: latency max", f"{max(load.repeats) * 1000:.1f} ms", "", ""),
        ("answers other than 202", str(other), "0", "BROKEN" if other else ""),
    ]


def stored_rows(run: Run) -> list[Row]:
    """What the database holds, against what the load says it must."""
    stored, load = run.stored, run.load
    groups = run.plan.groups + WARMUP_GROUPS

    def check(value: int, want: int) -> tuple[str, str]:
        return str(want), "" if value == want else "BROKEN"

    return [
        ("stored alert groups", str(stored.groups), *check(stored.groups, groups)),
        (
            "stored alerts (10 a group: deduplicated)",
            str(stored.alerts),
            *check(stored.alerts, groups * ALERTS_PER_GROUP),
        ),
        ("stored alerts resolved", str(stored.resolved), *check(stored.resolved, load.resolved)),
        (
            "stored deliveries (notifications sent)",
            str(stored.deliveries),
            *check(stored.deliveries, load.sent),
        ),
        ("offers posted in Slack", str(stored.offers), *check(stored.offers, groups)),
        ("Slack steps recorded as failed", str(stored.failures), *check(stored.failures, 0)),
    ]


def describe_breakage(run: Run) -> list[str]:
    """Why the run broke, if it did."""
    problems = [f"answer other than 202: {bad}" for bad in run.load.bad]
    problems += [
        f"{figure} is {value}, expected {want}"
        for figure, value, want, result in stored_rows(run)
        if result == "BROKEN"
    ]
    return problems


def print_report(run: Run) -> None:
    """Every figure beside its goal."""
    plan, load = run.plan, run.load
    rows = [*figure_rows(run), *stored_rows(run)]
    width = max(len(r[0]) for r in rows)
    print(f"Warroom webhooks ({run.backend}), {date.today().isoformat()}, {describe_machine()}")
    print(
        f"Alertmanager notifications of {ALERTS_PER_GROUP} alerts for {plan.groups} groups, "
        f"{plan.concurrency} kept-alive connections from a separate process; {load.warmup} "
        f"warm-up notifications not counted; {len(load.first)} new groups at once, then "
        f"{plan.seconds:.0f} s of repeats: {len(load.repeats)} timed, {load.resolved} of them "
        "resolved one more alert first"
    )
    print()
    print(f"{'figure':<{width}}  {'value':>14}  {'goal':<9}  result")
    for figure, value, goal, result in rows:
        print(f"{figure:<{width}}  {value:>14}  {goal:<9}  {result}".rstrip())
    print()
    print(
        f"CPU during the load: app and sandbox {run.server_cpu:.1f} s, load generator "
        f"{load.cpu:.1f} s, over {load.wall:.1f} s; follow-ups drained "
        f"{run.drain_seconds:.2f} s after the last answer"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=50, help="alert groups (default 50)")
    parser.add_argument("--seconds", type=float, default=10.0, help="timed load (default 10)")
    parser.add_argument("--concurrency", type=int, default=12, help="connections (default 12)")
    parser.add_argument(
        "--resolve",
        type=float,
        default=0.05,
        help="share of notifications that first resolve one alert (default 0.05)",
    )
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: a SQLite file)")
    args = parser.parse_args(argv)
    if args.concurrency < 1 or args.groups < args.concurrency or args.seconds <= 0:
        parser.error("need --concurrency >= 1, --groups >= --concurrency and --seconds > 0")
    if not 0 <= args.resolve <= 1:
        parser.error("--resolve is a share between 0 and 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the load on one backend; 0 unless the run broke."""
    args = parse_args(argv)
    silence_logs()
    backend = "postgres" if args.postgres else "sqlite"
    try:
        with bench_database(args.postgres) as url, webhook_stack(url) as stack:
            plan = Plan(
                host="127.0.0.1",
                port=stack.handle.port,
                groups=args.groups,
                seconds=args.seconds,
                concurrency=args.concurrency,
                resolve=args.resolve,
            )
            run = drive(stack, plan, backend)
    except (BenchError, SQLAlchemyError) as error:
        print(f"bench/webhooks.py: the run broke: {error}", file=sys.stderr)
        return 2
    print_report(run)
    problems = describe_breakage(run)
    for problem in problems:
        print(f"bench/webhooks.py: the run broke: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
