"""`GET /healthz`: can the database be reached now? Answered within two seconds, always."""

import asyncio
import contextlib
import threading
from dataclasses import replace
from typing import Any

from sqlalchemy import pool, text
from sqlalchemy.engine import Engine

from storage.database import Timeouts, make_engine

HEALTH_DEADLINE = 2.0  # seconds; load balancers and orchestrators give up soon after


class DatabaseHealth:
    """Pings the database on a connection of its own, one ping at a time.

    Each ping opens a fresh connection: no pool, so a dead database can neither exhaust nor
    poison the app's, and every wait in it is cut to the deadline. It runs on a daemon thread of
    its own, so a ping stuck in a silent connect holds none of the threads the app's work runs
    on, nor the process at exit. Checks that come while a ping is out wait for that ping: a dead
    database costs one stuck thread at most, however often it is asked.
    """

    def __init__(
        self, engine: Engine, timeouts: Timeouts, *, deadline: float = HEALTH_DEADLINE
    ) -> None:
        self.deadline = deadline
        short = replace(
            timeouts,
            connect=min(timeouts.connect, deadline),
            statement=min(timeouts.statement, deadline),
            lock=min(timeouts.lock, deadline),
        )
        url = engine.url.render_as_string(hide_password=False)
        self.engine = make_engine(url, timeouts=short, poolclass=pool.NullPool)
        self._ping: asyncio.Future[None] | None = None

    async def check(self) -> dict[str, Any]:
        """`{"ok": True}` when the database answered within the deadline, else why not."""
        loop = asyncio.get_running_loop()
        ping = self._ping
        if ping is None or ping.done() or ping.get_loop() is not loop:
            ping = self._ping = self._start(loop)
        try:
            # shield: a caller that gives up must not cancel the ping others are waiting for.
            await asyncio.wait_for(asyncio.shield(ping), timeout=self.deadline)
        except Exception as error:
            return {"ok": False, "database": type(error).__name__}
        return {"ok": True, "database": "ok"}

    def _start(self, loop: asyncio.AbstractEventLoop) -> asyncio.Future[None]:
        future: asyncio.Future[None] = loop.create_future()

        def run() -> None:
            error: Exception | None = RuntimeError("the ping stopped")
            try:
                with self.engine.connect() as connection:
                    connection.execute(text("SELECT 1"))
                error = None
            except Exception as failure:
                error = failure
            finally:
                # RuntimeError: the loop closed while the ping was out, so nobody waits for it.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, future, error)

        # A ping everyone gave up on still fails in the end: mark its error as seen.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        threading.Thread(target=run, name="warroom-health-ping", daemon=True).start()
        return future


def _settle(future: "asyncio.Future[None]", error: Exception | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
