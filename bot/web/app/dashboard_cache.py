"""The dashboard's figures kept for a short while: a period's trend under 10,000 incidents
costs hundreds of milliseconds of reading and tallying, and people reload, switch back and
forth between periods and open the same page as their colleagues. A query's figures are kept
`FRESH_FOR` and the page says when they were computed; people asking for the same query at
once share one computation.

Kept in the process (not the database): figures are a pure read, so a replica without them
computes its own, and nothing is lost when the process stops."""

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

FRESH_FOR = timedelta(seconds=30)
KEPT = 128
Value = TypeVar("Value")


@dataclass(frozen=True)
class Kept(Generic[Value]):
    """A value, when it was computed (the app's clock, to say so) and the monotonic second
    it was made (to judge its age whatever the app's clock says)."""

    value: Value
    at: datetime
    made: float


class FreshFor(Generic[Value]):
    """Values by key, each kept `fresh_for` of real time after it was computed (zero keeps
    nothing); `clock` says when, as the page shows it."""

    def __init__(
        self, clock: Callable[[], datetime], fresh_for: timedelta = FRESH_FOR, size: int = KEPT
    ) -> None:
        self.clock = clock
        self.fresh_for = fresh_for
        self.size = size
        self._kept: OrderedDict[Hashable, Kept[Value]] = OrderedDict()
        self._running: dict[Hashable, asyncio.Future[Kept[Value]]] = {}

    async def get(self, key: Hashable, compute: Callable[[], Awaitable[Value]]) -> Kept[Value]:
        """The value kept for `key` while fresh, else `compute()`'s (one at a time per key)."""
        kept = self._kept.get(key)
        if kept is not None and time.monotonic() - kept.made < self.fresh_for.total_seconds():
            return kept
        running = self._running.get(key)
        if running is not None:
            return await asyncio.shield(running)
        future: asyncio.Future[Kept[Value]] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            at, made = self.clock(), time.monotonic()
            fresh = Kept(await compute(), at, made)
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # read: nobody waiting is not an "exception never retrieved"
            raise
        finally:
            self._running.pop(key, None)
        future.set_result(fresh)
        if self.fresh_for > timedelta(0):
            self._kept[key] = fresh
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return fresh
