"""Serve an ASGI app on 127.0.0.1 in a background thread: the sandbox, or the bot itself."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Coroutine
from types import TracebackType
from typing import Any, TypeVar

import uvicorn

from bot.sandbox.server import create_sandbox_app
from bot.sandbox.transport import attach_server
from bot.sandbox.world import World

STARTUP_TIMEOUT_SECONDS = 10.0


T = TypeVar("T")


class _ThreadServer(uvicorn.Server):
    """A uvicorn server that stops as soon as asked, instead of at its next 0.1 s tick."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def request_exit(self) -> None:
        """Ask the server to shut down now (from any thread)."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake.set)


class ServerHandle:
    """A running uvicorn server: its URL, and how to stop it."""

    def __init__(self, server: _ThreadServer, thread: threading.Thread, port: int) -> None:
        self.server = server
        self.thread = thread
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the server's own event loop and wait for its result."""
        loop = self.server._loop
        if loop is None:
            raise RuntimeError("the server is not running")
        return asyncio.run_coroutine_threadsafe(work, loop).result(timeout)

    def stop(self) -> None:
        """Shut the server down and wait for its thread."""
        self.server.request_exit()
        self.thread.join(timeout=5)
        if self.thread.is_alive():
            self.server.force_exit = True
            self.thread.join(timeout=5)

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _bind_ephemeral_port() -> socket.socket:
    # Naming IPPROTO_TCP lets asyncio set TCP_NODELAY on accepted connections; without it
    # every answer waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def serve_in_thread(app: Any, *, log_level: str = "warning") -> ServerHandle:
    """Start `app` under uvicorn on a free port; return once it accepts connections."""
    sock = _bind_ephemeral_port()
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level=log_level, access_log=False, timeout_graceful_shutdown=1, lifespan="auto"
    )
    server = _ThreadServer(config)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(server.serve(sockets=[sock]))
        except BaseException as exc:  # the caller is told below; a thread cannot raise
            errors.append(exc)
        finally:
            sock.close()

    thread = threading.Thread(target=run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError(f"server on port {port} did not start: {errors or 'timeout'}")
        time.sleep(0.005)
    return ServerHandle(server, thread, port)


class SandboxServer:
    """The sandbox served over real HTTP; `api_url` is what the bot's WebClient needs."""

    def __init__(self, world: World | None = None, **world_options: Any) -> None:
        self.world = world if world is not None else World(**world_options)
        self.app = create_sandbox_app(self.world)
        self._handle = serve_in_thread(self.app)
        attach_server(self.app, self._handle.server)
        self.url = self._handle.url
        self.api_url = f"{self.url}/api/"

    def reset(self, world: World | None = None, **world_options: Any) -> World:
        """Serve a brand-new world from now on (faster than a new server per test)."""
        old = self.world
        self.world = world if world is not None else World(**world_options)
        self.app.state.world = self.world
        old.close()
        return self.world

    def stop(self) -> None:
        """Stop serving and stop event delivery."""
        self._handle.stop()
        self.world.close()

    def __enter__(self) -> SandboxServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
