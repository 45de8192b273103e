"""Paging under load: 100 incidents escalating at once, and 100 pages acknowledged at once.

Runs the real app over real HTTP (uvicorn in a thread of this process) on a fresh SQLite file,
or with --postgres in a schema of its own on that server (dropped afterwards). The Slack
sandbox runs in a process of its own (`_sandbox_process.py`; `--sandbox in-process` keeps it
in this one), so that its work stays out of the measured process. The app reads a
`warroom.yml` with two routes and two escalation policies of two levels each, and runs on the
real clock with a short level-1 timeout (`--timeout-seconds`, 20 by default): the outbox
notices a due timeout by itself, as in production. (A hand-moved clock would add a wait that
exists only there: a jump forward is noticed at the end of the outbox's nap, up to its 1 s
idle poll, not when the timeout falls due.)

1. Escalation: N alerts are POSTed to `/webhooks/generic` at once (10 connections); each
   declares an incident whose policy pages bob (level 1), then carol (level 2) once level 1
   times out. For each page: the delay from level 1's timeout instant (its level-1 step's time
   plus the timeout: the escalation's `next_at`) to the moment carol's DM was posted, as the
   sandbox stamped it (the message ts). Goal: p99 below 30 s.
2. Acknowledgement: N more alerts page alice, who also has an SMS and a mail due later; once
   every page DM is in, alice clicks Acknowledge on all of them (signed block_actions, 10 in
   flight). For each: the time from the click's HTTP 200 to the moment the page's pending
   notifications are all cancelled in the database (polled every 20 ms), and to the moment
   its DM was edited (the sandbox's log of `chat.update`). Goal: p99 below 5 s. Then it waits
   past every timeout and due time and checks that nothing more of those pages was sent.

Prints each figure beside its goal with PASS or MISS, and exits 0 on a miss; the exit status
is non-zero only when the run itself broke (an answer other than 2xx, or pages that never
arrived).

    .venv/bin/python bench/paging.py [--incidents 100 --timeout-seconds 20 --concurrency 10
                                      --postgres URL --sandbox process|in-process
                                      --workers N --outbox N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from _harness import (
    FORM,
    SECRET,
    BenchError,
    SignedRequest,
    Stack,
    bench_database,
    describe_machine,
    percentile,
    post_concurrently,
    silence_logs,
    verdict,
)
from _paging_app import (
    TOKEN,
    WAIT_SECONDS,
    Pages,
    cpu_now,
    page_dms,
    paging_stack,
    read_pages,
    settle,
    wait_for_sent,
)
from _split_stack import SANDBOX_PLACES
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.kernel.outbox import Policy as OutboxPolicy
from bot.sandbox import payloads as slack_payloads
from bot.sandbox.signing import build_signed_headers
from bot.slack.ids import ActionId

NEXT_LEVEL_GOAL = 30.0  # seconds, p99: level 1's timeout → level 2's DM posted
ACK_GOAL = 5.0  # seconds, p99: the click's 200 → every pending notification cancelled
CLIMB, ACK = "bench-climb", "bench-ack"
BOB, CAROL, ALICE = "U0BOB", "U0CAROL", "U0ALICE"
POLL_SECONDS = 0.02  # how often the acknowledgement watcher reads the database
SETTLED_AFTER = 3.0  # seconds past the last timeout and due time before the final count
YML = """
routes:
  - name: {climb}
    match: {{service: {climb}}}
    action: declare
    escalation: {climb}
  - name: {ack}
    match: {{service: {ack}}}
    action: declare
    escalation: {ack}
escalation_policies:
  - name: {climb}
    levels:
      - targets: [{bob}]
        timeout: {timeout}s
      - targets: [{carol}]
        timeout: 1h
  - name: {ack}
    levels:
      - targets: [{alice}]
        timeout: {ack_timeout}s
      - targets: [{carol}]
        timeout: 1h
people:
  - user: {alice}
    phone: "+15550001111"
    email: alice@example.com
    rules: [{{method: sms, after: {sms}s}}, {{method: email, after: {mail}s}}]
"""


# -- the load ----------------------------------------------------------------------------


def declare(stack: Stack, service: str, count: int, concurrency: int) -> float:
    """POST `count` alerts of `service` at once, each its own incident; the wall clock when
    the last was answered."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    requests = [
        SignedRequest(
            json.dumps(
                {
                    "title": f"{service} {n:03d}: error rate above 5%",
                    "dedup_key": f"{service}-{n:03d}",
                    "severity": "critical",
                    "service": service,
                }
            ).encode(),
            headers,
        )
        for n in range(count)
    ]
    replies = post_concurrently(f"{stack.handle.url}/webhooks/generic", requests, concurrency)
    bad = [r for r in replies if r.status != 202]
    if bad:
        raise BenchError(f"{len(bad)} alerts answered {bad[0].status}: {bad[0].body[:200]!r}")
    return max(r.acked_at for r in replies)


