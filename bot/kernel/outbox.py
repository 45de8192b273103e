"""The outbox: every side effect is a row written with the change that caused it, carried out
after the commit by whichever process gets to it first, retried with backoff until it succeeds,
fails for good, or is too old.

Effects of one stream (an incident's, say) run one at a time, oldest first; effects of
different streams run side by side. A handler raises `Transient` (or any unexpected error) to
be tried again later and `Permanent` to stop; a handler whose effect may have happened though
its answer was lost must be safe to repeat (find what it made, and edit it).

Few transactions per effect: one claim takes every due effect that heads its stream (up to
the free slots); the outcome of an effect is recorded together with the outcomes that ended
meanwhile (group commit), and the transaction that records an effect done also claims the next
effect of its stream, which the same task then carries out.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.effects import (
    Attempt,
    GiveUp,
    Handler,
    Merge,
    Payload,
    Permanent,
    Policy,
    Transient,
    add_effects,
    backoff,
    new_effect,
)
from bot.kernel.group_commit import GroupCommit
from bot.kernel.transactions import is_write_conflict, read, run_apart, run_in_transaction
from bot.kernel.work_loop import Workers, WorkLoop
from storage.queries import kernel as queries
from storage.queries.kernel import ClaimedEffect, Outcome

__all__ = [
    "Attempt",
    "GiveUp",
    "Handler",
    "Merge",
    "Outbox",
    "Payload",
    "Permanent",
    "Policy",
    "Transient",
    "add_effects",
    "backoff",
    "new_effect",
]

log = logging.getLogger(__name__)
# An outcome to record: the effect's stream, how it ended, and whether to claim the stream's
# next effect in the same transaction.
Ending = tuple[str, Outcome, bool]
_UNKNOWN = object()  # the soonest due time, when the last claim did not learn it
OUTCOME_ATTEMPTS = 3  # tries of a batch of outcomes that a concurrent writer got in the way of


@dataclass(frozen=True)
class _Kind:
    handler: Handler
    on_give_up: GiveUp | None
    coalesce: Merge | None


@dataclass
class Outbox:
    """Carries out the effects of the kinds registered with it."""

    engine: Engine
    clock: Callable[[], datetime]
    policy: Policy = field(default_factory=Policy)
    _kinds: dict[str, _Kind] = field(default_factory=dict)
    _loop: WorkLoop | None = None
    _workers: Workers = field(init=False)
    _endings: GroupCommit[Ending, ClaimedEffect | None] = field(init=False)
    _next_due: object = _UNKNOWN  # datetime | None: what the last claim learnt of the nap

    def __post_init__(self) -> None:
        self._workers = Workers(self.policy.concurrency, self.kick)
        self._endings = GroupCommit(self._record_together, max_items=self.policy.batch)

    def handle(
        self,
        kind: str,
        handler: Handler,
        *,
        on_give_up: GiveUp | None = None,
        coalesce: Merge | None = None,
    ) -> None:
        """Carry out effects of `kind` with `handler`.

        With `coalesce`, claiming one effect also takes the later pending ones of its kind in
        its stream: they are marked done and their payloads merged into the running one (a
        re-render covers every change before it).
        """
        self._kinds[kind] = _Kind(handler, on_give_up, coalesce)

    def kick(self) -> None:
        """Look for due effects now rather than at the next poll."""
        if self._loop is not None:
            self._loop.kick()

    async def enqueue(self, effects: Sequence[dict[str, Any]]) -> None:
        """Write effects in a transaction of their own, then look for them at once."""
        await run_in_transaction(self.engine, lambda s: add_effects(s, effects))
        self.kick()

    # -- running ---------------------------------------------------------------------------

    async def run_due(self) -> int:
        """Claim what is due now and start carrying it out; how many effects were started.

        Started effects run in the background, at most `concurrency` at a time in this
        process, so one slow effect never holds up the claims of the others.
        """
        return await self._workers.start(
            lambda free: run_apart(self.engine, lambda s: self._claim_or_learn(s, free)),
            self._run,
        )

    def _claim_or_learn(self, session: Session, limit: int) -> list[ClaimedEffect]:
        """Claim; when that takes nothing, also learn when the soonest effect is due (the
        loop's nap), in the same transaction. When it takes some, the loop naps until their
        tasks end (each kicks it) or its poll."""
        taken = self._claim(session, limit)
        if not taken:
            now = self.clock()
            self._next_due = queries.next_effect_due(session, kinds=list(self._kinds), now=now)
        elif len(taken) < min(limit, self.policy.batch):
            self._next_due = None
        return taken

    def _claim(
        self, session: Session, limit: int, streams: Sequence[str] | None = None
    ) -> list[ClaimedEffect]:
        """Claim up to `limit` due effects that head their streams (of `streams` only, if
        given); coalescing kinds take the later pending ones of their kind with them."""
        now = self.clock()
        rows = queries.list_claimable_effects(
            session,
            now=now,
            limit=min(limit, self.policy.batch),
            kinds=list(self._kinds),
            streams=streams,
        )
        heads = list({row.stream: row for row in reversed(rows)}.values())[::-1]
        got = queries.claim_effects(
            session, effect_ids=[r.id for r in heads], now=now, until=now + self.policy.lease
        )
        taken = []
        for row in heads:
            if row.id not in got:
                continue
            effect = replace(row, attempts=row.attempts + 1)
            merge = self._kinds[row.kind].coalesce
            if merge is not None:
                later = queries.supersede_effects(
                    session, stream=row.stream, kind=row.kind, after_id=row.id, now=now
                )
                if later:
                    # Stored, so that a retry of the merged effect still covers them all.
                    merged = merge(dict(row.payload), later)
                    queries.replace_effect_payload(session, effect_id=row.id, payload=merged)
                    effect = replace(effect, payload=merged)
            taken.append(effect)
        return taken

    async def _run(self, effect: ClaimedEffect) -> None:
        """Carry out an effect, then the next ones of its stream that its outcome claimed."""
        current = effect
        while True:
            try:
                following = await self._attempt(current)
            except asyncio.CancelledError:
                # Stopped mid-way (the process is shutting down): let another process take
                # it now rather than when the claim lapses. The attempt still counts.
                await self._release(current.id)
                raise
            except Exception:
                # The outcome could not be stored (the database went away): the claim lapses
                # and the effect is taken again, as a retry.
                log.exception("the outcome of effect %s could not be stored", current.id)
                return
            if following is None:
                return
            current = following

    async def _release(self, effect_id: int) -> None:
        with contextlib.suppress(Exception):
            await run_apart(self.engine, partial(queries.release_effect, effect_id=effect_id))

    async def _attempt(self, effect: ClaimedEffect) -> ClaimedEffect | None:
        """One try; the next effect of its stream when its outcome claimed one."""
        kind = self._kinds[effect.kind]
        attempt = Attempt(effect.id, effect.key, effect.attempts, effect.created_at)
        payload = dict(effect.payload)
        try:
            await kind.handler(payload, attempt)
        except Permanent as failure:
            return await self._give_up(effect, kind, payload, failure.error)
        except Transient as failure:
            return await self._later(effect, kind, payload, failure.error, failure.retry_after)
        except Exception as failure:  # a bug or an unforeseen failure: a few more tries
            log.exception("effect %s (%s) failed", effect.id, effect.kind)
            error = f"{type(failure).__name__}: {str(failure)[:200]}"
            if effect.attempts >= self.policy.max_unexpected:
                return await self._give_up(effect, kind, payload, error)
            return await self._later(effect, kind, payload, error, None)
        return await self._finish(effect, Outcome(effect.id, queries.DONE))

    async def _later(
        self,
        effect: ClaimedEffect,
        kind: _Kind,
        payload: Payload,
        error: str,
        retry_after: float | None,
    ) -> ClaimedEffect | None:
        now = self.clock()
        if now - effect.created_at >= self.policy.max_age:
            return await self._give_up(effect, kind, payload, f"{error} (gave up after retrying)")
        wait = backoff(effect.attempts, self.policy, retry_after)
        log.info(
            "effect %s (%s) failed (%s); next try in %.1fs", effect.id, effect.kind, error, wait
        )
        next_try_at = now + timedelta(seconds=wait)
        return await self._finish(effect, Outcome(effect.id, queries.PENDING, error, next_try_at))

    async def _give_up(
        self, effect: ClaimedEffect, kind: _Kind, payload: Payload, error: str
    ) -> ClaimedEffect | None:
        log.warning("effect %s (%s) given up: %s", effect.id, effect.kind, error)
        following = await self._finish(effect, Outcome(effect.id, queries.FAILED, error))
        if kind.on_give_up is not None:
            try:
                await kind.on_give_up(payload, error)
            except Exception:
                log.exception("reporting the failure of effect %s failed", effect.id)
        return following

    async def _finish(self, effect: ClaimedEffect, outcome: Outcome) -> ClaimedEffect | None:
        """Record the outcome (with those that ended meanwhile); an effect that is over lets
        its stream go on, so the same transaction claims the stream's next effect, if due,
        unless this process is stopping."""
        stopping = self._loop is not None and self._loop.stopping
        follow = outcome.state != queries.PENDING and not stopping
        return await self._endings.submit((effect.stream, outcome, follow))

    async def _record_together(self, endings: list[Ending]) -> list[ClaimedEffect | None]:
        """One transaction records the outcomes and claims the streams' next effects."""

        def record(session: Session) -> list[ClaimedEffect | None]:
            outcomes = [outcome for _, outcome, _ in endings]
            queries.finish_effects(session, outcomes=outcomes, now=self.clock())
            streams = [stream for stream, _, follow in endings if follow]
            claimed = self._claim(session, len(streams), streams) if streams else []
            taken = {effect.stream: effect for effect in claimed}
            return [taken.pop(stream, None) if follow else None for stream, _, follow in endings]

        for attempt in range(OUTCOME_ATTEMPTS):
            try:
                return await run_apart(self.engine, record)
            except Exception as error:
                # A deadlock PostgreSQL broke by failing this transaction: run it again.
                if not is_write_conflict(error) or attempt == OUTCOME_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    # -- serving ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start carrying out work in the background."""
        self._loop = WorkLoop(
            "outbox",
            self.run_due,
            poll=self.policy.idle_poll,
            next_due=self._seconds_to_due,
            exhausted=lambda: self._workers.exhausted,
        )
        self._loop.start()

    async def _seconds_to_due(self) -> float | None:
        """Seconds until the soonest effect is due: as the last claim learnt it, or asked now.
        With every slot busy, None: the loop is kicked as soon as one frees up."""
        learnt, self._next_due = self._next_due, _UNKNOWN
        if self._workers.free <= 0:
            return None
        now = self.clock()
        if learnt is _UNKNOWN:
            kinds = list(self._kinds)
            learnt = await read(self.engine, partial(queries.next_effect_due, kinds=kinds, now=now))
        due = learnt if isinstance(learnt, datetime) else None
        return None if due is None else (due - now).total_seconds()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop taking work; what runs may finish within `grace` seconds. The rest stays in
        the database, and its claims lapse for the next process."""
        if self._loop is not None:
            await self._loop.stop(grace, self._workers.running)
            self._loop = None

    async def drain(self, *, timeout: float = 30.0, horizon: float = 0.0) -> None:
        """Run until nothing runs and nothing is due within `horizon` seconds (tests, the
        demo: a horizon waits out short retry back-offs)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        kinds = list(self._kinds)
        while loop.time() < deadline:
            started = await self.run_due()
            if await self._workers.wait(deadline - loop.time()):
                continue
            if started:
                continue
            now = self.clock()
            due = await read(self.engine, partial(queries.next_effect_due, kinds=kinds, now=now))
            if due is None or due > now + timedelta(seconds=horizon):
                return
            await asyncio.sleep(0.02)  # due within the horizon: wait for it
        raise TimeoutError("the outbox still has due effects")
