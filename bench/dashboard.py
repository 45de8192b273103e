"""The insights dashboard at size: `GET /app/insights` of a real `warroom run` process, signed
in through the real sign-in flow, over 10,000 incidents and 200,000 timeline events.

Seeds a fresh database (a SQLite file, or with --postgres a schema of its own on that server,
dropped afterwards) with `bench/insights_report.py`'s data set (two years up to 5 Dec 2026, 2%
drills, 20,000 pages, 10,000 action items), starts the sandbox in a process of its own (Slack
and its Sign in with Slack) and one `warroom run` with `/app` on, signs in as a person does
(the incident list, the sandbox's sign-in page, pick alice, back), then times, one request at a
time:

- fresh views: queries never asked before (each period under each of the 16 combinations of
  severities): the figures read and tallied, the page rendered; then the page's three chart
  images, one after the other as a browser starts them (each drawn from the figures the page
  kept), timed apart and with the page as the view's total;
- repeat views: the same page again within the 30 s its figures are kept.

Queries: 30d, 90d, year, and 90d filtered to SEV1+SEV2 of one service. Goal: the page's p95
under 300 ms. The exit status is non-zero only when the run itself broke.

    .venv/bin/python bench/dashboard.py [--postgres URL] [--requests 20]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
from _harness import BenchError, bench_database, describe_machine, percentile, silence_logs
from _harness import verdict as word
from _replicas import WARROOM, free_port, replica_environment, stop_replicas, wait_until_serving
from _sandbox_process import SandboxProcess
from insights_report import seed

from bot.demo.insights import app_settings, chart_images, sign_in_with_slack

GOAL_MS = 300.0
GOALS = ("fresh", "repeats")  # the page's; its images follow it
WORDS = {
    "fresh": "fresh views",
    "repeats": "repeat views",
    "charts": "chart requests (of fresh views)",
    "totals": "fresh views with their charts",
}
SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
ZONE = "Europe/Berlin"
QUERIES = {
    "30d": [("period", "30d")],
    "90d": [("period", "90d")],
    "year": [("period", "year")],
    "90d sev1+sev2 payments": [
        ("period", "90d"),
        ("severity", "sev1"),
        ("severity", "sev2"),
        ("service", "payments"),
    ],
}


@contextmanager
def warroom_run(database_url: str, sandbox: SandboxProcess) -> Iterator[str]:
    """One `warroom run` with `/app` signing in with the sandbox's Slack; its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {**app_settings(sandbox.url, url), "warroom_timezone": ZONE}
    with tempfile.TemporaryDirectory(prefix="warroom-dash-") as home:
        log = Path(home) / "warroom.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(WARROOM), "run"],
                cwd=home,
                env=replica_environment(database_url, sandbox, port, settings),
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        try:
            wait_until_serving(process, url, log)
            yield url
        except BenchError:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            stop_replicas([process])


@dataclass
class Timings:
    """One query's milliseconds: fresh pages, their chart requests, each fresh page with its
    charts, and repeat pages."""

    fresh: list[float] = field(default_factory=list)
    charts: list[float] = field(default_factory=list)
    totals: list[float] = field(default_factory=list)
    repeats: list[float] = field(default_factory=list)


def time_views(url: str, requests: int) -> dict[str, Timings]:
    """Per query: fresh views (this query under each combination of severities, none asked
    before: figures read and tallied; then its charts drawn) and repeat views (the page again,
    its figures kept)."""
    timings: dict[str, Timings] = {}
    with httpx.Client(headers={"accept": "text/html"}, timeout=60) as client:
        # Signed in on the incident list, so that no dashboard query was asked before timing.
        page = sign_in_with_slack(client, f"{url}/app/incidents", "U0ALICE")
        if page.status_code != 200 or "Signed in as" not in page.text:
            raise BenchError(f"signing in failed: {page.status_code} {page.text[:300]}")
        for name, query in QUERIES.items():
            timed = timings[name] = Timings()
            for extra in _severity_choices(query):
                took, html = _view(client, url, [*query, *extra])
                charts = [_chart(client, url, src) for src in chart_images(html)]
                if len(charts) != 3:
                    raise BenchError(f"the page linked {len(charts)} charts, not 3")
                timed.fresh.append(took)
                timed.charts.extend(charts)
                timed.totals.append(took + sum(charts))
            timed.repeats.extend(_view(client, url, query)[0] for _ in range(requests))
    return timings


def _severity_choices(query: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The query as asked, then (when it names no severity) under each non-empty set of
    severities: 16 queries of the same period, none asked before."""
    if any(key == "severity" for key, _ in query):
        return [[]]
    chosen = [[s for n, s in enumerate(SEVERITIES) if mask >> n & 1] for mask in range(16)]
    return [[("severity", s) for s in severities] for severities in chosen]


def _view(client: httpx.Client, url: str, query: list[tuple[str, str]]) -> tuple[float, str]:
    target = f"{url}/app/insights?{urlencode(query)}"
    began = time.perf_counter()
    answer = client.get(target)
    took = (time.perf_counter() - began) * 1000
    if answer.status_code != 200 or "table-metrics" not in answer.text:
        raise BenchError(f"{target} answered {answer.status_code}")
    return took, answer.text


def _chart(client: httpx.Client, url: str, src: str) -> float:
    # Asked as a browser asks for an image (not for HTML), with no copy of it kept yet.
    began = time.perf_counter()
    answer = client.get(f"{url}{src}", headers={"accept": "image/svg+xml,image/*,*/*;q=0.8"})
    took = (time.perf_counter() - began) * 1000
    if answer.status_code != 200 or b"<svg" not in answer.content:
        raise BenchError(f"{src} answered {answer.status_code}")
    return took


def _ms(values: list[float], pct: float) -> str:
    return f"{percentile(values, pct):7.1f}"


def main() -> int:
    """Seed, serve, sign in, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL server (default SQLite)")
    parser.add_argument("--incidents", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    silence_logs()
    print(describe_machine())
    with bench_database(args.postgres) as url:
        backend = "postgresql" if args.postgres else "sqlite"
        seeded = seed(url, args.incidents, args.events)
        print(
            f"{backend}: seeded {args.incidents} incidents, {args.events} events in {seeded:.1f} s"
        )
        with SandboxProcess() as sandbox, warroom_run(url, sandbox) as app:
            views = time_views(app, args.requests)
    for name, timed in views.items():
        print(
            f"  GET {name:<24} fresh ({len(timed.fresh):2d}) p50 {_ms(timed.fresh, 50)}"
            f" p95 {_ms(timed.fresh, 95)} ms   repeat ({len(timed.repeats)}) p50"
            f" {_ms(timed.repeats, 50)} p95 {_ms(timed.repeats, 95)} ms"
        )
        print(
            f"      {'its charts':<24} each ({len(timed.charts):2d}) p50 {_ms(timed.charts, 50)}"
            f" p95 {_ms(timed.charts, 95)} ms   page+charts p50 {_ms(timed.totals, 50)}"
            f" p95 {_ms(timed.totals, 95)} ms"
        )
    worst = {kind: max(percentile(getattr(t, kind), 95) for t in views.values()) for kind in WORDS}
    for kind, words in WORDS.items():
        verdict = f" {word(worst[kind] < GOAL_MS)} (goal < 300 ms)" if kind in GOALS else ""
        print(f"  {words}, worst p95: {worst[kind]:.0f} ms{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