def prepare_clicks(
    stack: Stack, user: str, dms: dict[int, list[dict[str, Any]]]
) -> tuple[list[int], list[SignedRequest]]:
    """A signed Acknowledge click on each page DM, as Slack sends it; the pages, in order."""
    driver = stack.driver
    person, channel = driver.user(user), driver.dm_channel(user)
    assert channel is not None
    who = {"id": person["id"], "username": person["name"], "name": person["name"]}
    who["team_id"] = driver.team_id
    pages, prepared = [], []
    with httpx.Client(base_url=driver.sandbox_url, timeout=10) as control:
        for escalation, (message, *_) in sorted(dms.items()):
            handles = control.post(
                "/_sandbox/interaction",
                json={"user": person["id"], "channel": channel, "message_ts": message["ts"]},
            )
            handles.raise_for_status()
            blocks = message.get("blocks") or []
            block, element = slack_payloads.find_action(blocks, ActionId.ACKNOWLEDGE_PAGE)
            payload = slack_payloads.build_block_actions(
                user=who,
                team={"id": driver.team_id, "domain": driver.team_domain},
                api_app_id=driver.api_app_id,
                token=driver.verification_token,
                container={
                    "type": "message",
                    "message_ts": message["ts"],
                    "channel_id": channel,
                    "is_ephemeral": False,
                },
                trigger_id=handles.json()["trigger_id"],
                response_url=handles.json()["response_url"],
                channel={"id": channel, "name": "directmessage"},
                message=message,
                state_values=slack_payloads.build_state_values(blocks),
                actions=[slack_payloads.build_action(block, element, f"{time.time():.6f}")],
            )
            body = urlencode({"payload": json.dumps(payload)}).encode()
            headers = build_signed_headers(SECRET, int(time.time()), body, FORM)
            headers["User-Agent"] = "Slackbot 1.0 (+https://api.slack.com/robots)"
            pages.append(escalation)
            prepared.append(SignedRequest(body, headers))
    return pages, prepared


class CancelWatch:
    """Reads the database every 20 ms in a thread of its own: when each page was first seen
    acknowledged with no notification left pending (both are written in one transaction)."""

    QUERY = text(
        "SELECT e.id FROM escalation e WHERE e.policy = :policy AND e.state = 'acknowledged' "
        "AND NOT EXISTS (SELECT 1 FROM notification n WHERE n.escalation_id = e.id "
        "AND n.state = 'pending')"
    )

    def __init__(self, stack: Stack, policy: str, pages: list[int]) -> None:
        self.engine = create_engine(stack.database_url, pool_size=1, max_overflow=0)
        self.policy = policy
        self.waiting = set(pages)
        self.seen: dict[int, float] = {}
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._watch, name="cancel-watch", daemon=True)

    def _watch(self) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        try:
            while self.waiting and time.monotonic() < deadline:
                with self.engine.connect() as connection:
                    found = connection.execute(self.QUERY, {"policy": self.policy}).scalars()
                    now = time.time()
                    for escalation in set(found) & self.waiting:
                        self.seen[escalation] = now
                        self.waiting.discard(escalation)
                time.sleep(POLL_SECONDS)
        except BaseException as error:  # reported by `join`; a thread cannot raise
            self.error = error

    def __enter__(self) -> CancelWatch:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._thread.join(WAIT_SECONDS + 5)
        self.engine.dispose()
        if self.error is not None:
            raise BenchError(f"the database watch failed: {self.error!r}")
        if self.waiting:
            raise BenchError(f"{len(self.waiting)} acknowledged pages kept pending notifications")


# -- the two workloads -------------------------------------------------------------------


@dataclass(frozen=True)
class Cpu:
    """CPU seconds used over a stretch of a workload, and how long it was."""

    app: float  # this process: the app, and the bench's client and watch threads
    sandbox: float | None  # None when the sandbox shares this process
    wall: float

    @classmethod
    def since(cls, before: tuple[float, float | None, float], stack: Stack) -> Cpu:
        """What was used since `before` (a `cpu_now` reading)."""
        app, sandbox, at = cpu_now(stack)
        used = None if sandbox is None or before[1] is None else sandbox - before[1]
        return cls(app - before[0], used, at - before[2])

    def describe(self, pages: int) -> str:
        """One line: CPU per page, the app's and the sandbox's."""
        line = f"app CPU {self.app:.2f} s ({self.app / pages * 1000:.0f} ms a page)"
        if self.sandbox is not None:
            line += f", sandbox CPU {self.sandbox:.2f} s"
        return line + f", over {self.wall:.1f} s"


