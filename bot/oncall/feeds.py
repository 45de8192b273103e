"""iCal layers: their feeds fetched in the background, the last good copy of each kept in the
database, and the copy read as the layer's shifts.

Which feeds are due is read from the database (`OncallFeedCopy.checked_at`): a feed is taken
by marking it checked, so two processes never fetch it twice in a row and a restart does not
fetch again before it is due. A fetch that fails in any way (unreachable, too slow, too large,
not 2xx, not iCalendar, or no events at all where the last copy had some) keeps the last good
copy in use and records what failed and since when.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.transactions import read, run_in_transaction
from bot.oncall.calendar import (
    FeedUnreadable,
    count_events,
    expand_feed,
    feed_shifts,
    read_feed,
)
from bot.oncall.config import ScheduleDef
from bot.oncall.ports import FeedFetcher, FeedStatus, FeedUnavailable, FetchedFeed
from bot.oncall.rules.shifts import Shift
from storage.models import OncallFeedCopy
from storage.queries import oncall as people_queries
from storage.queries import oncall_feeds as queries

log = logging.getLogger(__name__)
FETCH_EVERY = timedelta(minutes=10)
# The span a feed is read over: shifts further back or ahead are not needed by anyone.
PAST = timedelta(days=400)  # a year's hours ledger, and some
AHEAD = timedelta(days=400)


@dataclass(frozen=True)
class _Claimed:
    copy_id: int
    schedule: str
    layer: str
    url: str
    etag: str | None
    last_modified: str | None
    body: str


class FeedService:
    """Fetches iCal layers' feeds when due and reads their last good copies as shifts."""

    def __init__(
        self,
        engine: Engine,
        schedules: Sequence[ScheduleDef],
        fetcher: FeedFetcher,
        *,
        clock: Callable[[], datetime],
        every: timedelta = FETCH_EVERY,
    ) -> None:
        self.engine = engine
        self.fetcher = fetcher
        self.clock = clock
        self.every = every
        self.zones: dict[str, ZoneInfo] = {s.name: s.zone for s in schedules}
        self.urls: dict[tuple[str, str], str] = {
            (s.name, layer.name): layer.ical for s in schedules for layer in s.layers if layer.ical
        }
        self._parsed: dict[tuple[str, str], tuple[object, tuple[Shift, ...]]] = {}

    async def refresh_due(self) -> int:
        """Fetch every feed that is due (the scheduler job); how many were fetched."""
        if not self.urls or not await read(self.engine, self._any_due):
            return 0  # most runs: nothing to do, and no write transaction to find that out
        claimed = await run_in_transaction(self.engine, self._claim_due)
        await asyncio.gather(*(self._refresh(copy) for copy in claimed))
        return len(claimed)

    async def status(self, schedule: str | None = None) -> list[FeedStatus]:
        """How every iCal layer's feed (of one schedule, or all) is doing."""
        if not self.urls:
            return []  # no iCal layer anywhere: nothing to read (`/oncall` asks every time)
        return await read(self.engine, lambda session: self.status_in(session, schedule))

    def status_in(self, session: Session, schedule: str | None = None) -> list[FeedStatus]:
        """`status`, read in the caller's session."""
        copies = queries.list_feed_copies(session, bodies=False)
        stored = {(c.schedule, c.layer): c for c in copies}
        found = []
        for (name, layer), url in self.urls.items():
            if schedule is not None and name != schedule:
                continue
            copy = stored.get((name, layer))
            if copy is None or copy.url != url:
                found.append(FeedStatus(name, layer, url, None, None, None, None))
                continue
            found.append(
                FeedStatus(
                    name, layer, url, copy.fetched_at, copy.checked_at, copy.error, copy.error_at
                )
            )
        return found

    def shifts_in(self, session: Session, schedule: str, layer: str) -> tuple[Shift, ...]:
        """The layer's shifts from its feed's last good copy, from 400 days back to 400 ahead;
        empty when there is no copy yet. Parsed once per copy and day."""
        fetched_at = queries.get_feed_fetched_at(session, schedule=schedule, layer=layer)
        if fetched_at is None:
            return ()
        start, end = self._window()
        key = (fetched_at, start)
        cached = self._parsed.get((schedule, layer))
        if cached is not None and cached[0] == key:
            return cached[1]  # without reading the copy: it can be megabytes
        copy = queries.get_feed_copy(session, schedule=schedule, layer=layer)
        if copy is None or copy.fetched_at is None or not copy.body:
            return ()
        key = (copy.fetched_at, start)  # the copy read may be newer than the stamp was
        shifts = self._read_copy(session, copy, start, end)
        self._parsed[(schedule, layer)] = (key, shifts)
        return shifts

    def _window(self) -> tuple[datetime, datetime]:
        # Whole UTC days, so that a copy is parsed again once a day, not at every call.
        midnight = datetime.combine(self.clock().astimezone(UTC).date(), time(), UTC)
        return midnight - PAST, midnight + AHEAD

    def _zone(self, schedule: str) -> ZoneInfo:
        return self.zones.get(schedule, ZoneInfo("UTC"))

    def _read_copy(
        self, session: Session, copy: OncallFeedCopy, start: datetime, end: datetime
    ) -> tuple[Shift, ...]:
        try:
            events, _nobody = expand_feed(
                read_feed(copy.body), self._zone(copy.schedule), start, end
            )
        except FeedUnreadable as bad:  # stored copies were read once; a library change may not
            log.error("feed copy of %s/%s cannot be read: %s", copy.schedule, copy.layer, bad)
            return ()
        emails = sorted({event.person for event in events if "@" in event.person})
        people = people_queries.map_emails(session, emails=emails)
        return tuple(feed_shifts(events, layer=copy.layer, people=people))

    def _any_due(self, session: Session) -> bool:
        due_before = self.clock() - self.every
        copies = queries.list_feed_copies(session, bodies=False)  # on every tick: no bodies
        stored = {(c.schedule, c.layer): c for c in copies}
        for key, url in self.urls.items():
            copy = stored.get(key)
            if copy is None or copy.url != url:
                return True
            if copy.checked_at is None or copy.checked_at <= due_before:
                return True
        return False

    def _claim_due(self, session: Session) -> list[_Claimed]:
        """Set up copies for new layers, follow moved feeds, and take the due ones."""
        now = self.clock()
        stored = {(c.schedule, c.layer): c for c in queries.list_feed_copies(session)}
        for (schedule, layer), url in self.urls.items():
            copy = stored.get((schedule, layer))
            if copy is None:
                queries.add_feed_copy(session, schedule=schedule, layer=layer, url=url)
            elif copy.url != url and copy.id is not None:
                queries.move_feed_copy(session, copy_id=copy.id, url=url)
        session.expire_all()
        claimed = []
        for copy in queries.list_feed_copies(session):
            if (copy.schedule, copy.layer) not in self.urls or copy.id is None:
                continue
            if queries.claim_feed_copy(
                session, copy_id=copy.id, due_before=now - self.every, now=now
            ):
                claimed.append(
                    _Claimed(
                        copy.id,
                        copy.schedule,
                        copy.layer,
                        copy.url,
                        copy.etag,
                        copy.last_modified,
                        copy.body,
                    )
                )
        return claimed

    async def _refresh(self, copy: _Claimed) -> None:
        """Fetch one claimed feed and keep what came back, or why nothing good did."""
        try:
            fetched = await self.fetcher.fetch(
                copy.url, etag=copy.etag, last_modified=copy.last_modified
            )
            # Parsing and expanding a large feed takes a while: not on the event loop.
            body = await asyncio.to_thread(self._checked_body, fetched, copy)
        except (FeedUnavailable, FeedUnreadable) as failure:
            await self._failed(copy, str(failure))
            return
        except Exception as failure:  # a fetcher bug must not stop the other feeds
            log.exception("fetching the feed of %s/%s failed", copy.schedule, copy.layer)
            await self._failed(copy, f"unexpected error: {type(failure).__name__}")
            return
        now = self.clock()
        if body is None:
            await run_in_transaction(
                self.engine,
                lambda s: queries.save_feed_unchanged(s, copy_id=copy.copy_id, now=now),
            )
            return
        etag, modified = _fits(fetched.etag, 500), _fits(fetched.last_modified, 100)
        await run_in_transaction(
            self.engine,
            lambda s: queries.save_feed_body(
                s, copy_id=copy.copy_id, body=body, etag=etag, last_modified=modified, now=now
            ),
        )

    def _checked_body(self, fetched: FetchedFeed, copy: _Claimed) -> str | None:
        """The new body when it is good, None when unchanged; FeedUnreadable when it is not a
        feed, its events cannot be expanded, or it has no events at all where the copy we keep
        has some (a calendar server answering an empty calendar in a bad moment must not empty
        the schedule)."""
        if fetched.body is None:
            return None
        calendar = read_feed(fetched.body)
        _events, nobody = expand_feed(calendar, self._zone(copy.schedule), *self._window())
        if nobody:
            log.warning("feed of %s/%s: %d event(s) name nobody", *_where(copy), nobody)
        if count_events(calendar) == 0 and copy.body and count_events(read_feed(copy.body)):
            raise FeedUnreadable("the feed has no events; the last copy had some and stays in use")
        return fetched.body

    async def _failed(self, copy: _Claimed, reason: str) -> None:
        log.warning("feed of %s/%s failed; its last good copy stays: %s", *_where(copy), reason)
        now = self.clock()
        await run_in_transaction(
            self.engine,
            lambda s: queries.save_feed_error(s, copy_id=copy.copy_id, error=reason, now=now),
        )


def _fits(value: str | None, limit: int) -> str | None:
    # A validator cut short would never match again: better not to send it at all.
    return value if value is not None and len(value) <= limit else None


def _where(copy: _Claimed) -> tuple[str, str]:
    return copy.schedule, copy.layer
