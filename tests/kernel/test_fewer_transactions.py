"""The inbox and the outbox spend few transactions: requests that arrive together are stored
together, outcomes that end together are recorded together, and the transaction that records
an effect done claims the next one of its stream. Each guarantee holds as before."""

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from bot.kernel.inbox import Inbox
from bot.kernel.outbox import (
    Attempt,
    Outbox,
    Payload,
    Policy,
    Transient,
    add_effects,
    new_effect,
)
from bot.kernel.transactions import run_in_transaction
from storage.database import WRITE
from storage.models import Counter, Effect, InboxItem
from storage.queries import kernel as queries

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
QUICK = Policy(first_retry=timedelta(seconds=1), max_backoff=timedelta(seconds=8))


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@contextmanager
def write_transactions(engine: Engine) -> Iterator[list[int]]:
    """Counts the write transactions begun on `engine` while the block runs."""
    seen = [0]

    def begun(connection: Connection) -> None:
        if connection.get_execution_options().get(WRITE):
            seen[0] += 1

    event.listen(engine, "begin", begun)
    try:
        yield seen
    finally:
        event.remove(engine, "begin", begun)


async def _write(engine: Engine, *effects: dict[str, Any]) -> None:
    await run_in_transaction(engine, lambda s: add_effects(s, list(effects)))


def _effect(
    key: str, stream: str, kind: str = "test.kind", delay: float = 0, **payload: Any
) -> dict[str, Any]:
    return new_effect(
        kind, key=key, stream=stream, payload=payload, now=T0, delay=timedelta(seconds=delay)
    )


def _effects(engine: Engine) -> list[Effect]:
    with Session(engine) as session:
        return list(session.exec(select(Effect).order_by(col(Effect.id))))


def _items(engine: Engine) -> list[InboxItem]:
    with Session(engine) as session:
        return list(session.exec(select(InboxItem).order_by(col(InboxItem.id))))


# -- the outbox -------------------------------------------------------------------------------


async def test_a_stream_goes_on_from_the_transaction_that_ends_its_effect(
    engine: Engine,
) -> None:
    outbox, order = Outbox(engine, Clock(), QUICK), []

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        order.append(payload["n"])

    outbox.handle("test.kind", handler)
    await _write(engine, *(_effect(f"k{n}", "incident:1", n=n) for n in range(5)))
    with write_transactions(engine) as writes:
        await outbox.drain()
    assert order == [0, 1, 2, 3, 4]
    assert [e.state for e in _effects(engine)] == ["done"] * 5
    # One claim, one transaction per outcome (each claiming the next), one claim finding
    # nothing: not a claim and an outcome per effect.
    assert writes[0] <= 7


async def test_outcomes_that_end_together_are_recorded_together(engine: Engine) -> None:
    outbox, release = Outbox(engine, Clock(), QUICK), asyncio.Event()
    started, ran = [], []

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        started.append(payload["n"])
        await release.wait()
        ran.append(payload["n"])

    outbox.handle("test.kind", handler)
    await _write(engine, *(_effect(f"k{n}", f"stream:{n}", n=n) for n in range(8)))
    with write_transactions(engine) as writes:
        draining = asyncio.create_task(outbox.drain())
        while len(started) < 8:
            await asyncio.sleep(0.01)
        release.set()
        await draining
    assert sorted(ran) == list(range(8))
    assert [e.state for e in _effects(engine)] == ["done"] * 8
    assert writes[0] <= 4  # a claim, eight outcomes in one or two batches, a last claim


async def test_the_next_effect_of_a_stream_waits_for_its_own_time(engine: Engine) -> None:
    clock, ran = Clock(), []
    outbox = Outbox(engine, clock, QUICK)

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        ran.append(payload["n"])

    outbox.handle("test.kind", handler)
    await _write(engine, _effect("now", "page:1", n=0), _effect("later", "page:1", delay=60, n=1))
    await outbox.drain()
    assert ran == [0]  # the delayed one is not claimed with its predecessor's outcome
    clock.now += timedelta(seconds=60)
    await outbox.drain()
    assert ran == [0, 1]


async def test_a_kind_this_process_does_not_handle_holds_its_stream(engine: Engine) -> None:
    outbox, ran = Outbox(engine, Clock(), QUICK), []

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        ran.append(payload["n"])

    outbox.handle("test.kind", handler)
    await _write(
        engine,
        _effect("a", "s", n=0),
        _effect("b", "s", kind="other.kind", n=1),
        _effect("c", "s", n=2),
    )
    await outbox.drain()
    assert ran == [0]
    assert [e.state for e in _effects(engine)] == ["done", "pending", "pending"]


async def test_a_merged_payload_survives_a_retry(engine: Engine) -> None:
    clock, seen = Clock(), []
    outbox = Outbox(engine, clock, QUICK)

    async def handler(payload: Payload, attempt: Attempt) -> None:
        seen.append(sorted(payload["invite"]))
        if attempt.attempts == 1:
            raise Transient("ratelimited")

    def merge(first: Payload, later: list[Payload]) -> Payload:
        return {"invite": [u for p in [first, *later] for u in p["invite"]]}

    outbox.handle("test.kind", handler, coalesce=merge)
    await _write(engine, *(_effect(f"p{n}", "incident:1", invite=[f"U{n}"]) for n in range(3)))
    await outbox.drain()
    clock.now += timedelta(seconds=10)
    await outbox.drain()
    assert seen == [["U0", "U1", "U2"], ["U0", "U1", "U2"]]
    first, *superseded = _effects(engine)
    assert (first.state, first.attempts) == ("done", 2)
    assert [e.last_error for e in superseded] == ["superseded", "superseded"]


# -- the inbox --------------------------------------------------------------------------------