@dataclass(frozen=True)
class Climb:
    """The escalation workload's outcome."""

    pages: Pages
    level1_dms: dict[int, list[dict[str, Any]]]
    level2_dms: dict[int, list[dict[str, Any]]]
    declared_in: float  # seconds from the first alert sent to the last answered
    cpu: Cpu  # from the declarations' tail done to every level 2 sent


def run_climb(stack: Stack, args: argparse.Namespace) -> Climb:
    """Declare N incidents at once, wait for every level 2, and read back what happened."""
    started = time.time()
    answered = declare(stack, CLIMB, args.incidents, args.concurrency)
    wait_for_sent(stack, CLIMB, 0, args.incidents)
    settle(stack, horizon=0.0)  # the declarations' tail, but no timeout before it is due
    before = cpu_now(stack)
    wait_for_sent(stack, CLIMB, 1, args.incidents)
    cpu = Cpu.since(before, stack)
    settle(stack)
    engine = stack.reader()
    try:
        pages = read_pages(engine, CLIMB)
    finally:
        engine.dispose()
    level1, level2 = page_dms(stack, BOB), page_dms(stack, CAROL)
    return Climb(pages, level1, level2, answered - started, cpu)


@dataclass(frozen=True)
class Acks:
    """The acknowledgement workload's outcome."""

    pages: Pages
    clicked: dict[int, float]  # escalation → wall clock when the click's 200 was read
    cancelled: dict[int, float]  # escalation → first seen with nothing pending
    edited: dict[int, float]  # escalation → when its DM was edited (chat.update)
    level1_dms: dict[int, list[dict[str, Any]]]
    level2_dms: dict[int, list[dict[str, Any]]]
    clicks_in: float  # seconds from the first click sent to the last answered
    cpu: Cpu  # from the first click to every page seen cancelled


def run_acks(stack: Stack, args: argparse.Namespace) -> Acks:
    """Page alice N times, acknowledge every page at once, then wait past every timeout and
    due time before reading back what was sent."""
    declare(stack, ACK, args.incidents, args.concurrency)
    wait_for_sent(stack, ACK, 0, args.incidents)
    settle(stack, horizon=0.0)  # the declarations' tail, but nothing that is not due yet
    dms = page_dms(stack, ALICE)
    pages, requests = prepare_clicks(stack, ALICE, dms)
    started, before = time.time(), cpu_now(stack)
    with CancelWatch(stack, ACK, pages) as watch:
        replies = post_concurrently(stack.events_url, requests, args.concurrency)
    cpu = Cpu.since(before, stack)
    bad = [r for r in replies if r.status != 200]
    if bad:
        raise BenchError(f"{len(bad)} clicks answered {bad[0].status}: {bad[0].body[:200]!r}")
    clicked = {pages[r.index]: r.acked_at for r in replies}
    engine = stack.reader()
    try:
        stored = read_pages(engine, ACK)
        last = max([*stored.timeout_at.values(), *(n.due_at for n in stored.notifications)])
        time.sleep(max(0.0, last + SETTLED_AFTER - time.time()))
        settle(stack)
        stored = read_pages(engine, ACK)
    finally:
        engine.dispose()
    ts_of = {str(message["ts"]): e for e, (message, *_) in dms.items()}
    edited: dict[int, float] = {}
    for call in stack.driver.calls("chat.update"):
        page = ts_of.get(str(call["params"].get("ts")))
        if call["ok"] and page is not None and page not in edited:
            edited[page] = float(call["at"])
    return Acks(
        stored,
        clicked,
        watch.seen,
        edited,
        page_dms(stack, ALICE),
        {e: m for e, m in page_dms(stack, CAROL).items() if e in stored.state},
        max(clicked.values()) - started,
        cpu,
    )


# -- the report --------------------------------------------------------------------------

Row = tuple[str, str, str, str]


def spread(name: str, values: list[float], goal: float | None = None) -> list[Row]:
    """p50, p99 and max of `values` (seconds), the p99 against `goal` if given."""
    if not values:
        return [(f"{name}: no samples", "", "", "BROKEN")]
    p99 = percentile(values, 99)
    wanted = f"p99 < {goal:.0f} s" if goal else ""
    return [
        (f"{name}, p50", f"{percentile(values, 50):.3f} s", "", ""),
        (f"{name}, p99", f"{p99:.3f} s", wanted, verdict(p99 < goal) if goal else ""),
        (f"{name}, max", f"{max(values):.3f} s", "", ""),
    ]


