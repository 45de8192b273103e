"""The dashboard's figures kept a short while: people asking for the same query at once share
one computation, a kept value is served while fresh and computed again after, a failure is
not kept, and zero keeps nothing."""

import asyncio
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from bot.web.app import dashboard_cache
from bot.web.app.dashboard_cache import FreshFor

AT = datetime(2026, 11, 18, 13, 0, tzinfo=UTC)


class Counted:
    """A computation that takes a moment and counts how often it ran."""

    def __init__(self) -> None:
        self.runs = 0

    async def __call__(self) -> int:
        self.runs += 1
        await asyncio.sleep(0.05)
        return self.runs


async def test_people_asking_at_once_share_one_computation() -> None:
    kept: FreshFor[int] = FreshFor(lambda: AT, timedelta(seconds=30))
    compute = Counted()
    answers = await asyncio.gather(*(kept.get("90d", compute) for _ in range(5)))
    assert [a.value for a in answers] == [1] * 5 and compute.runs == 1
    assert (await kept.get("90d", compute)).value == 1  # kept
    assert (await kept.get("30d", compute)).value == 2  # another query
    assert answers[0].at == AT


async def test_a_kept_value_is_computed_again_once_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    kept: FreshFor[int] = FreshFor(lambda: AT, timedelta(seconds=30))
    compute = Counted()
    await kept.get("year", compute)
    later = time.monotonic() + 31
    # The module's clock only: the event loop keeps the real one.
    monkeypatch.setattr(dashboard_cache, "time", SimpleNamespace(monotonic=lambda: later))
    assert (await kept.get("year", compute)).value == 2


async def test_a_failure_is_not_kept_and_zero_keeps_nothing() -> None:
    kept: FreshFor[int] = FreshFor(lambda: AT, timedelta(seconds=30))

    async def broken() -> int:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        await kept.get("7d", broken)
    compute = Counted()
    assert (await kept.get("7d", compute)).value == 1
    nothing: FreshFor[int] = FreshFor(lambda: AT, timedelta(0))
    await nothing.get("7d", compute)
    assert (await nothing.get("7d", compute)).value == 3
