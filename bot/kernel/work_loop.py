"""One background loop that looks for due work in the database (at once when kicked,
otherwise every poll), and the bounded set of tasks that carry it out. The inbox and the
outbox each run one of both."""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)


class WorkLoop:
    """Calls `run_due` until it finds nothing, then waits for a kick or the next poll."""

    def __init__(self, name: str, run_due: Callable[[], Awaitable[int]], *, poll: float) -> None:
        self.name = name
        self.run_due = run_due
        self.poll = poll
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
            if found and not self._stopping:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll)
            self._wake.clear()

    def start(self) -> None:
        """Start serving in the background."""
        self._stopping = False
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self.serve(), name=self.name)

    async def stop(self, grace: float, running: set[asyncio.Task[None]]) -> None:
        """Stop taking work; the loop and the `running` tasks get `grace` seconds to finish,
        then are cancelled (their claims lapse, and the work is taken again)."""
        self._stopping = True
        self.kick()
        pending = [t for t in [self._task, *running] if t is not None]
        if pending:
            _finished, late = await asyncio.wait(pending, timeout=grace)
            for task in late:
                task.cancel()
        self._task = None


class Workers:
    """At most `size` tasks at once; each one that ends calls `on_done` (to look for more)."""

    def __init__(self, size: int, on_done: Callable[[], None]) -> None:
        self.size = size
        self.on_done = on_done
        self.running: set[asyncio.Task[None]] = set()

    @property
    def free(self) -> int:
        """How many more tasks may start now."""
        return self.size - len(self.running)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background."""
        task = asyncio.create_task(work)
        self.running.add(task)
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        self.running.discard(task)
        self.on_done()

    async def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for what runs; whether anything was running."""
        if not self.running:
            return False
        await asyncio.wait(list(self.running), timeout=max(timeout, 0))
        return True
