"""Group commit: work that arrives while a transaction runs shares the next transaction."""

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommit(Generic[T, R]):
    """Feeds submitted items to `run` in batches, one batch at a time, in arrival order.

    Nothing waits on a timer: an idle queue runs an item at once, alone; items submitted while
    a batch is running go together into the next one, so a burst costs a few transactions
    instead of one each. A batch holds at most `max_items` items and, past its first item, at
    most `max_weight` of `weight(item)`.
    """

    def __init__(
        self,
        run: Callable[[list[T]], Awaitable[Sequence[R | Exception]]],
        *,
        max_items: int = 100,
        max_weight: int = 2000,
        weight: Callable[[T], int] = lambda _: 1,
    ) -> None:
        self.run = run
        self.max_items = max_items
        self.max_weight = max_weight
        self.weight = weight
        self._waiting: deque[tuple[T, asyncio.Future[R]]] = deque()
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Run `item` in the next batch; its result, or the exception it raised."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, future))
        if self._worker is None:
            self._worker = asyncio.create_task(self._work())
        return await future

    def _take(self) -> list[tuple[T, asyncio.Future[R]]]:
        taken = [self._waiting.popleft()]
        load = self.weight(taken[0][0])
        while self._waiting and len(taken) < self.max_items:
            load += self.weight(self._waiting[0][0])
            if load > self.max_weight:
                break
            taken.append(self._waiting.popleft())
        return taken

    async def _work(self) -> None:
        taken: list[tuple[T, asyncio.Future[R]]] = []
        try:
            while self._waiting:
                taken = self._take()
                try:
                    outcomes: Sequence[R | Exception] = await self.run([i for i, _ in taken])
                except Exception as error:  # `run` should say per item; if it cannot, all fail
                    outcomes = [error] * len(taken)
                for (_, future), outcome in zip(taken, outcomes, strict=True):
                    if future.done():  # its caller gave up waiting; the work is done anyway
                        continue
                    if isinstance(outcome, Exception):
                        future.set_exception(outcome)
                    else:
                        future.set_result(outcome)
                taken = []
        finally:
            self._worker = None
            for _, future in [*taken, *self._waiting]:
                future.cancel()
            self._waiting.clear()
