"""Fixtures for stakeholder updates and the status page from Slack: one sandbox server for the
folder, a real SMTP server per test, the app on a fresh database per test and backend."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from comms.comms_stack import CommsHarness, comms_app
from servers.smtp_server import SmtpServer, smtp_server

from bot.sandbox import SandboxServer


@pytest.fixture(scope="module")
def comms_sandbox() -> Iterator[SandboxServer]:
    """One sandbox server for the module; each test resets its world."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) keeping what it receives."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def app(
    database_url: str,
    comms_sandbox: SandboxServer,
    smtp: SmtpServer,
    tmp_path: Path,
) -> Iterator[CommsHarness]:
    """The app with stakeholders and the status page in warroom.yml."""
    with comms_app(database_url, comms_sandbox, tmp_path, smtp) as harness:
        yield harness
