"""Whose transaction goes first: storing a request someone waits to have acknowledged goes
before the background's writes waiting for SQLite's one writer turn, and has threads of its
own; the background's transactions have a few threads of their own too, so that requests being
answered never wait behind them."""

import asyncio
import threading
import time
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.inbox import Inbox, Payload
from bot.kernel.outbox import Attempt, Outbox, new_effect
from bot.kernel.transactions import read, run_apart
from bot.kernel.turns import Turn, background_context
from storage.models import Counter


def test_an_urgent_writer_waiting_goes_before_the_others_waiting() -> None:
    turn, order = Turn(), []
    holding, release = threading.Event(), threading.Event()

    def holder() -> None:
        with turn.held(urgent=False):
            holding.set()
            release.wait(5)

    def writer(name: str, urgent: bool) -> None:
        with turn.held(urgent=urgent):
            order.append(name)

    threads = [threading.Thread(target=holder)]
    threads[0].start()
    holding.wait(5)
    for name, urgent in [("background 1", False), ("background 2", False), ("urgent", True)]:
        thread = threading.Thread(target=writer, args=(name, urgent))
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # queued in this order
    release.set()
    for thread in threads:
        thread.join(5)
    assert order[0] == "urgent"
    assert sorted(order[1:]) == ["background 1", "background 2"]


def test_one_writer_at_a_time_whatever_the_urgency() -> None:
    turn, inside, most = Turn(), [0], [0]
    lock = threading.Lock()

    def writer(urgent: bool) -> None:
        for _ in range(50):
            with turn.held(urgent=urgent):
                with lock:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.0005)
                with lock:
                    inside[0] -= 1

    threads = [threading.Thread(target=writer, args=(n % 2 == 0,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert most[0] == 1


async def test_an_urgent_store_does_not_wait_for_the_background_threads(engine: Engine) -> None:
    # Every thread of the shared pool is busy with slow background work; the urgent store
    # still commits at once.
    busy = threading.Event()
    background = [asyncio.ensure_future(asyncio.to_thread(busy.wait, 5)) for _ in range(40)]
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await run_apart(engine, lambda s: s.add(Counter(name="stored", value=1)), urgent=True)
    waited = time.monotonic() - started
    busy.set()
    await asyncio.gather(*background)
    assert waited < 2


async def test_the_inbox_and_outbox_work_on_the_background_threads(engine: Engine) -> None:
    clock = lambda: datetime.now(UTC)  # noqa: E731
    inbox, outbox = Inbox(engine, clock), Outbox(engine, clock)
    threads: list[str] = []

    def note(_session: Session) -> None:
        threads.append(threading.current_thread().name)

    async def request(_payload: Payload) -> None:
        await read(engine, note)

    async def effect(_payload: Payload, _attempt: Attempt) -> None:
        await read(engine, note)

    inbox.handle("test", request)
    outbox.handle("test.kind", effect)
    await inbox.accept("k1", "test", {})
    await outbox.enqueue([new_effect("test.kind", key="e1", stream="s", payload={}, now=clock())])
    await inbox.drain()
    await outbox.drain()
    await read(engine, note)  # answering a request, say: the shared pool
    assert [name.startswith("warroom-background") for name in threads] == [True, True, False]


async def test_a_request_answered_does_not_wait_for_the_background(engine: Engine) -> None:
    busy = threading.Event()

    async def background() -> None:
        await read(engine, lambda _s: busy.wait(5))

    stuck = [asyncio.create_task(background(), context=background_context()) for _ in range(40)]
    await asyncio.sleep(0.05)
    started = time.monotonic()
    await read(engine, lambda _s: None)
    waited = time.monotonic() - started
    busy.set()
    await asyncio.gather(*stuck)
    assert waited < 2
