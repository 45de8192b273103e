"""Coalescing: requests to redo a thing while it is being done make just one more run."""

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


class Coalescer:
    """Runs `work(key)` for each marked key, one run at a time per key.

    A key marked while its run is going gets exactly one more run afterwards, however often it
    was marked: a burst of alert notifications edits a message a few times, not once per alert.
    """

    def __init__(self, work: Callable[[int], Awaitable[object]], *, name: str) -> None:
        self.work = work
        self.name = name
        self._dirty: set[int] = set()
        self._running: dict[int, asyncio.Task[None]] = {}

    def mark(self, key: int) -> None:
        """Ask for `work(key)` to run (again) soon."""
        self._dirty.add(key)
        if key not in self._running:
            self._running[key] = asyncio.create_task(self._run(key))

    async def _run(self, key: int) -> None:
        try:
            while key in self._dirty:
                self._dirty.discard(key)
                try:
                    await self.work(key)
                except Exception:
                    log.exception("%s %s failed; it is retried when next marked", self.name, key)
        finally:
            self._running.pop(key, None)

    async def drain(self) -> None:
        """Wait until nothing is marked or running."""
        while self._running:
            await asyncio.gather(*list(self._running.values()), return_exceptions=True)
