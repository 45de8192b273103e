"""Running a unit of work off the event loop, and finishing the request it belongs to.

A write unit of work done while the inbox carries out a request marks that request done in the
same transaction: the change and the record that it was made commit together, so a request
re-run after a crash can never apply twice.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from bot.kernel.turns import off_the_loop, turn
from storage.database import unit_of_work
from storage.queries import kernel as kernel_queries

T = TypeVar("T")


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


def may_pass_later(error: BaseException) -> bool:
    """Whether a failure may not happen again: the database was unreachable or slow, or a
    concurrent writer got in the way. A bug fails the same way every time."""
    if is_write_conflict(error):
        return True
    database_busy = OperationalError | InterfaceError | PoolTimeout | TimeoutError
    return isinstance(error, database_busy) or getattr(error, "transient", False)


class AlreadyCarriedOut(Exception):
    """The request this unit of work belongs to was carried out by someone else already."""


@dataclass
class _Request:
    item_id: int
    clock: Callable[[], datetime]
    completed: bool = False


_REQUEST: ContextVar[_Request | None] = ContextVar("warroom_request", default=None)


@contextmanager
def carrying_out(item_id: int, clock: Callable[[], datetime]) -> Iterator[_Request]:
    """Within this block, the first write unit of work also marks inbox item `item_id` done."""
    request = _Request(item_id, clock)
    token = _REQUEST.set(request)
    try:
        yield request
    finally:
        _REQUEST.reset(token)


def _complete_request(session: Session, request: _Request | None) -> bool:
    """Mark the request done in this transaction, unless an earlier one did; whether this
    one did."""
    if request is None or request.completed:
        return False
    if not kernel_queries.complete_inbox_item(
        session, item_id=request.item_id, now=request.clock()
    ):
        raise AlreadyCarriedOut(f"inbox item {request.item_id}")
    request.completed = True
    return True


async def run_in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in one write transaction on a worker thread, so the event loop never blocks.

    Run while a request is carried out, the first such transaction also marks it done."""
    return await _write(engine, work, _REQUEST.get())


async def run_apart(engine: Engine, work: Callable[[Session], T], *, urgent: bool = False) -> T:
    """Run `work` in one write transaction that belongs to no request: the inbox's and the
    outbox's own bookkeeping (storing, claiming, recording outcomes), shared by many. An
    `urgent` one (storing what someone waits to have acknowledged) has threads of its own
    and goes first for SQLite's writer turn."""
    return await _write(engine, work, None, urgent=urgent)


async def _write(
    engine: Engine, work: Callable[[Session], T], request: _Request | None, *, urgent: bool = False
) -> T:
    completing = False

    def in_transaction() -> T:
        nonlocal completing
        with turn(engine, urgent=urgent), unit_of_work(engine, write=True) as session:
            result = work(session)
            completing = _complete_request(session, request)
            return result

    try:
        return await off_the_loop(in_transaction, urgent=urgent)
    except BaseException:
        if completing and request is not None:
            request.completed = False  # rolled back with everything else
        raise


async def read(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in a read-only transaction on a worker thread."""

    def in_transaction() -> T:
        with unit_of_work(engine) as session:
            return work(session)

    return await off_the_loop(in_transaction)