def must(name: str, value: int, want: int) -> Row:
    """A count that must be exactly `want`, else the run broke."""
    return (name, str(value), str(want), "" if value == want else "BROKEN")


def climb_rows(climb: Climb, incidents: int) -> list[Row]:
    """Level 1's timeout to level 2's DM, its stages, and the counts."""
    pages = climb.pages
    delays, noticed, sent = [], [], []
    for page, timeout_at in pages.timeout_at.items():
        second = [at for level, _outcome, at in pages.steps.get(page, []) if level == 1]
        dms = climb.level2_dms.get(page)
        if second and dms:
            posted = float(dms[0]["ts"])
            delays.append(posted - timeout_at)
            noticed.append(second[0] - timeout_at)
            sent.append(posted - second[0])
    doubles = sum(len(d) - 1 for dms in (climb.level1_dms, climb.level2_dms) for d in dms.values())
    skipped = sum(
        1
        for page in pages.state
        if [(lv, outcome) for lv, outcome, _ in pages.steps.get(page, [])]
        != [(0, "paged"), (1, "paged")]
        or page not in climb.level1_dms
        or page not in climb.level2_dms
    )
    instants = list(pages.timeout_at.values())
    return [
        ("alerts answered, first sent → last answered", f"{climb.declared_in:.2f} s", "", ""),
        ("level-1 timeouts spread over", f"{max(instants) - min(instants):.2f} s", "", ""),
        *spread("level 1 timeout → level 2 DM posted", delays, NEXT_LEVEL_GOAL),
        *spread("  timeout → level 2 paged (outbox noticed, advanced)", noticed),
        *spread("  level 2 paged → DM posted", sent),
        must("pages declared", len(pages.state), incidents),
        must("level-1 notifications sent (Slack)", pages.sent(0), incidents),
        must("level-2 notifications sent (Slack)", pages.sent(1), incidents),
        must("level-1 DMs in Slack (bob)", len(climb.level1_dms), incidents),
        must("level-2 DMs in Slack (carol)", len(climb.level2_dms), incidents),
        must("doubles (a second DM of one page and level)", doubles, 0),
        must("skipped levels", skipped, 0),
    ]


def ack_rows(acks: Acks, incidents: int) -> list[Row]:
    """The click's 200 to cancelled and to edited, and what was (not) sent after."""
    pages = acks.pages
    cancelled = [acks.cancelled[p] - at for p, at in acks.clicked.items() if p in acks.cancelled]
    edited = [acks.edited[p] - at for p, at in acks.clicked.items() if p in acks.edited]
    recorded = [
        pages.acknowledged_at[p] - at
        for p, at in acks.clicked.items()
        if p in pages.acknowledged_at
    ]
    later = sum(
        1
        for n in pages.notifications
        if n.state != "cancelled" and (n.level, n.method) != (0, "slack")
    )
    after = sum(
        1
        for n in pages.notifications
        if n.sent_at is not None and n.sent_at > pages.acknowledged_at.get(n.escalation, 1e18)
    )
    early = sum(
        1
        for n in pages.notifications
        if n.method != "slack" and n.due_at <= acks.clicked.get(n.escalation, 0.0)
    )
    climbed = sum(1 for steps in pages.steps.values() if any(lv > 0 for lv, _, _ in steps))
    states = Counter(n.state for n in pages.notifications if n.method != "slack")
    return [
        ("clicks answered, first sent → last answered", f"{acks.clicks_in:.2f} s", "", ""),
        *spread("click 200 → pending notifications cancelled", cancelled, ACK_GOAL),
        *spread("  click 200 → acknowledgement's transaction began", recorded),
        *spread("click 200 → page DM edited", edited),
        must(
            "pages acknowledged", sum(s == "acknowledged" for s in pages.state.values()), incidents
        ),
        must("level-1 notifications sent (Slack)", pages.sent(0), incidents),
        must("SMS and mail due before the page's click (raise the timeout)", early, 0),
        must("SMS and mail cancelled", states["cancelled"], 2 * incidents),
        must("notifications sent or tried after the ack", later + after, 0),
        must("pages that climbed to level 2", climbed, 0),
        must("level-2 DMs in Slack (carol)", len(acks.level2_dms), 0),
        must("page DMs edited", len(acks.edited), incidents),
        must(
            "doubles (a second DM of one page)",
            sum(len(d) - 1 for d in acks.level1_dms.values()),
            0,
        ),
    ]


