"""Several `warroom run` processes sharing one database, behind a round-robin "load balancer",
with the sandbox standing in for Slack in a process of its own.

The inbox and the outbox live in the database, so any process may carry out what another
acknowledged: more processes add throughput. The bench plays the load balancer: its client
connections are spread over the processes in turn. Slack delivers events to one request URL,
here the first process's. With no app in the bench's process, "settled" is read from the
database: no stored request left to carry out, no effect due soon.
"""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _harness import (
    CHANNELS_PER_MINUTE,
    MANIFEST,
    BenchError,
    Reply,
    SignedRequest,
    post_concurrently,
)
from _sandbox_process import SandboxProcess, cpu_seconds
from sqlalchemy import create_engine, func, pool, select
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.sandbox import SlackDriver
from storage.models import Effect, InboxItem

ROOT = Path(__file__).resolve().parents[1]
WARROOM = ROOT / ".venv" / "bin" / "warroom"
SECRET = "sandbox-signing-secret"
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 15.0
SETTLE_HORIZON_SECONDS = 2.0


@dataclass
class ReplicaStack:
    """N `warroom run` processes on one database, the sandbox, and a driver."""

    sandbox: SandboxProcess
    driver: SlackDriver
    database_url: str
    urls: list[str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def events_url(self) -> str:
        """Where Slack delivers events (the first process), and a slash command may go."""
        return f"{self.urls[0]}/slack/events"

    @property
    def events_urls(self) -> list[str]:
        """Every process's request URL, for spreading requests over them."""
        return [f"{url}/slack/events" for url in self.urls]

    def reader(self) -> Engine:
        """A separate engine on the app's database, for polling."""
        return create_engine(self.database_url, poolclass=pool.NullPool)

    def cpu_seconds(self) -> float:
        """CPU time all the app's processes used so far."""
        return sum(cpu_seconds(p.pid) for p in self.processes)


def free_port() -> int:
    """A port nobody listens on now (the process about to use it binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def replica_environment(
    database_url: str, sandbox: SandboxProcess, port: int, settings: dict[str, Any]
) -> dict[str, str]:
    """What `warroom run` reads: the sandbox as Slack, the shared database, its own port."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(("WARROOM_", "SLACK_", "DATABASE_URL"))
    }
    environment.update(
        {
            "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
            "SLACK_SIGNING_SECRET": SECRET,
            "SLACK_API_URL": sandbox.api_url,
            "DATABASE_URL": database_url,
            "WARROOM_HOST": "127.0.0.1",
            "WARROOM_PORT": str(port),
            "WARROOM_LOG_LEVEL": "WARNING",
            "WARROOM_CHANNELS_PER_MINUTE": str(CHANNELS_PER_MINUTE),
        }
    )
    environment.update({key.upper(): str(value) for key, value in settings.items()})
    return environment


def wait_until_serving(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    """Wait for `GET /healthz` to answer; a process that died says why (its log's tail)."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise BenchError(f"warroom run on {url} exited with {process.returncode}: {tail}")
        with suppress(httpx.HTTPError):
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        time.sleep(0.1)
    raise BenchError(f"warroom run on {url} did not answer within {START_TIMEOUT_SECONDS:.0f} s")


def stop_replicas(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each (what runs may finish), then wait; kill what does not stop."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@contextmanager
def replica_stack(database_url: str, replicas: int, **settings: Any) -> Iterator[ReplicaStack]:
    """`replicas` `warroom run` processes on a migrated database, with extra `settings`
    (lower-case setting names, as `Settings` takes them), and a fresh sandbox process."""
    with SandboxProcess() as sandbox, tempfile.TemporaryDirectory(prefix="warroom-rep-") as home:
        processes: list[subprocess.Popen[bytes]] = []
        urls: list[str] = []
        try:
            for n in range(replicas):
                port = free_port()
                log = Path(home) / f"replica-{n}.log"
                with log.open("wb") as output:
                    process = subprocess.Popen(
                        [str(WARROOM), "run"],
                        cwd=home,  # no .env of the checkout is read
                        env=replica_environment(database_url, sandbox, port, settings),
                        stdin=subprocess.DEVNULL,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                    )
                processes.append(process)
                urls.append(f"http://127.0.0.1:{port}")
                wait_until_serving(process, urls[-1], log)
            driver = SlackDriver(f"{urls[0]}/slack/events", SECRET, sandbox.url)
            try:
                driver.connect_events()
                driver.configure(
                    subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"]
                )
                yield ReplicaStack(sandbox, driver, database_url, urls, processes)
            finally:
                driver.close()
        finally:
            stop_replicas(processes)


def post_spread(urls: list[str], requests: list[SignedRequest], concurrency: int) -> list[Reply]:
    """POST the requests round-robin over `urls` (request n to url n mod len), the
    connections shared out as evenly; every reply's `index` is its place in `requests`."""
    shares: list[list[Reply]] = [[] for _ in urls]
    errors: list[BaseException] = []
    count = len(urls)

    def send(n: int) -> None:
        try:
            mine = requests[n::count]
            if mine:
                slots = max(1, concurrency // count + (1 if n < concurrency % count else 0))
                shares[n] = post_concurrently(urls[n], mine, slots)
        except BaseException as error:  # reported below; a thread cannot raise to the caller
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    replies = []
    for n, share in enumerate(shares):
        for reply in share:
            replies.append(
                Reply(
                    reply.seconds,
                    reply.finished_at,
                    reply.status,
                    reply.body,
                    n + count * reply.index,
                    reply.acked_at,
                )
            )
    return replies


def settle_database(stack: ReplicaStack, *, timeout: float = 120.0) -> float:
    """Wait until the sandbox has no event left to deliver and the database holds no stored
    request left to carry out and no effect due within a couple of seconds; the seconds it
    took."""
    started = time.perf_counter()
    reader = stack.reader()
    try:
        while True:
            stack.driver.wait_for_deliveries(timeout=timeout)
            if _idle(reader) and stack.driver.state("deliveries")["pending_deliveries"] == 0:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                raise BenchError(f"the app did not settle within {timeout:.0f} s")
            time.sleep(0.1)
    finally:
        reader.dispose()


def _idle(reader: Engine) -> bool:
    soon = datetime.now(UTC) + timedelta(seconds=SETTLE_HORIZON_SECONDS)
    waiting = select(func.count()).select_from(InboxItem).where(col(InboxItem.done_at).is_(None))
    due = (
        select(func.count())
        .select_from(Effect)
        .where(col(Effect.state) == "pending", col(Effect.next_try_at) <= soon)
    )
    with reader.connect() as connection:
        left = connection.execute(waiting).scalar_one() + connection.execute(due).scalar_one()
    return int(left) == 0
