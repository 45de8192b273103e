"""Whose transaction goes first: storing a request someone waits to have acknowledged goes
before the background's work (carrying out requests and effects).

Two queues stand between a transaction and the database: the threads that run transactions
off the event loop, and on SQLite the one writer's turn. Background work fills both under a
burst; an acknowledgement waiting behind it would take as long as the backlog's next few steps.
Urgent work gets threads of its own and the next SQLite turn.
"""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine

# Threads for urgent transactions only (the rest share asyncio's default executor). Two: one
# store runs while the next batch gathers; more would only queue at the database.
URGENT_THREADS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="warroom-urgent")


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
