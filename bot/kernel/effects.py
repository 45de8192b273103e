"""What an effect is, to the code that writes one and the code that carries it out: the row
written with its cause, how a handler reports a failure, what it knows about its try, and how
hard the outbox tries (`bot.kernel.outbox` carries effects out, and offers all of these too).
"""

import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from storage.queries import kernel as queries

Payload = dict[str, Any]


class Transient(Exception):
    """Try again later: a rate limit, a 5xx, a timeout, a dropped connection."""

    transient = True  # what `may_pass_later` looks for

    def __init__(self, error: str, *, retry_after: float | None = None) -> None:
        super().__init__(error)
        self.error = error
        self.retry_after = retry_after


class Permanent(Exception):
    """Trying again cannot help: the effect is given up and reported once."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Attempt:
    """What a handler knows about the try it is making."""

    effect_id: int
    key: str
    attempts: int  # 1 on the first try
    created_at: datetime

    @property
    def is_retry(self) -> bool:
        """Whether an earlier try may have done the work without our knowing."""
        return self.attempts > 1


Handler = Callable[[Payload, Attempt], Awaitable[None]]
GiveUp = Callable[[Payload, str], Awaitable[None]]
Merge = Callable[[Payload, Sequence[Payload]], Payload]


@dataclass(frozen=True)
class Policy:
    """How hard the outbox tries."""

    lease: timedelta = timedelta(minutes=2)  # a claim a dead process held lapses after this
    first_retry: timedelta = timedelta(seconds=1)
    max_backoff: timedelta = timedelta(minutes=5)
    max_age: timedelta = timedelta(hours=24)  # transient failures give up after this
    max_unexpected: int = 8  # tries for a handler that keeps raising something unexpected
    batch: int = 50
    concurrency: int = 8
    idle_poll: float = 1.0  # seconds between looks when nothing was kicked


def new_effect(
    kind: str,
    *,
    key: str,
    stream: str,
    payload: Payload,
    now: datetime,
    delay: timedelta = timedelta(0),
) -> dict[str, Any]:
    """An effect row to add with `add_effects`, in the transaction that causes it."""
    return {
        "kind": kind,
        "key": key[:255],
        "stream": stream[:128],
        "payload": payload,
        "state": queries.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_try_at": now + delay,
    }


def add_effects(session: Session, effects: Sequence[dict[str, Any]]) -> None:
    """Write effects in the caller's transaction; a key already written is not written again."""
    queries.insert_effects(session, rows=effects)


def backoff(attempts: int, policy: Policy, retry_after: float | None = None) -> float:
    """Seconds before the next try: doubling from `first_retry` up to `max_backoff`, with a
    little jitter so that many effects do not come back at once; never sooner than Slack's
    Retry-After."""
    base = policy.first_retry.total_seconds() * 2 ** max(attempts - 1, 0)
    wait = min(base, policy.max_backoff.total_seconds()) * random.uniform(0.8, 1.0)
    return max(wait, retry_after or 0.0)
