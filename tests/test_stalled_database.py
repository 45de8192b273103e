"""A database that refuses, hangs or holds its locks: `/readyz` and the webhooks answer 503 in
bounded time instead of hanging (`/healthz`, liveness, stays 200), and recover by themselves
once the database is back.

The PostgreSQL tests put a TCP proxy (tests/tcp_proxy.py) between the real app and the test
server and switch it between `forward`, `refuse` and `blackhole`.
"""

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, pool, select, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel, col
from tcp_proxy import Mode, TcpProxy

from bot.app import Warroom, build_warroom, webhook_deadline
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.runner import ServerHandle
from bot.settings import DatabaseSettings, Settings, database_timeouts
from bot.web.health import HEALTH_DEADLINE
from storage.database import Timeouts, make_engine
from storage.models import Alert, WebhookDelivery

POSTGRES_URL = os.environ.get("WARROOM_TEST_POSTGRES_URL", "").strip()
needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="PostgreSQL is not configured: set WARROOM_TEST_POSTGRES_URL to run these",
)
TOKEN = "stalled-database-webhook-token"
# Short timeouts, so that a test waits seconds, not the defaults' quarter of a minute.
TIMEOUTS = Timeouts(connect=2.0, statement=2.0, lock=1.0)
DEADLINE = webhook_deadline(TIMEOUTS)
HEALTH_BOUND = 2.5  # seconds /readyz may take, whatever the database does
WEBHOOK_BOUND = DEADLINE + 1.0


# -- settings ------------------------------------------------------------------------------


def test_database_timeouts_default_to_5s_15s_10s() -> None:
    settings = DatabaseSettings(_env_file=None)  # type: ignore[call-arg]
    assert database_timeouts(settings) == Timeouts(connect=5.0, statement=15.0, lock=10.0)


def test_database_timeouts_are_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DB_CONNECT_TIMEOUT", "3s")
    monkeypatch.setenv("WARROOM_DB_STATEMENT_TIMEOUT", "1m")
    monkeypatch.setenv("WARROOM_DB_LOCK_TIMEOUT", "20s")
    settings = DatabaseSettings(_env_file=None)  # type: ignore[call-arg]
    assert database_timeouts(settings) == Timeouts(connect=3.0, statement=60.0, lock=20.0)


