"""Fixtures of the on-call tests that drive the app through the sandbox."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_oncall_app import TUESDAY, OncallApp, StartApp, app_starter, on_record

from bot.sandbox import SandboxServer
from bot.slack.listeners import oncall as oncall_listener


@pytest.fixture(scope="module")
def oncall_sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each app start resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def start_app(
    database_url: str, oncall_sandbox: SandboxServer, tmp_path: Path
) -> Iterator[StartApp]:
    """Start apps with the on-call warroom.yml on this test's database."""
    with app_starter(database_url, oncall_sandbox, tmp_path) as start:
        yield start


@pytest.fixture
def app(start_app: StartApp, monkeypatch: pytest.MonkeyPatch) -> OncallApp:
    """The app on Tuesday morning; the directory knows alice, bob and carol but not their
    time zones. Reads may take longer than in production: these tests are about what a read
    says, and a busy test machine must not turn that into a timeout (the deadline has a test
    of its own)."""
    monkeypatch.setattr(oncall_listener, "READ_DEADLINE", 10.0)
    app = start_app(TUESDAY)
    on_record(app)
    return app
