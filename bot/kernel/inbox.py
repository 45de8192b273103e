"""The inbox: a request we acknowledge is stored first, then carried out by whichever process
gets to it, so a crash, a restart or a second replica finishes what was acknowledged.

A stored request's key (a slash command's trigger id, a form's view id and hash, an event id)
turns a replay into a no-op. While a handler runs, its first write transaction also marks the
request done (`carrying_out`), so a request re-run after a crash never applies twice.

Requests that arrive while others are being stored share the next transaction (group commit):
a burst costs a few commits instead of one each, and each caller still hears back only once
its own request is committed.
"""

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.kernel.effects import Policy as OutboxPolicy
from bot.kernel.effects import backoff
from bot.kernel.group_commit import GroupCommit
from bot.kernel.transactions import (
    AlreadyCarriedOut,
    carrying_out,
    is_write_conflict,
    may_pass_later,
    read,
    run_apart,
)
from bot.kernel.work_loop import Workers, WorkLoop
from storage.queries import kernel as queries
from storage.queries.kernel import ClaimedRequest

log = logging.getLogger(__name__)
Payload = dict[str, Any]
Handler = Callable[[Payload], Awaitable[None]]
# Told when a request fails for good: (payload, a short reference to quote in the logs).
Failed = Callable[[Payload, str], Awaitable[None]]
Request = tuple[str, str, Payload]  # key, kind, payload


@dataclass(frozen=True)
class Policy:
    """How the inbox carries requests out."""

    slots: int = 4  # requests carried out at once in this process
    lease: timedelta = timedelta(minutes=2)  # a claim a dead process held lapses after this
    max_attempts: int = 5  # tries of a request whose handler keeps failing unexpectedly
    batch: int = 50
    idle_poll: float = 1.0


