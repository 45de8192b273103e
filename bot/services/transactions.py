"""Running a unit of work off the event loop."""

import asyncio
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage.database import unit_of_work

T = TypeVar("T")


async def run_in_transaction(engine: Engine, work: Callable[[Session], T]) -> T:
    """Run `work` in one transaction on a worker thread, so the event loop never blocks."""

    def in_transaction() -> T:
        with unit_of_work(engine) as session:
            return work(session)

    return await asyncio.to_thread(in_transaction)
