"""Reads from the database that answer within a deadline whatever the database does: health
checks and the numbers `/metrics` reports."""

import asyncio
import contextlib
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Generic, TypeVar

from sqlalchemy import pool
from sqlalchemy.engine import Connection, Engine

from storage.database import Timeouts, make_engine

T = TypeVar("T")


class BoundedRead(Generic[T]):
    """Runs `read(connection)` on a connection of its own, one read at a time.

    Each read opens a fresh connection: no pool, so a dead database can neither exhaust nor
    poison the app's, and every wait in it is cut to the deadline. It runs on a daemon thread of
    its own, so a read stuck in a silent connect holds none of the threads the app's work runs
    on, nor the process at exit. Callers that come while a read is out wait for that read: a
    dead database costs one stuck thread at most, however often it is asked.
    """

    def __init__(
        self,
        engine: Engine,
        timeouts: Timeouts,
        read: Callable[[Connection], T],
        *,
        deadline: float,
        name: str = "warroom-database-read",
    ) -> None:
        self.deadline = deadline
        self.read = read
        self.name = name
        short = replace(
            timeouts,
            connect=min(timeouts.connect, deadline),
            statement=min(timeouts.statement, deadline),
            lock=min(timeouts.lock, deadline),
        )
        url = engine.url.render_as_string(hide_password=False)
        self.engine = make_engine(url, timeouts=short, poolclass=pool.NullPool)
        self._out: asyncio.Future[T] | None = None

    async def __call__(self) -> T:
        """What `read` returned; its exception, or TimeoutError past the deadline."""
        loop = asyncio.get_running_loop()
        out = self._out
        if out is None or out.done() or out.get_loop() is not loop:
            out = self._out = self._start(loop)
        # shield: a caller that gives up must not cancel the read others are waiting for.
        return await asyncio.wait_for(asyncio.shield(out), timeout=self.deadline)

    def _start(self, loop: asyncio.AbstractEventLoop) -> "asyncio.Future[T]":
        future: asyncio.Future[T] = loop.create_future()

        def run() -> None:
            outcome: tuple[T | None, BaseException | None] = (None, RuntimeError("stopped"))
            try:
                with self.engine.connect() as connection:
                    outcome = (self.read(connection), None)
            except Exception as failure:
                outcome = (None, failure)
            finally:
                # RuntimeError: the loop closed while the read was out, so nobody waits for it.
                with contextlib.suppress(RuntimeError):
                    loop.call_soon_threadsafe(_settle, future, *outcome)

        # A read everyone gave up on still fails in the end: mark its error as seen.
        future.add_done_callback(lambda done: done.cancelled() or done.exception())
        threading.Thread(target=run, name=self.name, daemon=True).start()
        return future


def _settle(future: "asyncio.Future[T]", value: T | None, error: BaseException | None) -> None:
    if future.done():
        return
    if error is None:
        future.set_result(value)  # type: ignore[arg-type]
    else:
        future.set_exception(error)
