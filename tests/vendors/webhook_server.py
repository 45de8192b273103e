"""Our Twilio webhook routes in a tiny FastAPI app, served by uvicorn on a free 127.0.0.1 port
in the test's own event loop, storing into a real inbox."""

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn
from fastapi import FastAPI, Request, Response
from sqlmodel import Session, col, select

from bot.kernel.inbox import Inbox
from bot.web.limits import uvicorn_limits
from bot.web.twilio_webhooks import build_twilio_router
from storage.models import InboxItem


@dataclass
class Served:
    """The running app: its address, the URL it believes it is reached at, what it answered."""

    url: str
    public_url: str
    answers: list[tuple[str, int]] = field(default_factory=list)  # (path, status)


def stored(inbox: Inbox) -> list[InboxItem]:
    """Every request the inbox holds, oldest first."""
    with Session(inbox.engine) as session:
        return list(session.exec(select(InboxItem).order_by(col(InboxItem.id))))


@asynccontextmanager
async def serve_twilio_webhooks(
    inbox: Inbox, *, auth_token: str | None, public_url: str | None = None
) -> AsyncIterator[Served]:
    """Serve the routes until the block ends; `public_url` defaults to the real address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    served = Served(url=url, public_url=public_url or url)
    app = FastAPI()
    app.include_router(
        build_twilio_router(auth_token=auth_token, public_url=served.public_url, inbox=inbox)
    )

    @app.middleware("http")
    async def record(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        answer = await call_next(request)
        served.answers.append((request.url.path, answer.status_code))
        return answer

    limits = uvicorn_limits()
    config = uvicorn.Config(app, log_level="warning", lifespan="off", **limits)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.01)
    try:
        yield served
    finally:
        server.should_exit = True
        await task
        sock.close()
