"""A tiny FastAPI app behind SlackRequestGuard, served by uvicorn on 127.0.0.1 over real HTTP."""

import asyncio
import hashlib
import hmac
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request

from bot.web.limits import uvicorn_limits
from bot.web.slack_guard import SlackRequestGuard

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
MAX_BODY = 64 * 1024
BODY_TIMEOUT = 1.0


@dataclass
class Served:
    """The running server, what its Slack route received, and how to sign for it."""

    port: int
    max_body: int
    body_timeout: float
    calls: list[bytes] = field(default_factory=list)
    other_calls: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def sign(self, body: bytes, timestamp: str | None = None) -> dict[str, str]:
        """Slack's two signature headers for `body`, at `timestamp` (now by default)."""
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        base = b"v0:" + timestamp.encode() + b":" + body
        digest = hmac.new(SECRET.encode(), base, hashlib.sha256).hexdigest()
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


def build_app(served: Served) -> Any:
    """The guarded app: `/slack/events` records what it gets, `/other` must not be guarded."""
    api = FastAPI()

    @api.post("/slack/events")
    async def slack_events(request: Request) -> dict[str, bool]:
        served.calls.append(await request.body())
        return {"ok": True}

    @api.post("/other")
    async def other_post(request: Request) -> dict[str, int]:
        length = len(await request.body())
        served.other_calls.append(length)
        return {"length": length}

    @api.get("/other")
    async def other_get() -> dict[str, bool]:
        return {"ok": True}

    return SlackRequestGuard(
        api, signing_secret=SECRET, max_body=served.max_body, body_timeout=served.body_timeout
    )


@contextmanager
def serve_guarded(**limits: Any) -> Iterator[Served]:
    """Serve the guarded app in a thread, with the production uvicorn limits unless overridden."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    served = Served(port=sock.getsockname()[1], max_body=MAX_BODY, body_timeout=BODY_TIMEOUT)
    config = uvicorn.Config(
        build_app(served),
        log_config=None,  # leave logging alone: the tests capture it
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=1,
        **{**uvicorn_limits(), **limits},
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="guarded", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield served
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        sock.close()
