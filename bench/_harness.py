"""Shared setup for bench scripts: the real app on real HTTP, against its own sandbox."""

from __future__ import annotations

import http.client
import logging
import math
import os
import platform
import queue
import secrets
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import yaml
from sqlalchemy import Select, create_engine, func, pool, select, text, true
from sqlalchemy.engine import Engine, make_url
from sqlmodel import col

from bot.app import Warroom, build_warroom
from bot.kernel.outbox import Policy as OutboxPolicy
from bot.sandbox import SandboxServer, ServerHandle, SlackDriver, serve_in_thread
from bot.sandbox.payloads import build_slash_form
from bot.sandbox.signing import build_signed_headers
from bot.serve import freeze_startup_objects
from bot.settings import Settings
from storage.migrate import upgrade
from storage.models import Incident, IncidentSurface

SECRET = "sandbox-signing-secret"
FORM = "application/x-www-form-urlencoded"
ROOT = Path(__file__).resolve().parents[1]
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())
# The sandbox enforces no rate limits, so neither does the app here: the channel-creation
# limiter (WARROOM_CHANNELS_PER_MINUTE, 20 a minute by default, Slack's Tier 2) is set to the
# highest value the settings accept. Its bucket holds that many, so no bench burst waits on it.
CHANNELS_PER_MINUTE = 1000
QUIET_LOGGERS = ("warroom", "bot", "slack_bolt", "slack_sdk", "uvicorn", "httpx", "alembic")


class BenchError(RuntimeError):
    """The run itself broke (as opposed to a figure missing its goal)."""


def silence_logs() -> None:
    """Show only warnings and worse from the app, the sandbox and their libraries."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(logging.WARNING)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def describe_machine() -> str:
    """One line saying where the figures came from."""
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}"
    )


@dataclass
class Stack:
    """The app serving on its own port, its sandbox, a driver, and the app's database."""

    sandbox: SandboxServer
    warroom: Warroom
    handle: ServerHandle
    driver: SlackDriver
    database_url: str

    @property
    def events_url(self) -> str:
        """Where Slack (here: the bench) POSTs slash commands and events."""
        return f"{self.handle.url}/slack/events"

    def reader(self) -> Engine:
        """A separate engine on the app's database, for polling without using its pool."""
        return create_engine(self.database_url, poolclass=pool.NullPool)


@contextmanager
def running_stack(**settings: Any) -> Iterator[Stack]:
    """A fresh SQLite file, a fresh sandbox and the app wired to both, torn down afterwards.

    The sandbox keeps its default of not enforcing rate limits, and delivers the events the
    manifest subscribes to, as Slack would.
    """
    with sqlite_database() as database_url, app_stack(database_url, **settings) as stack:
        yield stack


@contextmanager
def sqlite_database() -> Iterator[str]:
    """A migrated SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="warroom-bench-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'warroom.db'}"
        upgrade(database_url)
        yield database_url


@contextmanager
def bench_database(postgres: str | None) -> Iterator[str]:
    """A fresh SQLite file, or with `postgres` a schema of its own on that server."""
    if postgres:
        with postgres_database(postgres) as url:
            yield url
    else:
        with sqlite_database() as url:
            yield url


@contextmanager
def app_stack(
    database_url: str, *, outbox_policy: OutboxPolicy | None = None, **settings: Any
) -> Iterator[Stack]:
    """A fresh sandbox and the app on a migrated database, with extra `settings`.

    Unless `settings` say otherwise, the channel-creation limiter is as high as it goes
    (`CHANNELS_PER_MINUTE`): the sandbox does not limit rates either.
    """
    settings.setdefault("warroom_channels_per_minute", CHANNELS_PER_MINUTE)
    silence_logs()  # alembic's logging config turns INFO back on
    with SandboxServer() as sandbox:
        config = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token="xoxb-sandbox-token",
            slack_signing_secret=SECRET,
            slack_api_url=sandbox.api_url,
            database_url=database_url,
            **settings,
        )
        warroom = build_warroom(config, outbox_policy=outbox_policy)
        freeze_startup_objects()  # as `warroom run` does before it serves
        handle = serve_in_thread(warroom.http)
        driver = SlackDriver(f"{handle.url}/slack/events", SECRET, sandbox.url)
        try:
            driver.connect_events()
            driver.configure(
                subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"]
            )
            yield Stack(sandbox, warroom, handle, driver, database_url)
        finally:
            handle.stop()
            driver.close()
            warroom.engine.dispose()


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A migrated schema of its own on the PostgreSQL server, dropped afterwards."""
    if server_url.startswith("postgresql://"):
        server_url = "postgresql+psycopg://" + server_url.removeprefix("postgresql://")
    schema = f"warroom_bench_{secrets.token_hex(4)}"
    server = create_engine(server_url, poolclass=pool.NullPool)
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(server_url)
        options = " ".join(
            filter(None, [str(url.query.get("options", "")), f"-csearch_path={schema}"])
        )
        schema_url = url.update_query_dict({"options": options}).render_as_string(
            hide_password=False
        )
        upgrade(schema_url)
        yield schema_url
    finally:
        with server.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        server.dispose()


@dataclass(frozen=True)
class SignedRequest:
    """A request body and headers exactly as Slack would send them, ready to POST."""

    body: bytes
    headers: dict[str, str]


