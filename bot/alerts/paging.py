"""Paging: DM the responders a route names, until someone acknowledges; restart-safe."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from bot.services.ports import AlertSurfaces, IncidentSnapshot, NotShown
from bot.services.publishing import Publisher
from bot.services.records import new_event
from bot.services.transactions import run_in_transaction
from storage import alert_queries
from storage.enums import EventKind
from storage.models import Incident, Page

log = logging.getLogger(__name__)
CLAIM_FOR = timedelta(minutes=2)
MAX_ATTEMPTS = 5


class PagingService:
    """Sends the page DMs stored with an incident, and marks them acknowledged."""

    def __init__(
        self,
        engine: Engine,
        surfaces: AlertSurfaces,
        publisher: Publisher,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.surfaces = surfaces
        self.publisher = publisher
        self.clock = clock

    async def send_due(self, incident_id: int | None = None) -> int:
        """Send every unsent page (of one incident, or all); return how many went out."""
        now = self.clock()

        def claim(session: Session) -> list[int]:
            pages = alert_queries.list_unsent_pages(
                session, now=now, max_attempts=MAX_ATTEMPTS, limit=100
            )
            ids = [p.id for p in pages if p.id and incident_id in (None, p.incident_id)]
            return [i for i in ids if _claim(session, i, now)]

        sent = 0
        for page_id in await run_in_transaction(self.engine, claim):
            sent += await self._send(page_id)
        return sent

    async def _send(self, page_id: int) -> int:
        page = await run_in_transaction(self.engine, lambda s: s.get(Page, page_id))
        if page is None:
            return 0
        snapshot = await self.publisher.snapshot(page.incident_id)
        try:
            messages = await self.surfaces.send_page(page.target, snapshot)
        except NotShown as failure:
            error = failure.error
            log.warning("page %s to %s failed: %s", page_id, page.target, error)
            await run_in_transaction(self.engine, lambda s: _failed(s, page_id, error))
            return 0
        await run_in_transaction(self.engine, lambda s: _sent(s, page_id, messages, self.clock()))
        return 1

    async def acknowledged(self, incident_id: int, user: str, snapshot: IncidentSnapshot) -> None:
        """Mark the incident's pages acknowledged and edit their DMs to say by whom."""
        now = self.clock()

        def mark(session: Session) -> list[tuple[str, str]]:
            messages: list[tuple[str, str]] = []
            for page in alert_queries.list_pages(session, incident_id=incident_id):
                if page.acknowledged_at is None:
                    page.acknowledged_at, page.acknowledged_by = now, user
                messages.extend((c, t) for c, t in page.messages)
            return messages

        messages = await run_in_transaction(self.engine, mark)
        if messages:
            await self.surfaces.show_page_acknowledged(messages, snapshot, user)


def _claim(session: Session, page_id: int, now: datetime) -> bool:
    """Take the page for this process for a while; False when another took it first."""
    result = session.execute(
        update(Page)
        .where(
            col(Page.id) == page_id,
            col(Page.sent_at).is_(None),
            or_(col(Page.claimed_until).is_(None), col(Page.claimed_until) < now),
        )
        .values(claimed_until=now + CLAIM_FOR)
    )
    return bool(getattr(result, "rowcount", 0))


def _sent(session: Session, page_id: int, messages: list[tuple[str, str]], now: datetime) -> None:
    page = session.get(Page, page_id)
    if page is None:
        return
    page.sent_at, page.messages = now, [list(m) for m in messages]
    incident = session.get(Incident, page.incident_id)
    if incident is not None:
        who = f"<!subteam^{page.target}>" if page.target.startswith("S") else f"<@{page.target}>"
        text = f"Paged {who} by DM ({len(messages)} sent)"
        session.add(new_event(incident, EventKind.PAGED, text, None, now))


def _failed(session: Session, page_id: int, error: str) -> None:
    page = session.get(Page, page_id)
    if page is not None:
        page.attempts += 1
        page.last_error = error[:500]
        page.claimed_until = None
