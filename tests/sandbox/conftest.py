"""Fixtures: a sandbox on a real port, slack-sdk clients against it, and a recording app."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from slack_sdk import WebClient
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox import SandboxServer, ServerHandle, serve_in_thread
from bot.sandbox.client import SandboxClient
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import DEFAULT_SIGNING_SECRET, DEFAULT_TOKEN


@pytest.fixture(scope="module")
def sandbox_server() -> Iterator[SandboxServer]:
    """One sandbox HTTP server per test module."""
    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxServer) -> SandboxServer:
    """The module's sandbox server, serving a fresh workspace for this test."""
    sandbox_server.reset()
    return sandbox_server


@pytest.fixture
async def client(sandbox: SandboxServer) -> AsyncIterator[AsyncWebClient]:
    """The async slack-sdk client the bot uses, pointed at the sandbox."""
    web = AsyncWebClient(token=DEFAULT_TOKEN, base_url=sandbox.api_url)
    yield web
    if web.session is not None:
        await web.session.close()


@pytest.fixture
def sync_client(sandbox: SandboxServer) -> WebClient:
    """The synchronous slack-sdk client (form-encoded bodies) against the sandbox."""
    return WebClient(token=DEFAULT_TOKEN, base_url=sandbox.api_url)


@dataclass
class Received:
    """One request the recording app received."""

    headers: dict[str, str]
    body: bytes


@dataclass
class RecordingApp:
    """An app stand-in that records every request and answers with scripted statuses."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    handle: ServerHandle | None = None

    @property
    def url(self) -> str:
        assert self.handle is not None
        return f"{self.handle.url}/slack/events"

    def build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/slack/events")
        async def events(request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.received.append(Received(dict(request.headers), body))
                status = self.statuses.pop(0) if self.statuses else 200
            return JSONResponse({"status": status}, status_code=status)

        return app

    def bodies(self) -> list[dict[str, Any]]:
        import json

        with self.lock:
            return [json.loads(r.body) for r in self.received]


@pytest.fixture(scope="module")
def recorder_server() -> Iterator[RecordingApp]:
    """One recording app served over HTTP per test module."""
    app = RecordingApp()
    app.handle = serve_in_thread(app.build())
    yield app
    app.handle.stop()


@pytest.fixture
def recorder(recorder_server: RecordingApp) -> RecordingApp:
    """The module's recording app, with nothing received and no scripted failures."""
    with recorder_server.lock:
        recorder_server.received.clear()
        recorder_server.statuses.clear()
    return recorder_server


@pytest.fixture
def driver(sandbox: SandboxServer, recorder: RecordingApp) -> Iterator[SlackDriver]:
    """A driver that plays Slack toward the recording app, with event delivery connected."""
    with SlackDriver(recorder.url, DEFAULT_SIGNING_SECRET, sandbox.url) as slack:
        slack.connect_events()
        yield slack


@pytest.fixture
def control(sandbox: SandboxServer) -> Iterator[SandboxClient]:
    """A SandboxClient on this test's sandbox: faults, outages and state over `/_sandbox`."""
    inspector = SandboxClient(sandbox.url)
    yield inspector
    inspector.close()
