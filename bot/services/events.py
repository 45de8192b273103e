"""Remembering which Slack event deliveries were handled, so retries change nothing."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.services.transactions import run_in_transaction
from storage import queries


class EventLog:
    """Claims Events API deliveries by `event_id`."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    async def claim(self, event_id: str) -> bool:
        """True the first time an event id is seen, False for every repeat."""

        return await run_in_transaction(
            self.engine, lambda s: queries.claim_event(s, event_id=event_id, now=self.clock())
        )
