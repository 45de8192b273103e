"""Group commit: what arrives while a batch runs goes into the next one, in order."""

import asyncio

import pytest

from bot.kernel.group_commit import GroupCommit


class Recorder:
    """A `run` that records each batch it was given and answers each item in kind."""

    def __init__(self, *, hold: asyncio.Event | None = None) -> None:
        self.batches: list[list[int]] = []
        self.hold = hold

    async def run(self, items: list[int]) -> list[int | Exception]:
        self.batches.append(list(items))
        if self.hold is not None and len(self.batches) == 1:
            await self.hold.wait()
        return [ValueError(f"item {i} is odd") if i % 2 else i * 10 for i in items]


async def test_an_idle_queue_runs_an_item_at_once_and_alone() -> None:
    recorder = Recorder()
    commits = GroupCommit(recorder.run)
    assert await commits.submit(4) == 40
    assert recorder.batches == [[4]]


async def test_items_that_arrive_while_a_batch_runs_share_the_next_batch() -> None:
    hold = asyncio.Event()
    recorder = Recorder(hold=hold)
    commits = GroupCommit(recorder.run)
    first = asyncio.create_task(commits.submit(0))
    await asyncio.sleep(0)  # the first batch starts and waits on `hold`
    later = [asyncio.create_task(commits.submit(n)) for n in (2, 4, 6)]
    await asyncio.sleep(0)
    hold.set()
    assert await first == 0
    assert [await task for task in later] == [20, 40, 60]
    assert recorder.batches == [[0], [2, 4, 6]]


async def test_each_caller_gets_its_own_item_s_outcome() -> None:
    recorder = Recorder()
    commits = GroupCommit(recorder.run)
    outcomes = await asyncio.gather(*(commits.submit(n) for n in range(4)), return_exceptions=True)
    assert recorder.batches == [[0, 1, 2, 3]]
    assert outcomes[0] == 0 and outcomes[2] == 20
    assert isinstance(outcomes[1], ValueError) and "item 1" in str(outcomes[1])
    assert isinstance(outcomes[3], ValueError) and "item 3" in str(outcomes[3])


async def test_a_batch_stops_at_its_item_and_weight_limits() -> None:
    recorder = Recorder()
    by_count = GroupCommit(recorder.run, max_items=3)
    await asyncio.gather(*(by_count.submit(n * 2) for n in range(7)))
    assert [len(b) for b in recorder.batches] == [3, 3, 1]

    recorder.batches.clear()
    by_weight = GroupCommit(recorder.run, max_weight=100, weight=lambda n: n)
    await asyncio.gather(*(by_weight.submit(n) for n in (40, 50, 20, 400, 2)))
    # An item heavier than the limit still runs, alone.
    assert recorder.batches == [[40, 50], [20], [400], [2]]


async def test_a_run_that_raises_fails_every_item_of_its_batch_and_the_queue_goes_on() -> None:
    calls: list[list[int]] = []

    async def run(items: list[int]) -> list[int | Exception]:
        calls.append(items)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return list(items)

    commits = GroupCommit(run)
    outcomes = await asyncio.gather(commits.submit(1), commits.submit(2), return_exceptions=True)
    assert [type(o) for o in outcomes] == [RuntimeError, RuntimeError]
    assert await commits.submit(3) == 3


async def test_a_caller_that_gives_up_does_not_stop_the_others() -> None:
    hold = asyncio.Event()
    recorder = Recorder(hold=hold)
    commits = GroupCommit(recorder.run)
    impatient = asyncio.create_task(commits.submit(0))
    await asyncio.sleep(0)
    patient = asyncio.create_task(commits.submit(2))
    await asyncio.sleep(0)
    impatient.cancel()
    hold.set()
    with pytest.raises(asyncio.CancelledError):
        await impatient
    assert await patient == 20
    assert recorder.batches == [[0], [2]]
