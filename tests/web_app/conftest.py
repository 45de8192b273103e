"""Fixtures of the web app's tests: one sandbox (Slack and its Sign in with Slack) a module, and
the whole app serving the dashboard's seeded incidents."""

from collections.abc import Iterator

import pytest
from dashboard_stack import DashboardApp, dashboard_app

from bot.sandbox import SandboxServer


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    """One sandbox (Slack and its sign-in) for the module."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def site(database_url: str, sandbox: SandboxServer) -> Iterator[DashboardApp]:
    """The whole app with the dashboard's incidents seeded, signing in with the sandbox."""
    with dashboard_app(database_url, sandbox) as served:
        yield served
