"""Remembering which Slack event deliveries were handled, so retries change nothing."""

import asyncio
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from storage import queries
from storage.database import unit_of_work


class EventLog:
    """Claims Events API deliveries by `event_id`."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    async def claim(self, event_id: str) -> bool:
        """True the first time an event id is seen, False for every repeat."""

        def work() -> bool:
            with unit_of_work(self.engine) as session:
                return queries.claim_event(session, event_id=event_id, now=self.clock())

        return await asyncio.to_thread(work)
