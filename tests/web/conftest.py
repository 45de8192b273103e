"""Fixtures for the web tests: the guarded app on a real server."""

from collections.abc import Iterator

import pytest
from guarded_server import Served, serve_guarded


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """One server per test module."""
    with serve_guarded() as served:
        yield served


@pytest.fixture
def served(server: Served) -> Served:
    """The module's server, with what earlier tests sent forgotten."""
    server.calls.clear()
    server.other_calls.clear()
    return server
