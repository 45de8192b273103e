"""Running a unit of work off the event loop."""

import asyncio
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from storage.database import unit_of_work

T = TypeVar("T")
# SQLite lets one writer in at a time and makes the others sleep and retry; taking turns in
# the process instead keeps a burst of webhooks from stretching into second-long waits.
_SQLITE_TURNS: "WeakKeyDictionary[Engine, threading.Lock]" = WeakKeyDictionary()
_TURNS_LOCK = threading.Lock()


def _turn(engine: Engine) -> AbstractContextManager[object]:
    if engine.dialect.name != "sqlite":
        return nullcontext()
    with _TURNS_LOCK:
        return _SQLITE_TURNS.setdefault(engine, threading.Lock())


# PostgreSQL's codes for a transaction it failed to break a deadlock or keep serialisable:
# the same transaction run again can succeed.
_RETRYABLE_STATES = frozenset({"40P01", "40001"})


def is_write_conflict(error: BaseException) -> bool:
    """Whether a transaction failed only because a concurrent one got in its way: a unique key
    another stored first, or a deadlock or serialisation failure; running it again may work."""
    if isinstance(error, IntegrityError):
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(error, DBAPIError) and state in _RETRYABLE_STATES


async def run_in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction on a worker thread, so the event loop never blocks."""

    def in_transaction() -> T:
        with _turn(engine), unit_of_work(engine) as session:
            return work(session)

    return await asyncio.to_thread(in_transaction)
