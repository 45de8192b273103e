"""Post-mortem render time for an incident with 5,000 timeline events.

Builds the incident, its roles, updates, action items and timeline as in-memory model instances
(no database), then times building the document's context and rendering the built-in Markdown
template separately, over several repetitions after an uncounted warm-up. Prints p50 and max
beside the goal with PASS or MISS; exits non-zero only when the run broke (a document came out
incomplete).

    .venv/bin/python bench/render.py [--events 5000 --repetitions 20]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from _harness import BenchError, describe_machine, percentile, verdict

from bot.incidents.postmortem.render import PostmortemRenderer, load_postmortem_renderer
from bot.incidents.rules.postmortem import PostmortemContext, build_postmortem_context
from storage.enums import EventKind, Role, Severity, Status
from storage.models import ActionItem, Incident, IncidentRole, StatusUpdate, TimelineEvent

GOAL_MS = 300.0
WARMUP = 2
START = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
KINDS = (
    EventKind.NOTE,
    EventKind.UPDATE,
    EventKind.PINNED,
    EventKind.STATUS_CHANGED,
    EventKind.ROLE_ASSIGNED,
    EventKind.UPDATE_MISSED,
)
# Stored text is plain: a person is `@<id>`, listed in the row's `mentions`; the rest is what
# someone typed, Markdown specials and Slack-looking markup included (all of it stays literal).
TEXT = (
    "Error rate on @U0{n:04d}'s shard is {n}% — see *dashboards* | `p99` > 2s; "
    "# not a heading, [not](a link) & <!channel> stays literal"
)


@dataclass
class Incident5k:
    """Everything the post-mortem reads about one large incident."""

    incident: Incident
    roles: list[IncidentRole]
    timeline: list[TimelineEvent]
    updates: list[StatusUpdate]
    action_items: list[ActionItem]
    people: dict[str, str]


def make_incident(events: int) -> Incident5k:
    """An incident with `events` timeline events of every common kind, a second apart."""
    incident = Incident(
        id=1,
        number=5000,
        title="Checkout degraded for a whole day",
        summary="A long incident.\nMany notes.",
        severity=Severity.SEV1,
        status=Status.CLOSED,
        services=["checkout-api", "payments"],
        declared_by="U00001",
        detected_at=START - timedelta(minutes=5),
        declared_at=START,
        acknowledged_at=START + timedelta(minutes=2),
        acknowledged_by="U00002",
        mitigated_at=START + timedelta(hours=20),
        resolved_at=START + timedelta(hours=22),
        root_cause="A retry storm.",
        resolution="Rate limits.",
    )
    timeline: list[TimelineEvent] = []
    updates: list[StatusUpdate] = []
    for n in range(events):
        kind = KINDS[n % len(KINDS)]
        at = START + timedelta(seconds=n)
        text = TEXT.format(n=n % 50)
        timeline.append(
            TimelineEvent(
                incident_id=1,
                kind=kind,
                text=text,
                mentions=[f"U0{n % 50:04d}"],
                actor=f"U0{n % 50:04d}",
                occurred_at=at,
                permalink=f"https://acme.slack.com/archives/C1/p{n}" if kind == "pinned" else None,
            )
        )
        if kind == EventKind.UPDATE:
            updates.append(
                StatusUpdate(
                    incident_id=1,
                    text=text,
                    mentions=[f"U0{n % 50:04d}"],
                    author=f"U0{n % 50:04d}",
                    posted_at=at,
                    status=Status.INVESTIGATING,
                    severity=Severity.SEV1,
                )
            )
    roles = [
        IncidentRole(incident_id=1, role=role, user_id=f"U0000{i}", assigned_at=START)
        for i, role in enumerate(Role)
    ]
    items = [
        ActionItem(
            incident_id=1,
            text=f"Follow-up {i}",
            owner="U00001",
            due_on=date(2026, 12, 1),
            created_by="U00001",
        )
        for i in range(20)
    ]
    people = {f"U0{i:04d}": f"person{i}" for i in range(50)}
    return Incident5k(incident, roles, timeline, updates, items, people)


def build(data: Incident5k) -> PostmortemContext:
    """The context, as the service and the CLI build it."""
    return build_postmortem_context(
        data.incident,
        data.roles,
        data.timeline,
        data.updates,
        data.action_items,
        people=data.people,
    )


def check(document: str, events: int) -> None:
    """Fail the run when the document lost any event."""
    timeline = document.split("\n## Timeline\n", 1)[1].split("\n## Root Cause\n", 1)[0]
    bullets = sum(1 for line in timeline.splitlines() if line.startswith("- **"))
    expected = events + 1  # and the line saying when impact began
    if bullets != expected:
        raise BenchError(f"the timeline has {bullets} lines, expected {expected}")


@contextmanager
def full_collections() -> Iterator[list[float]]:
    """Milliseconds spent in each full (oldest-generation) garbage collection inside the block."""
    pauses: list[float] = []
    started: list[float] = []

    def watch(phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            started[:] = [time.perf_counter()]
        elif started:
            pauses.append((time.perf_counter() - started[0]) * 1000)

    gc.callbacks.append(watch)
    try:
        yield pauses
    finally:
        gc.callbacks.remove(watch)


def measure(
    renderer: PostmortemRenderer, data: Incident5k, repetitions: int
) -> tuple[list[float], list[float]]:
    """Seconds to build the context and to render it, per repetition (warm-up excluded)."""
    builds, renders = [], []
    for repetition in range(WARMUP + repetitions):
        started = time.perf_counter()
        context = build(data)
        built = time.perf_counter()
        document = renderer.render(context)
        done = time.perf_counter()
        check(document, len(data.timeline))
        if repetition >= WARMUP:
            builds.append(built - started)
            renders.append(done - built)
    return builds, renders


def main(argv: list[str] | None = None) -> int:
    """Time build and render; 0 unless the run broke."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000, help="timeline events (5000)")
    parser.add_argument("--repetitions", type=int, default=20, help="timed runs (20)")
    args = parser.parse_args(argv)
    if args.events < 1 or args.repetitions < 1:
        parser.error("--events and --repetitions must be at least 1")
    started = time.perf_counter()
    renderer = load_postmortem_renderer(None)
    load_ms = (time.perf_counter() - started) * 1000
    data = make_incident(args.events)
    try:
        with full_collections() as pauses:
            builds, renders = measure(renderer, data, args.repetitions)
    except BenchError as error:
        print(f"bench/render.py: the run broke: {error}", file=sys.stderr)
        return 2
    totals = [b + r for b, r in zip(builds, renders, strict=True)]
    size = len(renderer.render(build(data)).encode())
    print(f"Warroom post-mortem render, {date.today().isoformat()}, {describe_machine()}")
    print(
        f"{args.events} timeline events, {len(data.updates)} status updates; {args.repetitions} "
        f"timed runs after {WARMUP} warm-up; document {size / 1024:.0f} KiB"
    )
    print(f"template load and sample-render check (once, at start-up): {load_ms:.1f} ms")
    shown = ", ".join(f"{pause:.0f} ms" for pause in pauses) or "none"
    print(f"full garbage collections during the runs: {len(pauses)} ({shown})")
    print()
    print(f"{'figure':<24}  {'p50':>9}  {'max':>9}  {'goal':<9}  result")
    for figure, samples, goal in (
        ("build context", builds, None),
        ("render Markdown", renders, None),
        ("build + render", totals, GOAL_MS),
    ):
        p50, worst = percentile(samples, 50) * 1000, max(samples) * 1000
        result = verdict(worst < goal) if goal else ""
        shown = f"< {goal:.0f} ms" if goal else ""
        print(f"{figure:<24}  {p50:>6.1f} ms  {worst:>6.1f} ms  {shown:<9}  {result}".rstrip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
