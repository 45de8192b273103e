"""Turning errors inside listeners into clear words for the user, never a stack trace."""

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


async def guarded(tell: Tell, work: Awaitable[Any]) -> None:
    """Await `work`; tell the user about domain errors and log anything else with a reference."""
    try:
        await work
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
