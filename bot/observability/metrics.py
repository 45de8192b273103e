"""Prometheus metrics of one Warroom instance, on a registry of its own (several apps in one
process, as in the tests, never share or collide). Every name starts with `warroom_`.

Counters and histograms count what this process did (requests served, Slack calls made, jobs
run, pages sent, acknowledgements stored); Prometheus sums them over replicas. The gauges read
from the database at scrape time (`DatabaseCollector`) are the same on every replica.
"""

from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.registry import Collector

# No `_created` series beside each counter and histogram: they double the output for a start
# time Prometheus does not need.
disable_created_metrics()

FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class SlackOutcome:
    """How a Web API call ended, as the `outcome` label says it."""

    OK = "ok"  # Slack answered ok
    EXPECTED = "expected"  # Slack said no, with a code the caller expected (name_taken, say)
    REFUSED = "refused"  # Slack said no
    RATELIMITED = "ratelimited"  # 429 or `ratelimited`: retried later
    UNAVAILABLE = "unavailable"  # 5xx, a timeout, a dropped connection: retried later


ANSWERED = frozenset({SlackOutcome.OK, SlackOutcome.EXPECTED, SlackOutcome.REFUSED})


class Metrics:
    """The counters, histograms and collectors of one instance, and `scrape()` to read them."""

    def __init__(self, *, version: str = "unknown") -> None:
        self.registry = CollectorRegistry()
        registry = self.registry
        self.http = Histogram(
            "warroom_http_request_duration_seconds",
            "HTTP requests served, by method, route template and status, and how long they took",
            ["method", "route", "status"],
            buckets=FAST,
            registry=registry,
        )
        self.slack_calls = Counter(
            "warroom_slack_calls",
            "Slack Web API calls by method and outcome "
            "(ok, expected, refused, ratelimited, unavailable)",
            ["method", "outcome"],
            registry=registry,
        )
        self.slack_duration = Histogram(
            "warroom_slack_call_duration_seconds",
            "How long Slack Web API calls took, by method",
            ["method"],
            buckets=FAST,
            registry=registry,
        )
        self.slack_seen = Gauge(
            "warroom_slack_last_seen_timestamp_seconds",
            "When Slack last answered a call from this process (Unix time)",
            registry=registry,
        )
        self.job_duration = Histogram(
            "warroom_job_duration_seconds",
            "Scheduled jobs run, by job, and how long they took",
            ["job"],
            buckets=SLOW,
            registry=registry,
        )
        self.job_failures = Counter(
            "warroom_job_failures",
            "Scheduled job runs that raised, by job",
            ["job"],
            registry=registry,
        )
        self.pages = Counter(
            "warroom_pages",
            "Pages carried out, by outcome (sent, failed)",
            ["outcome"],
            registry=registry,
        )
        self.acknowledgements = Counter(
            "warroom_acknowledgements",
            "Incidents acknowledged (the first acknowledgement only), by where: incident or page",
            ["via"],
            registry=registry,
        )
        for outcome in ("sent", "failed"):
            self.pages.labels(outcome)
        for via in ("incident", "page"):
            self.acknowledgements.labels(via)
        Info("warroom_build", "The running version", registry=registry).info({"version": version})
        ProcessCollector(namespace="warroom", registry=registry)
        self._refresh: list[Any] = []
        self.last_answer: datetime | None = None
        self.last_failure: datetime | None = None

    def watch(self, collector: Collector) -> None:
        """Add a collector; one with an async `refresh()` is refreshed before each scrape."""
        self.registry.register(collector)
        if hasattr(collector, "refresh"):
            self._refresh.append(collector)

    async def scrape(self) -> tuple[bytes, str]:
        """The Prometheus text exposition of everything, and its content type."""
        for collector in self._refresh:
            await collector.refresh()
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP request served."""
        shown = method if method in HTTP_METHODS else "OTHER"
        self.http.labels(shown, route, str(status)).observe(seconds)

    def slack_call(self, method: str, outcome: str, seconds: float) -> None:
        """One Web API call, and whether Slack answered it."""
        self.slack_calls.labels(method, outcome).inc()
        self.slack_duration.labels(method).observe(seconds)
        now = datetime.now(UTC)
        if outcome in ANSWERED:
            self.last_answer = now
            self.slack_seen.set(now.timestamp())
        else:
            self.last_failure = now

    def slack_status(self) -> dict[str, Any]:
        """When Slack last answered, and whether a call failed to reach it since."""
        answer, failure = self.last_answer, self.last_failure
        return {
            "last_seen": _iso(answer),
            "last_failure": _iso(failure),
            "failing": failure is not None and (answer is None or failure > answer),
        }

    def job_run(self, job: str, seconds: float, *, failed: bool) -> None:
        """One run of a scheduled job."""
        self.job_duration.labels(job).observe(seconds)
        if failed:
            self.job_failures.labels(job).inc()

    def page(self, *, sent: bool) -> None:
        """One page carried out, or one attempt that failed (the outbox retries it)."""
        self.pages.labels("sent" if sent else "failed").inc()

    def acknowledged(self, via: str) -> None:
        """The first acknowledgement of an incident was stored."""
        self.acknowledgements.labels(via).inc()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None
