"""Turning errors inside listeners into clear words for the user, never a stack trace."""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bot.core.errors import DomainError

log = logging.getLogger("warroom.slack")

Tell = Callable[[str], Awaitable[Any]]


def failure_text(reference: str) -> str:
    """What a user reads when something unexpected broke."""
    return (
        f":x: Something went wrong on our side (reference `{reference}`). "
        "Nothing you had already recorded was lost; please try again."
    )


class WorkSlots:
    """Caps how much after-ack work runs at once, so a burst never delays the next ack.

    Acks happen before a slot is taken; the work waits for a slot on the same event loop.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._semaphore: asyncio.Semaphore | None = None

    async def run(self, work: Awaitable[Any]) -> Any:
        """Await `work` once a slot is free."""
        if self._semaphore is None:
            self._semaphore = asyncio.Semaphore(self.size)
        async with self._semaphore:
            return await work


async def guarded(tell: Tell, work: Awaitable[Any], slots: WorkSlots | None = None) -> None:
    """Await `work`; tell the user about domain errors and log anything else with a reference."""
    try:
        await (slots.run(work) if slots is not None else work)
    except DomainError as error:
        await _safe_tell(tell, f":warning: {error.message}")
    except Exception:
        reference = uuid.uuid4().hex[:8]
        log.exception("listener failed (reference %s)", reference)
        await _safe_tell(tell, failure_text(reference))


async def _safe_tell(tell: Tell, text: str) -> None:
    try:
        await tell(text)
    except Exception:
        log.exception("could not tell the user: %s", text)
