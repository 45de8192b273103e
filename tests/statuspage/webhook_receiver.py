"""A webhook subscriber's server (aiohttp) on a free 127.0.0.1 port: keeps every POST with its
headers and raw body, and answers the statuses it is told, in turn (the last one repeats).

    async with webhook_receiver() as receiver:
        receiver.answers = [500, 200]
        ... receiver.posts[0].body ...
"""

import asyncio
import hashlib
import hmac
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Post:
    """One request as the receiver got it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def signed_with(self, secret: str) -> bool:
        """Whether X-Warroom-Signature is HMAC-SHA256 of the body under `secret`."""
        expected = "sha256=" + hmac.new(secret.encode(), self.body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(self.headers.get("X-Warroom-Signature", ""), expected)


@dataclass
class Receiver:
    """What the receiver answers next, and what it got."""

    url: str = ""
    answers: list[int] = field(default_factory=lambda: [200])
    stall: float = 0.0  # seconds to wait before answering
    posts: list[Post] = field(default_factory=list)

    def next_status(self) -> int:
        """The next status in turn; the last one repeats."""
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


@asynccontextmanager
async def webhook_receiver() -> AsyncIterator[Receiver]:
    """Serve until the block ends."""
    receiver = Receiver()

    async def receive(request: web.Request) -> web.Response:
        body = await request.read()
        receiver.posts.append(Post(request.path, dict(request.headers), body))
        if receiver.stall:
            await asyncio.sleep(receiver.stall)
        return web.Response(status=receiver.next_status(), text="ok")

    app = web.Application()
    app.router.add_post("/{tail:.*}", receive)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
    receiver.url = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        await runner.cleanup()