@dataclass
class Inbox:
    """Stores acknowledged requests and carries them out through registered handlers."""

    engine: Engine
    clock: Callable[[], datetime]
    policy: Policy = field(default_factory=Policy)
    _handlers: dict[str, tuple[Handler, Failed | None]] = field(default_factory=dict)
    _loop: WorkLoop | None = None
    _workers: Workers = field(init=False)
    _stores: GroupCommit[Request, bool] = field(init=False)

    def __post_init__(self) -> None:
        self._workers = Workers(self.policy.slots, self.kick)
        self._stores = GroupCommit(self._store_together, max_items=self.policy.batch)

    def handle(self, kind: str, handler: Handler, *, on_failure: Failed | None = None) -> None:
        """Carry out requests of `kind` with `handler`."""
        self._handlers[kind] = (handler, on_failure)

    async def accept(self, key: str, kind: str, payload: Payload) -> bool:
        """Store a request before it is acknowledged; False when the same one was stored
        before (a replay or a double submit), which must then change nothing. Returns once the
        request is committed (with the others that arrived meanwhile)."""
        stored = await self._stores.submit((key, kind, payload))
        if stored:
            self.kick()
        return stored

    async def _store_together(self, requests: list[Request]) -> Sequence[bool | Exception]:
        """One transaction for requests that arrived together. When another process stored
        one of the same keys at the same moment, or one request cannot be stored, each is
        stored alone; when the database is unreachable, all fail at once."""
        now = self.clock()
        try:
            return await run_apart(
                self.engine,
                lambda s: queries.insert_inbox_items(s, items=requests, now=now),
                urgent=True,
            )
        except IntegrityError:
            if len(requests) == 1:
                return [False]  # see `_store_alone`
            return [await self._store_alone(request) for request in requests]
        except Exception as error:
            if is_write_conflict(error) or (len(requests) > 1 and not may_pass_later(error)):
                return [await self._store_alone(request) for request in requests]
            return [error] * len(requests)

    async def _store_alone(self, request: Request) -> bool | Exception:
        now = self.clock()
        try:
            stored = await run_apart(
                self.engine,
                lambda s: queries.insert_inbox_items(s, items=[request], now=now),
                urgent=True,
            )
        except IntegrityError:
            # Another process stored the same request at the same moment (each looked for the
            # key before either inserted it): this copy is the replay.
            return False
        except Exception as error:
            return error
        return stored[0]

    def kick(self) -> None:
        """Look for stored requests now rather than at the next poll."""
        if self._loop is not None:
            self._loop.kick()

    # -- carrying out -----------------------------------------------------------------------

    async def run_due(self) -> int:
        """Claim what waits and start carrying it out; how many were started.

        Started requests run in the background, at most `slots` at a time in this process:
        a burst never delays the next claim, and the claim never takes more than is free.
        """
        return await self._workers.start(
            lambda free: run_apart(self.engine, lambda s: self._claim(s, free)),
            self._carry_out,
        )

    def _claim(self, session: Session, limit: int) -> list[ClaimedRequest]:
        now = self.clock()
        rows = queries.list_claimable_inbox(
            session, now=now, limit=min(limit, self.policy.batch), kinds=list(self._handlers)
        )
        got = queries.claim_inbox_items(
            session, item_ids=[r.id for r in rows], now=now, until=now + self.policy.lease
        )
        return [replace(r, attempts=r.attempts + 1) for r in rows if r.id in got]

    async def _carry_out(self, item: ClaimedRequest) -> None:
        handler, on_failure = self._handlers[item.kind]
        try:
            with carrying_out(item.id, self.clock) as request:
                await handler(dict(item.payload))
        except asyncio.CancelledError:
            # Stopped mid-way (shutting down): the next process may take it at once.
            await self._release(item.id)
            raise
        except AlreadyCarriedOut:
            return  # another worker finished it while this one ran: nothing more to do
        except Exception as error:
            reference = uuid.uuid4().hex[:8]
            log.exception("request %s (%s) failed (reference %s)", item.id, item.kind, reference)
            await self._failed(item, on_failure, reference, error)
            return
        if not request.completed:
            # A handler that wrote nothing (a listing, a refusal) is done now; one whose
            # first write marked it done needs no transaction more.
            await self._complete(item.id, None)

    async def _release(self, item_id: int) -> None:
        now = self.clock()
        with contextlib.suppress(Exception):
            await run_apart(
                self.engine,
                partial(queries.release_inbox_item, item_id=item_id, retry_at=now, error="stopped"),
            )

    async def _failed(
        self, item: ClaimedRequest, on_failure: Failed | None, reference: str, error: Exception
    ) -> None:
        text = f"{type(error).__name__} (reference {reference})"
        if item.attempts < self.policy.max_attempts and may_pass_later(error):
            wait = backoff(item.attempts, OutboxPolicy())
            retry_at = self.clock() + timedelta(seconds=wait)
            await run_apart(
                self.engine,
                lambda s: queries.release_inbox_item(
                    s, item_id=item.id, retry_at=retry_at, error=text
                ),
            )
            return
        await self._complete(item.id, text)
        if on_failure is not None:
            try:
                await on_failure(dict(item.payload), reference)
            except Exception:
                log.exception("could not report the failure of request %s", item.id)

    async def _complete(self, item_id: int, error: str | None) -> None:
        now = self.clock()
        await run_apart(
            self.engine,
            lambda s: queries.complete_inbox_item(s, item_id=item_id, now=now, error=error),
        )

    # -- serving ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start carrying out work in the background."""
        self._loop = WorkLoop(
            "inbox",
            self.run_due,
            poll=self.policy.idle_poll,
            exhausted=lambda: self._workers.exhausted,
        )
        self._loop.start()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking work; what runs may finish within `grace` seconds. The rest stays in
        the database, and its claims lapse for the next process."""
        if self._loop is not None:
            await self._loop.stop(grace, self._workers.running)
            self._loop = None

    async def drain(self, *, timeout: float = 30.0) -> None:
        """Carry out everything stored, and wait for it (tests, the demo)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            started = await self.run_due()
            if await self._workers.wait(deadline - loop.time()):
                continue
            if started:
                continue
            now = self.clock()
            waiting = await read(self.engine, partial(queries.count_inbox, now=now))
            if not waiting:
                return
            # Stored and nobody's claim lapsed: this process's own loop is claiming it.
            await asyncio.sleep(0.02)
        raise TimeoutError("the inbox still has requests to carry out")
