"""Status page use cases: publish a public incident's update (from Slack or anywhere), schedule
maintenance and move it on when due, and read what the public pages show.

Every write is one transaction holding the rows, the component states that follow and the
`statuspage.published` effect that tells subscribers (carried out by whoever registers that
kind with the outbox).
"""

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.errors import InvalidInput
from bot.kernel.outbox import Outbox
from bot.kernel.transactions import is_write_conflict, read, run_in_transaction
from bot.statuspage import reading
from bot.statuspage.definitions import ComponentStatus, Impact, PublicStatus, StatusPageConfig
from bot.statuspage.rules.prefill import prefill_states
from bot.statuspage.rules.uptime import Uptime
from bot.statuspage.rules.views import (
    HistoryPage,
    MaintenanceView,
    PageView,
    PublicIncidentView,
    PublicUpdateView,
)
from bot.statuspage.uptime_cache import UptimeCache
from bot.statuspage.writing import (
    MAX_MESSAGE,
    MAX_TITLE,
    PUBLISHED,
    Publication,
    advance_maintenance_in,
    check_components,
    check_draft,
    plain,
    publish_in,
    record_first_seen,
)
from storage.enums import Severity
from storage.models import Maintenance
from storage.queries import statuspage as queries

__all__ = [
    "PUBLISHED",
    "HistoryPage",
    "PageView",
    "PublicIncidentView",
    "PublicUpdateView",
    "Publication",
    "StatusPageService",
]
PUBLISH_ATTEMPTS = 3  # two first publications of one incident race for its public incident
UPTIME_DAYS = 90


