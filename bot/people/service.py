"""The people directory as a service: names for whoever asks, refreshed from the workspace."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.kernel.text import is_person
from bot.kernel.transactions import read, run_in_transaction
from bot.people.ports import Directory, PersonRecord
from storage.queries import people as queries

log = logging.getLogger(__name__)
FRESH_FOR = timedelta(days=1)  # a name older than this is looked up again when it is needed


class PeopleService:
    """Display names by person id, from the database, refreshed when stale."""

    def __init__(
        self, engine: Engine, directory: Directory, *, clock: Callable[[], datetime]
    ) -> None:
        self.engine = engine
        self.directory = directory
        self.clock = clock

    async def display_names(self, ids: list[str]) -> dict[str, str]:
        """Names of these people; those never seen or stale are looked up first (if the
        directory cannot be reached, the names on record are used)."""
        people = [i for i in dict.fromkeys(ids) if is_person(i)]
        before = self.clock() - FRESH_FOR
        stale = await read(
            self.engine, lambda s: queries.list_stale_ids(s, ids=people, before=before)
        )
        if stale:
            try:
                await self._save(await self.directory.lookup(stale))
            except Exception as error:  # the names on record will do
                log.warning("could not refresh %d people: %s", len(stale), error)
        found = await read(self.engine, lambda s: queries.map_people(s, ids=people))
        return {i: found[i].name for i in people if i in found}

    async def timezone(self, user: str) -> str | None:
        """The person's IANA time zone, if the directory has one (looked up first when the
        person was never seen or is stale, as for names)."""
        await self.display_names([user])
        found = await read(self.engine, lambda s: queries.map_people(s, ids=[user]))
        person = found.get(user)
        return person.timezone or None if person is not None else None

    async def sync(self) -> int:
        """Refresh everyone from the directory (a scheduler job); how many were saved."""
        return await self._save(await self.directory.everyone())

    async def _save(self, records: Sequence[PersonRecord]) -> int:
        if not records:
            return 0
        now = self.clock()
        rows = [asdict(record) for record in records]
        return await run_in_transaction(
            self.engine, lambda s: queries.save_people(s, rows=rows, now=now)
        )
