"""The real app on real HTTP, talking to the sandbox, driven by signed requests."""

from collections.abc import Iterator

import pytest
from harness import MANIFEST, SECRET, Harness, ShiftableClock, build_test_settings

from bot.app import build_warroom
from bot.sandbox import SandboxServer, serve_in_thread
from bot.sandbox.driver import SlackDriver


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox server; each test gets a brand-new world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def harness(database_url: str, sandbox_server: SandboxServer) -> Iterator[Harness]:
    """A fresh sandbox world and database, the app serving on its own port."""
    sandbox_server.reset()
    settings = build_test_settings(database_url, sandbox_server.api_url)
    clock = ShiftableClock()
    warroom = build_warroom(settings, clock=clock, retry_delays=(0.05, 0.1))
    handle = serve_in_thread(warroom.http)
    driver = SlackDriver(f"{handle.url}/slack/events", SECRET, sandbox_server.url)
    driver.connect_events()
    driver.configure(subscriptions=MANIFEST["settings"]["event_subscriptions"]["bot_events"])
    try:
        yield Harness(driver=driver, warroom=warroom, handle=handle, clock=clock)
    finally:
        driver.wait_for_deliveries()
        handle.stop()
        driver.close()
        warroom.engine.dispose()