class StatusPageService:
    """Publishes to the public status page, schedules maintenance, and reads the page."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        config: StatusPageConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.config = config
        self.clock = clock
        self._config_digest = hashlib.sha256(repr(config).encode()).hexdigest()[:16]
        self._history_begun = False
        self._uptimes = UptimeCache(UPTIME_DAYS)

    # -- publishing ----------------------------------------------------------------------------

    async def publish(
        self,
        incident_id: int | None,
        *,
        title: str,
        status: PublicStatus | str,
        message: str,
        components: Mapping[str, ComponentStatus | str],
        impact: Impact | str | None = None,
        by: str,
        public_id: int | None = None,
    ) -> Publication:
        """Create or update the public incident of `incident_id` (None: a page-only incident,
        new unless `public_id` names it) with an update. Components not named keep the state
        this incident gave them; resolved releases them all. InvalidInput when refused."""
        draft = check_draft(
            self.config,
            title=title,
            status=status,
            message=message,
            components=components,
            impact=impact,
            by=by,
        )
        for attempt in range(PUBLISH_ATTEMPTS):
            try:
                now = self.clock()
                work = partial(
                    publish_in,
                    config=self.config,
                    draft=draft,
                    incident_id=incident_id,
                    public_id=public_id,
                    now=now,
                )
                publication = await run_in_transaction(self.engine, work)
                break
            except Exception as error:
                if not is_write_conflict(error) or attempt == PUBLISH_ATTEMPTS - 1:
                    raise
        self.outbox.kick()
        return publication

    def publish_in(
        self,
        session: Session,
        incident_id: int | None,
        *,
        title: str,
        status: PublicStatus | str,
        message: str,
        components: Mapping[str, ComponentStatus | str],
        impact: Impact | str | None = None,
        by: str,
        public_id: int | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """`publish` inside the caller's transaction (the caller kicks the outbox after its
        commit)."""
        draft = check_draft(
            self.config,
            title=title,
            status=status,
            message=message,
            components=components,
            impact=impact,
            by=by,
        )
        return publish_in(
            session,
            self.config,
            draft,
            incident_id=incident_id,
            public_id=public_id,
            now=now or self.clock(),
        )

    async def latest_for(self, incident_id: int) -> PublicUpdateView | None:
        """The newest public update of an internal incident, if it was ever published."""

        def work(session: Session) -> PublicUpdateView | None:
            row = queries.latest_update_for(session, incident_id=incident_id)
            return None if row is None else reading.update_view(row)

        return await read(self.engine, work)

    def prefill(
        self, services: Sequence[str], severity: Severity | str
    ) -> dict[str, ComponentStatus]:
        """The components an incident of these services and severity affects, and how badly."""
        return prefill_states(self.config.components, services, severity)

    # -- maintenance -----------------------------------------------------------------------------

    async def add_maintenance(
        self,
        title: str,
        body: str,
        components: Sequence[str],
        starts: datetime,
        ends: datetime,
        by: str,
    ) -> int:
        """Schedule maintenance of these components; its id. One already due starts at once.
        InvalidInput when refused."""
        title, body, now = plain(title).strip(), plain(body).strip(), self.clock()
        if not title or len(title) > MAX_TITLE:
            raise InvalidInput(f"Give a title of 1 to {MAX_TITLE} characters.", field="title")
        if len(body) > MAX_MESSAGE:
            raise InvalidInput(f"Keep the text within {MAX_MESSAGE} characters.", field="body")
        if not components:
            raise InvalidInput("Name the components under maintenance.", field="components")
        names = list(check_components(self.config, dict.fromkeys(components, "operational")))
        if starts.tzinfo is None or ends.tzinfo is None:
            raise InvalidInput("Give the times with their zone.", field="starts")
        if ends <= starts:
            raise InvalidInput("The end must be after the start.", field="ends")
        if ends <= now:
            raise InvalidInput("That maintenance would be over already.", field="ends")

        def work(session: Session) -> int:
            row = Maintenance(
                title=title,
                body=body,
                components=names,
                status=queries.SCHEDULED,
                starts_at=starts,
                ends_at=ends,
                created_by=by[:100],
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            assert row.id is not None
            if starts <= now:
                advance_maintenance_in(session, self.config, now)
            return row.id

        made = await run_in_transaction(self.engine, work)
        self.outbox.kick()
        return made

    async def maintenances(self, *, limit: int = 50) -> tuple[MaintenanceView, ...]:
        """The newest maintenance, latest start first."""
        return (await read(self.engine, partial(reading.read_recent, limit=limit)))[1]

    async def tick(self) -> int:
        """The scheduler's job: begin the history of new components, start and complete the
        maintenance that is due; how many maintenances moved on. Nothing due costs one read."""
        now = self.clock()
        if not self._history_begun:
            await run_in_transaction(
                self.engine, partial(record_first_seen, config=self.config, now=now)
            )
            self._history_begun = True
        due = await read(self.engine, partial(queries.list_due_maintenances, now=now))
        if not due:
            return 0
        moved = await run_in_transaction(
            self.engine, partial(advance_maintenance_in, config=self.config, now=now)
        )
        self.outbox.kick()
        return moved

    # -- the read side ---------------------------------------------------------------------------

    async def summary(self, now: datetime | None = None) -> PageView:
        """The page now: indicator, components, open incidents, maintenance in progress and
        coming."""
        at = now or self.clock()
        return await read(self.engine, partial(reading.read_page, config=self.config, now=at))

    async def page(self, now: datetime | None = None) -> tuple[PageView, dict[str, Uptime]]:
        """The page now and every component's uptime bars, in one read."""
        at = now or self.clock()
        names = [c.name for c in self.config.components]

        def work(session: Session) -> tuple[PageView, dict[str, Uptime]]:
            current = queries.map_current_states(session)
            view = reading.read_page(session, self.config, at, current)
            return view, self._uptimes.read(session, names, at, current)

        return await read(self.engine, work)

    async def incident(self, public_id: int) -> PublicIncidentView | None:
        """One public incident with its updates, newest first."""
        return await read(self.engine, partial(reading.read_incident, public_id=public_id))

    async def history(self, page: int = 1, *, per_page: int = 20) -> HistoryPage:
        """A page (from 1) of every public incident, newest first."""
        return await read(self.engine, partial(reading.read_history, page=page, per_page=per_page))

    async def recent(
        self, limit: int = 50
    ) -> tuple[tuple[PublicIncidentView, ...], tuple[MaintenanceView, ...]]:
        """The newest public incidents and maintenance (the feed)."""
        return await read(self.engine, partial(reading.read_recent, limit=limit))

    async def uptime(
        self, component: str, days: int = UPTIME_DAYS, *, now: datetime | None = None
    ) -> Uptime:
        """A component's bars over the `days` ending today."""
        at = now or self.clock()
        work = partial(reading.read_uptimes, names=[component], now=at, days=days)
        return (await read(self.engine, work))[component]

    async def marker(self, now: datetime | None = None) -> str:
        """A short text that changes whenever what the pages show may have: any write, the
        day (the uptime bars move on), the configuration."""
        at = now or self.clock()
        numbers = await read(self.engine, queries.change_marker)
        text = f"{self._config_digest}|{at.date().isoformat()}|{numbers!r}"
        return hashlib.sha256(text.encode()).hexdigest()[:20]