@pytest.mark.parametrize("value", ["0", "0s", "-5s", "soon", ""])
def test_a_database_timeout_must_be_a_positive_duration(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WARROOM_DB_STATEMENT_TIMEOUT", value)
    with pytest.raises(ValidationError, match="warroom_db_statement_timeout"):
        DatabaseSettings(_env_file=None)  # type: ignore[call-arg]


def test_a_database_timeout_given_in_code_must_be_positive() -> None:
    with pytest.raises(ValidationError, match="positive"):
        DatabaseSettings(_env_file=None, warroom_db_lock_timeout=timedelta(0))  # type: ignore[call-arg]


# -- the app on a database behind the proxy ------------------------------------------------


@dataclass
class Running:
    """The app serving on its own port."""

    warroom: Warroom
    handle: ServerHandle

    def health(self) -> tuple[httpx.Response, float]:
        """`GET /readyz` (it asks the database) and how long it took."""
        started = time.monotonic()
        response = httpx.get(f"{self.handle.url}/readyz", timeout=30)
        return response, time.monotonic() - started

    def alive(self) -> bool:
        """`GET /healthz` answers 200: the process is alive, whatever the database does."""
        return httpx.get(f"{self.handle.url}/healthz", timeout=30).status_code == 200

    def webhook(self, body: dict[str, Any]) -> tuple[httpx.Response, float]:
        """`POST /webhooks/alertmanager` and how long it took."""
        started = time.monotonic()
        response = httpx.post(
            f"{self.handle.url}/webhooks/alertmanager",
            json=body,
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )
        return response, time.monotonic() - started


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """Slack, for the offers the alerts make."""
    with SandboxServer() as server:
        yield server


@contextmanager
def running(database_url: str, sandbox: SandboxServer, on_stop: Any = None) -> Iterator[Running]:
    """The real app on `database_url`, with the short `TIMEOUTS`."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        slack_bot_token="xoxb-sandbox-token",
        slack_signing_secret="stalled-database-signing-secret",
        slack_api_url=sandbox.api_url,
        database_url=database_url,
        warroom_webhook_token=TOKEN,
        warroom_tick_interval=timedelta(days=1),  # ticks are not what these tests are about
        warroom_db_connect_timeout=timedelta(seconds=TIMEOUTS.connect),
        warroom_db_statement_timeout=timedelta(seconds=TIMEOUTS.statement),
        warroom_db_lock_timeout=timedelta(seconds=TIMEOUTS.lock),
    )
    warroom = build_warroom(settings)
    handle = serve_in_thread(warroom.http)
    try:
        yield Running(warroom, handle)
    finally:
        if on_stop is not None:
            on_stop()  # let threads waiting on the database go before the server joins them
        handle.stop()
        warroom.engine.dispose()


@dataclass
class Postgres:
    """The test schema: its URL (through the proxy) and a direct engine for checking rows."""

    url: str
    engine: Engine


@pytest.fixture
def postgres(request: pytest.FixtureRequest) -> Postgres:
    """A migrated, emptied PostgreSQL test schema."""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL is not configured: set WARROOM_TEST_POSTGRES_URL")
    url, engine = request.getfixturevalue("_postgres_migrated")
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))
    return Postgres(url, engine)


@pytest.fixture
def proxy(postgres: Postgres) -> Iterator[TcpProxy]:
    """A proxy in front of the test server, forwarding."""
    server = make_url(postgres.url)
    with TcpProxy((server.host or "127.0.0.1", server.port or 5432)) as proxy:
        yield proxy


@pytest.fixture
def app(postgres: Postgres, proxy: TcpProxy, sandbox: SandboxServer) -> Iterator[Running]:
    """The app, its database reached through the proxy."""
    url = make_url(postgres.url).set(host="127.0.0.1", port=proxy.port)
    with running(
        url.render_as_string(hide_password=False),
        sandbox,
        on_stop=lambda: proxy.set_mode("refuse"),
    ) as app:
        yield app


def notification(name: str, fingerprint: str) -> dict[str, Any]:
    """An Alertmanager notification with one firing alert."""
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "status": "firing",
        "receiver": "warroom",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": name, "severity": "warning", "service": "checkout"},
                "annotations": {"summary": f"{name} on checkout"},
                "startsAt": "2026-11-25T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus.example/graph",
                "fingerprint": fingerprint,
            }
        ],
    }


def count_alerts(engine: Engine, fingerprint: str) -> int:
    """How many alert rows the database holds for this fingerprint."""
    with engine.connect() as connection:
        query = select(func.count()).where(col(Alert.key).startswith(f"{fingerprint}@"))
        return int(connection.execute(query).scalar_one())


def count_deliveries(engine: Engine, fingerprint: str) -> int:
    """How many accepted webhook bodies mention this fingerprint."""
    with engine.connect() as connection:
        query = select(func.count()).where(col(WebhookDelivery.body).contains(fingerprint))
        return int(connection.execute(query).scalar_one())


def wait_for(check: Any, *, timeout: float, what: str) -> Any:
    """Poll `check()` until it returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def ping_threads() -> int:
    """Health pings out now."""
    return sum(t.name == "warroom-health-ping" for t in threading.enumerate())


def app_threads() -> int:
    """Threads of this process, but for the proxy's."""
    return sum(not t.name.startswith("proxy-") for t in threading.enumerate())


def assert_recovers(app: Running, proxy: TcpProxy, postgres: Postgres, name: str) -> None:
    """Forwarding again: healthy within seconds, and a webhook is stored."""
    proxy.set_mode("forward")
    wait_for(lambda: app.health()[0].status_code == 200, timeout=10, what="/readyz 200")
    response, _ = app.webhook(notification(name, f"{name}-fp"))
    assert response.status_code == 202, response.text
    assert count_alerts(postgres.engine, f"{name}-fp") == 1


# -- PostgreSQL ----------------------------------------------------------------------------


@needs_postgres
def test_the_app_engine_carries_the_configured_timeouts(app: Running) -> None:
    with app.warroom.engine.connect() as connection:
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "2s"
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "1s"


@needs_postgres
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
def test_readyz_answers_503_within_two_seconds_every_time_the_database_does_not_answer(
    app: Running, proxy: TcpProxy, postgres: Postgres, mode: Mode
) -> None:
    assert app.health()[0].status_code == 200
    threads = app_threads()
    proxy.set_mode(mode)
    timings = []
    for _ in range(10):
        response, took = app.health()
        timings.append(took)
        assert response.status_code == 503, response.text
        assert response.json()["ok"] is False
        assert took < HEALTH_BOUND, timings
        assert app.alive()  # liveness never asks the database: nobody restarts the replica
        assert ping_threads() <= 1  # a ping stuck in connect is joined, never piled on
    assert max(timings) <= HEALTH_DEADLINE + 0.5  # no slower at the tenth than at the first
    assert app_threads() <= threads + 1  # at most the one ping still out
    assert_recovers(app, proxy, postgres, f"health-{mode}")


@needs_postgres
@pytest.mark.slow
@pytest.mark.parametrize("mode", ["refuse", "blackhole"])
def test_a_webhook_answers_503_in_bounded_time_when_the_database_does_not_answer(
    app: Running, proxy: TcpProxy, postgres: Postgres, mode: Mode
) -> None:
    warm, _ = app.webhook(notification("Warmup", "warm-fp"))  # pooled connections to go stale
    assert warm.status_code == 202, warm.text
    proxy.set_mode(mode)
    for attempt in range(3):
        response, took = app.webhook(notification("Stalled", f"stalled-{attempt}"))
        assert response.status_code == 503, response.text
        assert response.json()["error"] == "unavailable"
        assert "try again" in response.json()["reason"]
        assert took < WEBHOOK_BOUND, f"attempt {attempt} took {took:.1f}s"
    assert_recovers(app, proxy, postgres, f"webhook-{mode}")


@needs_postgres
@pytest.mark.slow
def test_a_delivery_answered_503_but_stored_later_is_stored_once_when_retried(
    app: Running, proxy: TcpProxy, postgres: Postgres
) -> None:
    body = notification("Retried", "retried-fp")
    assert app.webhook(notification("Warmup", "warm-fp"))[0].status_code == 202
    proxy.set_mode("blackhole")  # the pooled connection stalls mid-delivery
    first, _ = app.webhook(body)
    assert first.status_code == 503
    proxy.set_mode("forward")  # the stalled delivery goes through after all
    wait_for(
        lambda: count_deliveries(postgres.engine, "retried-fp") == 1,
        timeout=10,
        what="the stalled delivery to be stored",
    )
    retry, _ = app.webhook(body)  # the sender retries, as a 503 asks it to
    assert retry.status_code == 202, retry.text
    assert count_deliveries(postgres.engine, "retried-fp") == 2  # both bodies, as sent
    assert count_alerts(postgres.engine, "retried-fp") == 1  # one alert, seen twice


# -- SQLite --------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_webhook_answers_503_while_another_process_holds_the_sqlite_write_lock(
    _sqlite_template: Path, tmp_path: Path, sandbox: SandboxServer
) -> None:
    path = tmp_path / "warroom.db"
    shutil.copyfile(_sqlite_template, path)
    url = f"sqlite:///{path}"
    with running(url, sandbox) as app:
        assert app.webhook(notification("Warmup", "warm-fp"))[0].status_code == 202
        other = sqlite3.connect(path, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # held well past WARROOM_DB_LOCK_TIMEOUT
            response, took = app.webhook(notification("Locked", "locked-fp"))
            assert response.status_code == 503, response.text
            assert response.json()["error"] == "unavailable"
            # Each writer of the process queued ahead (the outbox, the inbox) may wait out the
            # lock timeout first; the webhook's deadline bounds the sum.
            assert took < WEBHOOK_BOUND
            assert app.health()[0].status_code == 200  # reads still answer
        finally:
            other.rollback()
            other.close()
        response, _ = app.webhook(notification("Locked", "locked-fp"))
        assert response.status_code == 202, response.text
    engine = make_engine(url, poolclass=pool.NullPool)
    try:
        assert count_alerts(engine, "locked-fp") == 1
    finally:
        engine.dispose()
