"""Whose transaction goes first: storing a request someone waits to have acknowledged goes
before the background's work (carrying out requests and effects).

Two queues stand between a transaction and the database: the threads that run transactions
off the event loop, and on SQLite the one writer's turn. Background work fills both under a
burst; an acknowledgement waiting behind it would take as long as the backlog's next few steps.
Urgent work gets threads of its own and the next SQLite turn.

The background's transactions (those of the requests and effects the inbox and outbox carry
out) run on a few threads of their own: Python runs one thread at a time, so more of them would
only take turns with each other and with the threads answering requests, without finishing the
backlog any sooner.
"""

import asyncio
import contextvars
import functools
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from contextvars import ContextVar
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine

T = TypeVar("T")
# Threads for urgent transactions only. Two: one store runs while the next batch gathers;
# more would only queue at the database.
URGENT_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warroom-urgent")
# Threads for the background's transactions; everything else (requests being answered, the
# scheduler's jobs) shares asyncio's default executor.
BACKGROUND_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warroom-background")
_BACKGROUND: ContextVar[bool] = ContextVar("warroom_background", default=False)


def background_context() -> contextvars.Context:
    """The current context, in which transactions run on the background's threads: the
    inbox's and the outbox's tasks run in one."""
    context = contextvars.copy_context()
    context.run(_BACKGROUND.set, True)
    return context


async def off_the_loop(call: Callable[[], T], *, urgent: bool = False) -> T:
    """Run `call` on a thread: an urgent one, the background's, or the shared pool's."""
    threads: Executor | None = None
    if urgent:
        threads = URGENT_THREADS
    elif _BACKGROUND.get():
        threads = BACKGROUND_THREADS
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(
        threads, functools.partial(context.run, call)
    )


class Turn:
    """One writer at a time; urgent writers waiting go before the others waiting."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._urgent_waiting = 0

    @contextmanager
    def held(self, *, urgent: bool) -> Iterator[None]:
        """Wait for the turn, hold it for the block."""
        with self._changed:
            self._urgent_waiting += urgent
            try:
                while self._busy or (not urgent and self._urgent_waiting):
                    self._changed.wait()
            finally:
                self._urgent_waiting -= urgent
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()


# SQLite lets one writer in at a time and makes the others sleep and retry; taking turns in
# the process instead keeps a burst of webhooks from stretching into second-long waits.
_SQLITE_TURNS: "WeakKeyDictionary[Engine, Turn]" = WeakKeyDictionary()
_TURNS_LOCK = threading.Lock()


def turn(engine: Engine, *, urgent: bool = False) -> AbstractContextManager[None]:
    """This process's turn to write on `engine` (SQLite); nothing to wait for elsewhere."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _TURNS_LOCK:
        shared = _SQLITE_TURNS.setdefault(engine, Turn())
    return shared.held(urgent=urgent)
