"""The insights dashboard at size: `GET /app/insights` of a real `warroom run` process, signed
in through the real sign-in flow, over 10,000 incidents and 200,000 timeline events.

Seeds a fresh database (a SQLite file, or with --postgres a schema of its own on that server,
dropped afterwards) with `bench/insights_report.py`'s data set (two years up to 5 Dec 2026, 2%
drills, 20,000 pages, 10,000 action items), starts the sandbox in a process of its own (Slack
and its Sign in with Slack) and one `warroom run` with `/app` on, signs in as a person does
(the incident list, the sandbox's sign-in page, pick alice, back), then times, one request at a
time:

- fresh views: queries never asked before (each period under each of the 16 combinations of
  severities): the figures read and tallied, the charts drawn, the page rendered;
- repeat views: the same query again within the 30 s its figures and charts are kept.

Queries: 30d, 90d, year, and 90d filtered to SEV1+SEV2 of one service. Goal: p95 under 300 ms.
The exit status is non-zero only when the run itself broke.

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

from bot.demo.insights import app_settings, sign_in_with_slack

GOAL_MS = 300.0
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


def time_views(url: str, requests: int) -> dict[str, tuple[list[float], list[float]]]:
    """Per query: the milliseconds of fresh views (this query under each combination of
    severities, none asked before: figures read and tallied, charts drawn) and of repeat views
    (the query again, its figures and charts kept)."""
    timings: dict[str, tuple[list[float], list[float]]] = {}
    with httpx.Client(headers={"accept": "text/html"}, timeout=60) as client:
        # Signed in on the incident list, so that no dashboard query was asked before timing.
        page = sign_in_with_slack(client, f"{url}/app/incidents", "U0ALICE")
        if page.status_code != 200 or "Signed in as" not in page.text:
            raise BenchError(f"signing in failed: {page.status_code} {page.text[:300]}")
        for name, query in QUERIES.items():
            fresh = [_view(client, url, [*query, *extra]) for extra in _severity_choices(query)]
            repeats = [_view(client, url, query) for _ in range(requests)]
            timings[name] = (fresh, repeats)
    return timings


def _severity_choices(query: list[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """The query as asked, then (when it names no severity) under each non-empty set of
    severities: 16 queries of the same period, none asked before."""
    if any(key == "severity" for key, _ in query):
        return [[]]
    chosen = [[s for n, s in enumerate(SEVERITIES) if mask >> n & 1] for mask in range(16)]
    return [[("severity", s) for s in severities] for severities in chosen]


def _view(client: httpx.Client, url: str, query: list[tuple[str, str]]) -> float:
    target = f"{url}/app/insights?{urlencode(query)}"
    began = time.perf_counter()
    answer = client.get(target)
    took = (time.perf_counter() - began) * 1000
    if answer.status_code != 200 or "table-metrics" not in answer.text:
        raise BenchError(f"{target} answered {answer.status_code}")
    return took


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
    for name, (fresh, repeats) in views.items():
        print(
            f"  GET {name:<24} fresh ({len(fresh):2d}) p50 {percentile(fresh, 50):7.1f}"
            f" p95 {percentile(fresh, 95):7.1f} ms   repeat ({len(repeats)}) p50"
            f" {percentile(repeats, 50):6.1f} p95 {percentile(repeats, 95):6.1f} ms"
        )
    for kind, index in (("fresh", 0), ("repeat", 1)):
        worst = max(percentile(v[index], 95) for v in views.values())
        print(f"  {kind} views, worst p95: {worst:.0f} ms {word(worst < GOAL_MS)} (goal < 300 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
