"""The inbox: an acknowledged request is stored first, carried out once by whichever worker
gets to it, and its changes and its completion commit together."""

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col, select

from bot.kernel.inbox import Inbox, Payload, Policy
from bot.kernel.transactions import run_in_transaction
from storage.models import Counter, InboxItem

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _items(engine: Engine) -> list[InboxItem]:
    with Session(engine) as session:
        return list(session.exec(select(InboxItem).order_by(col(InboxItem.id))))


def _counters(engine: Engine) -> list[str]:
    with Session(engine) as session:
        names = session.exec(select(Counter.name)).all()
    return sorted(n for n in names if n != "incident")  # the incident-number counter is seeded


async def _add_counter(engine: Engine, name: str) -> None:
    await run_in_transaction(engine, lambda s: s.add(Counter(name=name, value=1)))


async def test_a_replayed_key_is_stored_once(engine: Engine) -> None:
    inbox = Inbox(engine, Clock())
    assert await inbox.accept("slash:T1", "test", {"n": 1})
    assert not await inbox.accept("slash:T1", "test", {"n": 2})
    assert [i.payload for i in _items(engine)] == [{"n": 1}]


async def test_the_change_and_the_completion_commit_together(engine: Engine) -> None:
    inbox = Inbox(engine, Clock())
    runs = []

    async def handler(payload: Payload) -> None:
        runs.append(payload["name"])
        await _add_counter(engine, payload["name"])

    inbox.handle("test", handler)
    await inbox.accept("k1", "test", {"name": "first"})
    await inbox.drain()
    await inbox.drain()
    assert runs == ["first"] and _counters(engine) == ["first"]
    [item] = _items(engine)
    assert item.done_at == T0 and item.attempts == 1


async def test_a_request_whose_write_failed_is_carried_out_again(engine: Engine) -> None:
    clock = Clock()
    inbox = Inbox(engine, clock)
    tries = []

    async def handler(payload: Payload) -> None:
        tries.append(1)

        def work(session: Session) -> None:
            session.add(Counter(name="kept", value=1))
            if len(tries) == 1:  # the database went away before the commit
                raise OperationalError("INSERT", {}, Exception("server closed the connection"))

        await run_in_transaction(engine, work)

    inbox.handle("test", handler)
    await inbox.accept("k1", "test", {})
    await inbox.drain()
    assert _counters(engine) == [] and _items(engine)[0].done_at is None
    clock.now += timedelta(seconds=5)  # past the retry's back-off
    await inbox.drain()
    assert len(tries) == 2 and _counters(engine) == ["kept"]
    assert _items(engine)[0].done_at is not None


async def test_a_request_done_by_another_worker_is_not_applied_twice(engine: Engine) -> None:
    clock = Clock()
    slow, fast = Inbox(engine, clock), Inbox(engine, clock)

    async def handler(payload: Payload) -> None:
        await _add_counter(engine, payload["name"])

    slow.handle("test", handler)
    fast.handle("test", handler)
    await slow.accept("k1", "test", {"name": "once"})
    # The slow worker claims the request and stalls; its claim lapses; the fast one does it.
    [held] = await run_in_transaction(engine, lambda s: slow._claim(s, 1))
    clock.now += Policy().lease + timedelta(seconds=1)
    await fast.drain()
    assert _counters(engine) == ["once"]
    # The slow worker wakes up and runs its stale copy: its write is refused, nothing doubles.
    await slow._carry_out(held)
    assert _counters(engine) == ["once"]


async def test_a_bug_is_not_retried_and_is_reported_with_a_reference(engine: Engine) -> None:
    inbox = Inbox(engine, Clock())
    reported: list[tuple[Payload, str]] = []

    async def handler(_payload: Payload) -> None:
        raise KeyError("oops")

    async def failed(payload: Payload, reference: str) -> None:
        reported.append((payload, reference))

    inbox.handle("test", handler, on_failure=failed)
    await inbox.accept("k1", "test", {"user": "U1"})
    await inbox.drain()
    [(payload, reference)] = reported
    assert payload == {"user": "U1"} and len(reference) == 8
    [item] = _items(engine)
    assert item.done_at is not None and item.last_error == f"KeyError (reference {reference})"
