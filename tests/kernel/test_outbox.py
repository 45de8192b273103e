"""The outbox: effects written with their cause, carried out once, in order per stream,
retried with backoff, given up and reported when they cannot succeed."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.kernel.outbox import (
    Attempt,
    Outbox,
    Payload,
    Permanent,
    Policy,
    Transient,
    backoff,
    new_effect,
)
from bot.kernel.transactions import run_in_transaction
from storage.models import Effect

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUICK = Policy(first_retry=timedelta(seconds=1), max_backoff=timedelta(seconds=8))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def _outbox(engine: Engine, clock: Clock, policy: Policy = QUICK) -> Outbox:
    return Outbox(engine, clock, policy)


async def _write(engine: Engine, *effects: dict[str, Any]) -> None:
    def work(session: Session) -> None:
        from bot.kernel.outbox import add_effects

        add_effects(session, list(effects))

    await run_in_transaction(engine, work)


def _effect(
    key: str, stream: str = "", clock: Clock | None = None, **payload: Any
) -> dict[str, Any]:
    now = clock() if clock is not None else T0
    return new_effect("test.kind", key=key, stream=stream or key, payload=payload, now=now)


def _rows(engine: Engine) -> list[Effect]:
    with Session(engine) as session:
        return list(session.exec(select(Effect).order_by(col(Effect.id))))


async def test_an_effect_runs_once_and_is_done(engine: Engine) -> None:
    clock, seen = Clock(), []
    outbox = _outbox(engine, clock)

    async def handler(payload: Payload, attempt: Attempt) -> None:
        seen.append((payload["n"], attempt.attempts, attempt.is_retry))

    outbox.handle("test.kind", handler)
    await _write(engine, _effect("a", n=1))
    await outbox.drain()
    await outbox.drain()
    assert seen == [(1, 1, False)]
    [row] = _rows(engine)
    assert (row.state, row.attempts, row.done_at) == ("done", 1, T0)


async def test_the_same_key_written_twice_is_one_effect(engine: Engine) -> None:
    await _write(engine, _effect("a", n=1), _effect("a", n=2))
    await _write(engine, _effect("a", n=3))
    assert [r.payload for r in _rows(engine)] == [{"n": 1}]


async def test_a_stream_runs_one_effect_at_a_time_in_order(engine: Engine) -> None:
    clock, order = Clock(), []
    outbox = _outbox(engine, clock)
    running = 0

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        nonlocal running
        running += 1
        assert running == 1, "two effects of one stream ran at once"
        await asyncio.sleep(0.01)
        order.append(payload["n"])
        running -= 1

    outbox.handle("test.kind", handler)
    await _write(engine, *(_effect(f"k{n}", "incident:1", n=n) for n in range(5)))
    await outbox.drain()
    assert order == [0, 1, 2, 3, 4]


async def test_a_transient_failure_holds_its_stream_and_retries_with_backoff(
    engine: Engine,
) -> None:
    clock, order = Clock(), []
    outbox = _outbox(engine, clock)
    failures = [Transient("ratelimited", retry_after=3)]

    async def handler(payload: Payload, attempt: Attempt) -> None:
        if payload["n"] == 0 and failures:
            raise failures.pop()
        order.append((payload["n"], attempt.attempts))

    outbox.handle("test.kind", handler)
    await _write(engine, _effect("first", "s", n=0), _effect("second", "s", n=1))
    await outbox.drain()
    assert order == []  # the second waits behind the first, which waits out Retry-After
    first, _second = _rows(engine)
    assert first.state == "pending" and first.last_error == "ratelimited"
    assert first.next_try_at is not None and first.next_try_at >= T0 + timedelta(seconds=3)
    clock.advance(seconds=3)
    await outbox.drain()
    assert order == [(0, 2), (1, 1)]


async def test_an_unexpected_error_is_retried_then_given_up_and_reported_once(
    engine: Engine,
) -> None:
    clock, reported = Clock(), []
    policy = Policy(
        first_retry=timedelta(seconds=1), max_backoff=timedelta(seconds=1), max_unexpected=3
    )
    outbox = _outbox(engine, clock, policy)

    async def handler(_payload: Payload, _attempt: Attempt) -> None:
        raise RuntimeError("a bug")

    async def give_up(payload: Payload, error: str) -> None:
        reported.append(error)

    outbox.handle("test.kind", handler, on_give_up=give_up)
    await _write(engine, _effect("a"))
    for _ in range(5):
        await outbox.drain()
        clock.advance(seconds=2)
    [row] = _rows(engine)
    assert (row.state, row.attempts) == ("failed", 3)
    assert reported == ["RuntimeError: a bug"]


async def test_a_permanent_failure_is_given_up_at_once_and_frees_the_stream(
    engine: Engine,
) -> None:
    clock, ran, reported = Clock(), [], []
    outbox = _outbox(engine, clock)

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        if payload["n"] == 0:
            raise Permanent("channel_not_found")
        ran.append(payload["n"])

    async def give_up(_payload: Payload, error: str) -> None:
        reported.append(error)

    outbox.handle("test.kind", handler, on_give_up=give_up)
    await _write(engine, _effect("a", "s", n=0), _effect("b", "s", n=1))
    await outbox.drain()
    assert ran == [1] and reported == ["channel_not_found"]
    assert [r.state for r in _rows(engine)] == ["failed", "done"]


async def test_transient_failures_give_up_after_the_maximum_age(engine: Engine) -> None:
    clock, reported = Clock(), []
    policy = Policy(
        first_retry=timedelta(seconds=1),
        max_backoff=timedelta(minutes=5),
        max_age=timedelta(hours=24),
    )
    outbox = _outbox(engine, clock, policy)

    async def handler(_payload: Payload, _attempt: Attempt) -> None:
        raise Transient("service_unavailable")

    async def give_up(_payload: Payload, error: str) -> None:
        reported.append(error)

    outbox.handle("test.kind", handler, on_give_up=give_up)
    await _write(engine, _effect("a", clock=clock))
    tries = 0
    while _rows(engine)[0].state == "pending":
        tries += 1
        await outbox.drain()
        clock.advance(minutes=5)
        assert tries < 400
    assert _rows(engine)[0].state == "failed"
    assert len(reported) == 1 and "gave up" in reported[0]
    assert tries > 24 * 12 * 0.9  # it kept trying, about every five minutes, for a day


def test_backoff_doubles_to_its_cap_and_honours_retry_after() -> None:
    policy = Policy(first_retry=timedelta(seconds=1), max_backoff=timedelta(seconds=30))
    waits = [backoff(n, policy) for n in range(1, 8)]
    assert all(
        0.8 * min(2 ** (n - 1), 30) <= w <= min(2 ** (n - 1), 30)
        for n, w in zip(range(1, 8), waits, strict=True)
    )
    assert backoff(1, policy, retry_after=45) == 45


async def test_a_claim_held_by_another_process_is_left_until_it_lapses(engine: Engine) -> None:
    clock, ran = Clock(), []
    first, second = _outbox(engine, clock), _outbox(engine, clock)

    async def handler(payload: Payload, attempt: Attempt) -> None:
        ran.append(attempt.attempts)

    second.handle("test.kind", handler)
    first.handle("test.kind", handler)
    await _write(engine, _effect("a"))
    # The first process claims it and dies before it finishes.
    claimed = await run_in_transaction(engine, lambda s: first._claim(s, 10))
    assert len(claimed) == 1
    await second.drain()
    assert ran == []  # held by the first process
    clock.advance(seconds=QUICK.lease.total_seconds() + 1)
    await second.drain()
    assert ran == [2]  # a retry: the first try may have done the work


async def test_coalescing_takes_the_later_effects_of_its_kind_and_merges_them(
    engine: Engine,
) -> None:
    clock, seen = Clock(), []
    outbox = _outbox(engine, clock)

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        seen.append(sorted(payload["invite"]))

    def merge(first: Payload, later: list[Payload]) -> Payload:
        return {"invite": [u for p in [first, *later] for u in p["invite"]]}

    outbox.handle("test.kind", handler, coalesce=merge)
    await _write(
        engine,
        *(_effect(f"p{n}", "incident:1", invite=[f"U{n}"]) for n in range(4)),
    )
    await outbox.drain()
    assert seen == [["U0", "U1", "U2", "U3"]]
    assert [r.last_error for r in _rows(engine)] == [None, "superseded", "superseded", "superseded"]


async def test_two_outboxes_on_one_database_run_each_effect_once(engine: Engine) -> None:
    clock, ran = Clock(), []
    boxes = [_outbox(engine, clock), _outbox(engine, clock)]

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        await asyncio.sleep(0.005)
        ran.append(payload["n"])

    for box in boxes:
        box.handle("test.kind", handler)
    await _write(engine, *(_effect(f"k{n}", n=n) for n in range(40)))
    await asyncio.gather(*(box.drain() for box in boxes))
    assert sorted(ran) == list(range(40))