def print_table(title: str, rows: list[Row]) -> None:
    """One workload's figures."""
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}")
    print(f"  {'figure':<{width}}  {'value':>10}  {'goal':<12}  result")
    for figure, value, goal, result in rows:
        print(f"  {figure:<{width}}  {value:>10}  {goal:<12}  {result}".rstrip())


def print_header(args: argparse.Namespace, load: str) -> None:
    """What ran, where, and how busy the machine was."""
    backend = "postgres" if args.postgres else "sqlite"
    workers = args.workers if args.workers is not None else "4 (shipped)"
    outbox = args.outbox if args.outbox is not None else f"{OutboxPolicy().concurrency} (shipped)"
    sandbox = "its own process" if args.sandbox == "process" else "the app's process"
    print(
        f"bench/paging.py ({backend}), {date.today().isoformat()}, {describe_machine()}, "
        f"load average at the start {load}\n"
        f"{args.incidents} incidents per workload from alerts POSTed {args.concurrency} at a "
        f"time; level 1 times out after {args.timeout_seconds} s (real clock); the sandbox in "
        f"{sandbox}; WARROOM_WORKERS={workers}, outbox concurrency {outbox}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100, help="per workload (default 100)")
    parser.add_argument(
        "--timeout-seconds", type=int, default=20, help="level 1's timeout (default 20)"
    )
    parser.add_argument(
        "--concurrency", type=int, default=10, help="alerts and clicks in flight (default 10)"
    )
    parser.add_argument("--postgres", help="PostgreSQL server URL (default: a SQLite file)")
    parser.add_argument(
        "--sandbox",
        choices=SANDBOX_PLACES,
        default="process",
        help="where the Slack sandbox runs (default: a process of its own)",
    )
    parser.add_argument(
        "--workers", type=int, help="WARROOM_WORKERS, the inbox's slots (default: as shipped, 4)"
    )
    parser.add_argument(
        "--outbox", type=int, help="the outbox's concurrency (default: as shipped, 8)"
    )
    args = parser.parse_args(argv)
    if args.incidents < 1 or args.concurrency < 1:
        parser.error("--incidents and --concurrency must be at least 1")
    if not 4 <= args.timeout_seconds <= 3600:
        parser.error("--timeout-seconds must be between 4 and 3600")
    return args


def write_config(folder: Path, timeout: int) -> Path:
    """The bench's `warroom.yml`. Alice's pages time out after twice the timeout, her SMS
    falls due after one timeout and her mail after one and a half: later than the clicks, so
    that no notification comes due while they are timed."""
    path = folder / "warroom.yml"
    values = {"climb": CLIMB, "ack": ACK, "bob": BOB, "carol": CAROL, "alice": ALICE}
    due = {"timeout": timeout, "ack_timeout": 2 * timeout, "sms": timeout}
    path.write_text(YML.format(**values, **due, mail=timeout * 3 // 2))
    return path


def main(argv: list[str] | None = None) -> int:
    """Run both workloads on one backend; 0 unless the run broke."""
    args = parse_args(argv)
    silence_logs()
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    try:
        with (
            tempfile.TemporaryDirectory(prefix="warroom-bench-paging-") as folder,
            bench_database(args.postgres) as url,
            paging_stack(
                url,
                write_config(Path(folder), args.timeout_seconds),
                sandbox=args.sandbox,
                workers=args.workers,
                outbox=args.outbox,
            ) as stack,
        ):
            climb = run_climb(stack, args)
            acks = run_acks(stack, args)
    except (BenchError, SQLAlchemyError, TimeoutError) as error:
        print(f"bench/paging.py: the run broke: {error!r}", file=sys.stderr)
        return 2
    print_header(args, load)
    climbing, acking = climb_rows(climb, args.incidents), ack_rows(acks, args.incidents)
    print_table("Escalation: level 1 times out, level 2 is paged", climbing)
    print(
        f"  from the declarations done to every level 2 sent: {climb.cpu.describe(args.incidents)}"
    )
    print_table("Acknowledgement: Acknowledge clicked on every page at once", acking)
    print(f"  from the first click to every page cancelled: {acks.cpu.describe(args.incidents)}")
    broken = [r for r in climbing + acking if r[3] == "BROKEN"]
    for figure, value, want, _ in broken:
        print(
            f"bench/paging.py: the run broke: {figure} is {value}, expected {want}", file=sys.stderr
        )
    return 2 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