def prepare_slash_commands(
    stack: Stack,
    texts: list[str],
    *,
    user: str = "alice",
    channel: str = "general",
    command: str = "/incident",
) -> list[SignedRequest]:
    """Signed slash commands (`/incident` unless told), each with its own trigger_id and
    response_url.

    The sandbox hands out the interaction handles here, before any timing starts, so that a
    measured request is nothing but the POST to the app.
    """
    person, target = stack.driver.user(user), stack.driver.channel(channel)
    prepared = []
    with httpx.Client(base_url=stack.sandbox.url, timeout=10) as control:
        for command_text in texts:
            issued = control.post(
                "/_sandbox/interaction", json={"user": person["id"], "channel": target["id"]}
            )
            issued.raise_for_status()
            handles = issued.json()
            form = build_slash_form(
                token=stack.driver.verification_token,
                team_id=stack.driver.team_id,
                team_domain=stack.driver.team_domain,
                channel_id=target["id"],
                channel_name=target["name"],
                user_id=person["id"],
                user_name=person["name"],
                command=command,
                text=command_text,
                api_app_id=stack.driver.api_app_id,
                response_url=handles["response_url"],
                trigger_id=handles["trigger_id"],
            )
            body = urlencode(form).encode()
            headers = build_signed_headers(SECRET, int(time.time()), body, FORM)
            headers["User-Agent"] = "Slackbot 1.0 (+https://api.slack.com/robots)"
            prepared.append(SignedRequest(body, headers))
    return prepared


@dataclass(frozen=True)
class Reply:
    """One request's round trip: seconds from sending to the whole answer read, and the answer.

    `index` is the request's place in the list given to `post_concurrently`; `finished_at` is
    `time.perf_counter()` and `acked_at` the wall clock (`time.time()`) when the answer was read.
    """

    seconds: float
    finished_at: float
    status: int
    body: bytes
    index: int = 0
    acked_at: float = 0.0


def post_concurrently(
    url: str, requests: list[SignedRequest], concurrency: int, *, timeout: float = 10.0
) -> list[Reply]:
    """POST every request with `concurrency` in flight, each worker on one kept-alive connection.

    The workers are threads with the standard library's HTTP client: it costs a fraction of a
    millisecond per request, so what is timed is the server, not the load generator. Every
    connection is open before the first request goes out, so no timing includes a TCP connect.
    """
    target = urlsplit(url)
    host, port, path = target.hostname or "127.0.0.1", target.port, target.path
    todo: queue.SimpleQueue[tuple[int, SignedRequest] | None] = queue.SimpleQueue()
    for numbered in enumerate(requests):
        todo.put(numbered)
    replies: list[Reply] = []
    errors: list[BaseException] = []
    start = threading.Barrier(concurrency + 1)

    def work() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.connect()
            start.wait()
            while (numbered := todo.get()) is not None:
                index, request = numbered
                sent = time.perf_counter()
                connection.request("POST", path, body=request.body, headers=request.headers)
                response = connection.getresponse()
                body = response.read()
                done, wall = time.perf_counter(), time.time()
                replies.append(Reply(done - sent, done, response.status, body, index, wall))
        except BaseException as error:  # reported below; a thread cannot raise to the caller
            errors.append(error)
            start.abort()
        finally:
            connection.close()

    workers = [threading.Thread(target=work, name=f"bench-client-{n}") for n in range(concurrency)]
    for worker in workers:
        worker.start()
        todo.put(None)
    with suppress(threading.BrokenBarrierError):
        start.wait()
    for worker in workers:
        worker.join()
    if errors:
        raise BenchError(f"{len(errors)} requests failed, first: {errors[0]!r}")
    return replies


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile: the smallest value with `pct`% of values at or below it."""
    if not values:
        raise BenchError("no samples to take a percentile of")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def count_rows(engine: Engine, sql: str, **params: Any) -> int:
    """Run a `SELECT count(*) …` and return the number."""
    with engine.connect() as connection:
        return int(connection.execute(text(sql), params).scalar_one())


def pinned_status_query(title_prefix: str) -> Select[Any]:
    """How many incidents whose title starts with `title_prefix` have their status block
    pinned in Slack: an `incidentsurface` row (surface `slack`, kind `status`) whose data says
    `pinned: true`. The same SQL on SQLite and PostgreSQL."""
    return (
        select(func.count())
        .select_from(IncidentSurface)
        .join(Incident, col(Incident.id) == col(IncidentSurface.incident_id))
        .where(
            col(IncidentSurface.surface) == "slack",
            col(IncidentSurface.kind) == "status",
            IncidentSurface.data["pinned"].as_boolean() == true(),
            col(Incident.title).like(f"{title_prefix} %"),
        )
    )


def count_pinned(engine: Engine, title_prefix: str) -> int:
    """See `pinned_status_query`."""
    with engine.connect() as connection:
        return int(connection.execute(pinned_status_query(title_prefix)).scalar_one())


def settle(stack: Stack, *, timeout: float = 120.0) -> float:
    """Wait until the sandbox has no event left to deliver and the app has carried out every
    stored request and due effect; the seconds it took."""
    started = time.perf_counter()
    stack.driver.wait_for_deliveries(timeout=timeout)
    stack.handle.run(stack.warroom.settle(timeout=timeout), timeout=timeout + 5)
    stack.driver.wait_for_deliveries(timeout=timeout)
    return time.perf_counter() - started


def wait_until(
    predicate: Callable[[], bool], *, timeout: float, interval: float = 0.05, what: str
) -> float:
    """Poll until `predicate()` holds; return the seconds it took, or raise BenchError."""
    started = time.perf_counter()
    while not predicate():
        if time.perf_counter() - started > timeout:
            raise BenchError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)
    return time.perf_counter() - started


def verdict(met: bool) -> str:
    """The word printed next to a goal."""
    return "PASS" if met else "MISS"


if __name__ == "__main__":
    print("bench/_harness.py is the shared setup of the bench scripts; it measures nothing.")
