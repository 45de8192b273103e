"""A tiny HTTP/1.1 server on 127.0.0.1 that answers what the test tells it to: a status with
headers and a body, silence past the client's timeout, or a connection dropped mid-request.

    async with faulty_http() as server:
        server.reply(429, {"Retry-After": "7"}, b"{}")
        ... point a client at server.url ...
        server.requests  # (method, target, body) of what it got
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["reply", "stall", "drop"]
REASONS = {200: "OK", 201: "Created", 400: "Bad Request", 429: "Too Many Requests"}


@dataclass
class FaultyServer:
    """What the server does next, and what it was asked."""

    port: int = 0
    mode: Mode = "reply"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"{}"
    requests: list[tuple[str, str, bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def reply(self, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        """Answer every request with this."""
        self.mode, self.status, self.headers, self.body = "reply", status, headers or {}, body

    def stall(self) -> None:
        """Read requests and never answer."""
        self.mode = "stall"

    def drop(self) -> None:
        """Read requests and close the connection without a word."""
        self.mode = "drop"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """One connection: read a request, then do as told."""
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _version = lines[0].split(" ", 2)
            length = next(
                (
                    int(v)
                    for k, _, v in (h.partition(":") for h in lines[1:])
                    if k.strip().lower() == "content-length"
                ),
                0,
            )
            body = await reader.readexactly(length)
            self.requests.append((method, target, body))
            if self.mode == "stall":
                await asyncio.sleep(3600)
            if self.mode == "reply":
                writer.write(self._answer())
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    def _answer(self) -> bytes:
        reason = REASONS.get(self.status, "Status")
        headers = {"Content-Length": str(len(self.body)), "Connection": "close", **self.headers}
        head = f"HTTP/1.1 {self.status} {reason}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return (head + "\r\n").encode("latin-1") + self.body


@asynccontextmanager
async def faulty_http() -> AsyncIterator[FaultyServer]:
    """Serve on a free port until the block ends; stalled connections are cut then."""
    state = FaultyServer()
    connections: set[asyncio.Task[None]] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        connections.add(task)
        try:
            await state.serve(reader, writer)
        finally:
            connections.discard(task)

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = server.sockets[0].getsockname()[1]
    try:
        yield state
    finally:
        server.close()
        for task in list(connections):
            task.cancel()
        await server.wait_closed()
