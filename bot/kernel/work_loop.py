"""One background loop that looks for due work in the database (at once when kicked,
otherwise every poll), and the bounded set of tasks that carry it out. The inbox and the
outbox each run one of both."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, TypeVar

from bot.kernel.turns import background_context

log = logging.getLogger(__name__)
T = TypeVar("T")


class WorkLoop:
    """Calls `run_due` until it finds nothing (or, told by `exhausted`, until a claim took
    less than it could), then waits for a kick or the next poll."""

    def __init__(
        self,
        name: str,
        run_due: Callable[[], Awaitable[int]],
        *,
        poll: float,
        next_due: Callable[[], Awaitable[float | None]] | None = None,
        exhausted: Callable[[], bool] | None = None,
    ) -> None:
        self.name = name
        self.run_due = run_due
        self.poll = poll
        self.next_due = next_due  # seconds until something is due, if known: a shorter nap
        # Whether the last claim took less than it could: nothing more is due, so looking
        # again at once would only cost a transaction (new work kicks the loop anyway).
        self.exhausted = exhausted or (lambda: False)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def kick(self) -> None:
        """Look for work now rather than at the next poll."""
        self._wake.set()

    @property
    def stopping(self) -> bool:
        """Whether the loop was told to stop taking work."""
        return self._stopping

    async def serve(self) -> None:
        """Run until stopped."""
        while not self._stopping:
            try:
                found = await self.run_due()
            except Exception:
                log.exception("%s could not claim work; trying again shortly", self.name)
                found = 0
            if found and not self._stopping and not self.exhausted():
                continue
            nap = await self._nap()  # before the wait's coroutine exists: a stop here leaves none
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=nap)
            self._wake.clear()

    async def _nap(self) -> float:
        """How long to wait for a kick: the poll, or less when work comes due sooner."""
        if self.next_due is None:
            return self.poll
        try:
            due = await self.next_due()
        except Exception:
            log.exception("%s could not tell when work is due", self.name)
            return self.poll
        return self.poll if due is None else min(self.poll, max(due, 0.01))

    def start(self) -> None:
        """Start serving in the background."""
        self._stopping = False
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self.serve(), name=self.name)

    async def stop(self, grace: float, running: set[asyncio.Task[None]]) -> None:
        """Stop taking work; the loop and the `running` tasks get `grace` seconds to finish,
        then are cancelled (their claims lapse, and the work is taken again).

        The loop ends first: a claim it was making when told to stop still starts its tasks,
        and those are waited for as well (cut off, their claims would hold the work back from
        the next process until they lapse)."""
        self._stopping = True
        self.kick()
        deadline = asyncio.get_running_loop().time() + grace
        for pending in ([self._task] if self._task else [], running):
            if not pending:
                continue
            left = max(deadline - asyncio.get_running_loop().time(), 0)
            _finished, late = await asyncio.wait(list(pending), timeout=left)
            for task in late:
                task.cancel()
            if late:  # cancelled tasks hand their claims back on the way out
                await asyncio.wait(late, timeout=2)
        self._task = None


class Workers:
    """At most `size` tasks at once; each one that ends calls `on_done` (to look for more)."""

    def __init__(self, size: int, on_done: Callable[[], None]) -> None:
        self.size = size
        self.on_done = on_done
        self.running: set[asyncio.Task[None]] = set()
        self._claiming = 0  # claims under way: committed work whose tasks are not spawned yet
        self.exhausted = False  # the last claim took less than was free: nothing more was due

    @property
    def free(self) -> int:
        """How many more tasks may start now."""
        return self.size - len(self.running)

    async def claim(self, take: Callable[[int], Awaitable[Sequence[T]]]) -> Sequence[T]:
        """Claim up to `free` pieces of work with `take`; while it runs, `wait` counts it as
        running, so nobody concludes there is nothing left between the claim's commit and the
        start of its tasks."""
        free = self.free
        if free <= 0:
            return []
        self._claiming += 1
        try:
            claimed = await take(free)
        finally:
            self._claiming -= 1
        self.exhausted = len(claimed) < free
        return claimed

    async def start(
        self,
        take: Callable[[int], Awaitable[Sequence[T]]],
        run: Callable[[T], Coroutine[Any, Any, None]],
    ) -> int:
        """Claim up to `free` pieces of work with `take` and run each with `run` in the
        background; how many were started."""
        claimed = await self.claim(take)
        for piece in claimed:
            self.spawn(run(piece))
        return len(claimed)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background (its transactions on the background's threads)."""
        task = asyncio.create_task(work, context=background_context())
        self.running.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        self.on_done()

    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for what runs; whether anything was running (or being
        claimed)."""
        if self._claiming and not self.running:
            await asyncio.sleep(min(0.01, max(timeout, 0)))
            return True
        if not self.running:
            return False
        await asyncio.wait(list(self.running), timeout=max(timeout, 0))
        return True