async def test_requests_arriving_together_are_stored_in_few_transactions(engine: Engine) -> None:
    inbox = Inbox(engine, Clock())
    keys = [f"slash:T{n}" for n in range(20)]
    with write_transactions(engine) as writes:
        stored = await asyncio.gather(*(inbox.accept(k, "test", {"k": k}) for k in keys))
    assert stored == [True] * 20
    assert sorted(i.key for i in _items(engine)) == sorted(keys)
    assert writes[0] <= 3  # the first alone, the rest together (not twenty)


async def test_a_request_is_stored_when_its_acceptance_returns(engine: Engine) -> None:
    inbox = Inbox(engine, Clock())

    async def accept_and_look(n: int) -> bool:
        await inbox.accept(f"k{n}", "test", {"n": n})
        return f"k{n}" in {i.key for i in _items(engine)}  # another connection sees it

    assert await asyncio.gather(*(accept_and_look(n) for n in range(10))) == [True] * 10


async def test_a_replay_in_the_same_batch_is_stored_once(engine: Engine) -> None:
    inbox = Inbox(engine, Clock())
    first, again, other = await asyncio.gather(
        inbox.accept("slash:T1", "test", {"n": 1}),
        inbox.accept("slash:T1", "test", {"n": 2}),
        inbox.accept("slash:T2", "test", {"n": 3}),
    )
    assert (first, again, other) == (True, False, True)
    assert [i.payload for i in _items(engine)] == [{"n": 1}, {"n": 3}]


async def test_one_request_that_cannot_be_stored_does_not_sink_the_others(
    engine: Engine,
) -> None:
    inbox = Inbox(engine, Clock())
    outcomes = await asyncio.gather(
        inbox.accept("good:1", "test", {"n": 1}),
        inbox.accept("bad", "test", {"n": {1, 2}}),  # a set: not JSON
        inbox.accept("good:2", "test", {"n": 2}),
        return_exceptions=True,
    )
    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], Exception)
    assert [i.key for i in _items(engine)] == ["good:1", "good:2"]


async def test_a_handler_whose_write_finished_the_request_costs_no_more(
    engine: Engine,
) -> None:
    inbox = Inbox(engine, Clock())

    async def handler(payload: Payload) -> None:
        await run_in_transaction(engine, lambda s: s.add(Counter(name=payload["name"], value=1)))

    inbox.handle("test", handler)
    await inbox.accept("k1", "test", {"name": "once"})
    with write_transactions(engine) as writes:
        await inbox.drain()
    [item] = _items(engine)
    assert item.done_at == T0 and item.attempts == 1
    assert writes[0] == 3  # the claim, the handler's write (done with it), a claim of nothing


async def test_the_serving_loop_wakes_for_a_delayed_effect_without_polling(
    engine: Engine,
) -> None:
    # The claim that found nothing due learnt when the delayed effect is due: the loop naps
    # until then, not for its (here long) poll.
    outbox = Outbox(engine, lambda: datetime.now(UTC), Policy(idle_poll=30.0))
    ran = asyncio.Event()

    async def handler(_payload: Payload, _attempt: Attempt) -> None:
        ran.set()

    outbox.handle("test.kind", handler)
    outbox.start()
    try:
        written = asyncio.get_running_loop().time()
        effect = new_effect("test.kind", key="later", stream="s", payload={}, now=datetime.now(UTC))
        effect["next_try_at"] += timedelta(seconds=0.3)
        await outbox.enqueue([effect])
        await asyncio.wait_for(ran.wait(), timeout=10)
        waited = asyncio.get_running_loop().time() - written
    finally:
        await outbox.stop()
    assert 0.25 <= waited < 5


async def test_the_serving_loop_carries_out_a_burst_claimed_in_several_rounds(
    engine: Engine,
) -> None:
    outbox = Outbox(engine, lambda: datetime.now(UTC), Policy(concurrency=3, idle_poll=30.0))
    done: list[int] = []

    async def handler(payload: Payload, _attempt: Attempt) -> None:
        await asyncio.sleep(0.01)
        done.append(payload["n"])

    outbox.handle("test.kind", handler)
    outbox.start()
    try:
        now = datetime.now(UTC)
        await outbox.enqueue(
            [
                new_effect("test.kind", key=f"k{n}", stream=f"s{n % 4}", payload={"n": n}, now=now)
                for n in range(20)
            ]
        )
        for _ in range(500):
            if len(done) == 20:
                break
            await asyncio.sleep(0.01)
    finally:
        await outbox.stop()
    assert sorted(done) == list(range(20))
    for stream in range(4):  # each stream's effects in the order they were written
        mine = [n for n in done if n % 4 == stream]
        assert mine == sorted(mine)


async def test_outcomes_recorded_together_each_keep_their_own_values(engine: Engine) -> None:
    await _write(engine, *(_effect(f"k{n}", f"s{n}", n=n) for n in range(4)))
    ids = [e.id or 0 for e in _effects(engine)]
    later = T0 + timedelta(seconds=30)
    outcomes = [
        queries.Outcome(ids[0], queries.DONE),
        queries.Outcome(ids[1], queries.FAILED, "channel_not_found"),
        queries.Outcome(ids[2], queries.PENDING, "ratelimited", later),
        queries.Outcome(ids[3], queries.PENDING, "odd"),  # no time: keeps the one it had
    ]
    await run_in_transaction(engine, lambda s: queries.finish_effects(s, outcomes=outcomes, now=T0))
    rows = _effects(engine)
    assert [(r.state, r.last_error) for r in rows] == [
        ("done", None),
        ("failed", "channel_not_found"),
        ("pending", "ratelimited"),
        ("pending", "odd"),
    ]
    assert [r.done_at for r in rows] == [T0, T0, None, None]
    assert [r.next_try_at for r in rows] == [T0, T0, later, T0]
