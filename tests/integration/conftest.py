"""The real app on real HTTP, talking to the sandbox, driven by signed requests."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta
from typing import Any

import pytest
from harness import MANIFEST, SECRET, Harness, ShiftableClock, build_test_settings

from bot.app import build_warroom
from bot.kernel.outbox import Policy
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver

# Retries come quickly in tests: a transient failure is tried again within a tenth of a second.
FAST = Policy(first_retry=timedelta(milliseconds=50), max_backoff=timedelta(seconds=1))


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox server; each test gets a brand-new world."""
    with SandboxServer() as server:
        yield server


MakeHarness = Callable[..., Harness]


@pytest.fixture
def make_harness(database_url: str, sandbox_server: SandboxServer) -> Iterator[MakeHarness]:
    """Start the app with extra settings (and a routing config, and an outbox policy other
    than FAST); one app per test."""
    with ExitStack() as stack:

        def make(
            routing: Any = None, outbox_policy: Policy | None = None, **overrides: Any
        ) -> Harness:
            sandbox_server.reset()
            settings = build_test_settings(database_url, sandbox_server.api_url, **overrides)
            clock = ShiftableClock()
            warroom = build_warroom(
                settings, clock=clock, routing=routing, outbox_policy=outbox_policy or FAST
            )
            handle = serve_in_thread(warroom.http)
            driver = SlackDriver(f"{handle.url}/slack/events", SECRET, sandbox_server.url)
            driver.connect_events()
            bot_events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
            driver.configure(subscriptions=bot_events)

            def stop() -> None:
                driver.wait_for_deliveries()
                handle.run(warroom.settle())
                handle.stop()
                driver.close()
                warroom.engine.dispose()

            stack.callback(stop)
            return Harness(driver=driver, warroom=warroom, handle=handle, clock=clock)

        yield make


@pytest.fixture
def harness(make_harness: MakeHarness) -> Harness:
    """A fresh sandbox world and database, the app serving on its own port."""
    return make_harness()
