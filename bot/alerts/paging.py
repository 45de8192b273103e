"""Paging: the responders a route names get a page with an Acknowledge button, through the
outbox (so a page survives a restart and a Slack outage), until someone acknowledges.

A target naming a schedule (`schedule:sre`, `schedule:sre/primary`) is resolved to the people on
call when the page is made, and stored as them: acknowledging works as for anyone named. A
schedule with nobody on call is written in the incident's timeline and said in its channel.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.alerts.intake import add_pages
from bot.alerts.ports import Pager, Shown, UnstaffedPages
from bot.incidents.ports import IncidentSnapshot, incident_stream
from bot.incidents.service import IncidentService, read_snapshot
from bot.kernel.errors import IncidentNotFound
from bot.kernel.outbox import Attempt, Payload, Permanent, add_effects, new_effect
from bot.kernel.text import mention
from bot.kernel.transactions import read, run_in_transaction
from bot.oncall.service import OncallService, UnknownTarget
from storage.enums import EventKind
from storage.models import Incident, Page
from storage.queries import alerts as alert_queries

log = logging.getLogger(__name__)
SCHEDULE_TARGET = "schedule:"  # a page target naming who is on call in a schedule


class PagingService:
    """Sends the pages stored with an incident, and marks them acknowledged."""

    def __init__(
        self,
        engine: Engine,
        incidents: IncidentService,
        pager: Pager,
        *,
        clock: Callable[[], datetime],
        oncall: OncallService | None = None,
        unstaffed: UnstaffedPages | None = None,
    ) -> None:
        self.engine = engine
        self.incidents = incidents
        self.outbox = incidents.outbox
        self.pager = pager
        self.clock = clock
        self.oncall = oncall
        self.unstaffed = unstaffed

    def register(self) -> None:
        """Send pages, and show acknowledgements, from the outbox."""
        self.outbox.handle("page.send", self.send)
        self.outbox.handle("page.acknowledged", self.show_acknowledged)
        self.outbox.handle("page.nobody", self.show_nobody)

    def add_pages_in(
        self, session: Session, incident_id: int, targets: Sequence[str], now: datetime
    ) -> None:
        """Inside the transaction that makes the incident: a page per person the targets name,
        schedules resolved to who is on call now; a schedule with nobody is recorded and said."""
        people: list[str] = []
        for target in targets:
            if not target.startswith(SCHEDULE_TARGET):
                people.append(target)
                continue
            on_call, why = self._on_call(session, target, now)
            people += on_call
            if not on_call:
                self._nobody(session, incident_id, target, why, now)
        add_pages(session, incident_id, people, now)

    def _on_call(self, session: Session, target: str, now: datetime) -> tuple[list[str], str]:
        if self.oncall is None:
            return [], "on-call schedules are not set up"
        try:
            return self.oncall.resolve_targets(session, target, now), "nobody is on call"
        except UnknownTarget as unknown:
            return [], unknown.message

    def _nobody(
        self, session: Session, incident_id: int, target: str, why: str, now: datetime
    ) -> None:
        incident = session.get(Incident, incident_id)
        if incident is None:
            return
        text = f"Nobody paged for {target}: {why}"
        self.incidents.record_in(session, incident, EventKind.PAGED, text, None, now)
        effect = new_effect(
            "page.nobody",
            key=f"page.nobody:{incident_id}:{target}",
            stream=incident_stream(incident_id),
            payload={"incident_id": incident_id, "target": target},
            now=now,
        )
        add_effects(session, [effect])

    async def show_nobody(self, payload: Payload, attempt: Attempt) -> None:
        """Say in the incident's channel that a schedule it paged had nobody on call."""
        if self.unstaffed is None:
            return
        try:
            snapshot = await self.incidents.snapshot(int(payload["incident_id"]))
        except IncidentNotFound:
            raise Permanent("incident_not_found") from None
        target = str(payload["target"])
        await self.unstaffed.nobody_on_call(snapshot, target, retry=attempt.is_retry)

    async def send(self, payload: Payload, attempt: Attempt) -> None:
        """Send one page, unless someone acknowledged the incident meanwhile."""
        page_id = int(payload["page_id"])
        loaded = await read(self.engine, lambda s: _page_and_snapshot(s, page_id))
        if loaded is None:
            raise Permanent("page_not_found")
        page, snapshot = loaded
        if page.sent_at is not None or snapshot.incident.acknowledged_at is not None:
            return  # sent before a lost answer was retried, or no longer needed
        shown = await self.pager.send_page(page_id, page.target, snapshot, retry=attempt.is_retry)
        await run_in_transaction(self.engine, lambda s: self._sent(s, page_id, shown))

    def _sent(self, session: Session, page_id: int, shown: list[Shown]) -> None:
        page = session.get(Page, page_id)
        if page is None:
            return
        now = self.clock()
        page.sent_at, page.messages = now, [[m.channel, m.ts] for m in shown]
        incident = session.get(Incident, page.incident_id)
        if incident is not None:
            text = f"Paged {mention(page.target)} by DM ({len(shown)} sent)"
            self.incidents.record_in(
                session, incident, EventKind.PAGED, text, None, now, [page.target]
            )

    def acknowledge_in(self, session: Session, incident_id: int, user: str, now: datetime) -> None:
        """Inside an acknowledgement's transaction: the incident's pages are acknowledged, and
        their messages are edited after the commit to say by whom."""
        for page in alert_queries.list_pages(session, incident_id=incident_id):
            if page.acknowledged_at is None:
                page.acknowledged_at, page.acknowledged_by = now, user
        effect = new_effect(
            "page.acknowledged",
            key=f"page.acknowledged:{incident_id}",
            stream=incident_stream(incident_id),
            payload={"incident_id": incident_id, "user": user},
            now=now,
        )
        add_effects(session, [effect])

    async def show_acknowledged(self, payload: Payload, _attempt: Attempt) -> None:
        """Edit every page of the incident to say who acknowledged."""
        incident_id, user = int(payload["incident_id"]), str(payload["user"])

        def load(session: Session) -> tuple[list[Shown], IncidentSnapshot]:
            pages = alert_queries.list_pages(session, incident_id=incident_id)
            shown = [Shown(c, t) for page in pages for c, t in page.messages]
            return shown, read_snapshot(session, incident_id)

        try:
            messages, snapshot = await read(self.engine, load)
        except IncidentNotFound:
            raise Permanent("incident_not_found") from None
        if messages:
            await self.pager.show_acknowledged(messages, snapshot, user)


def _page_and_snapshot(session: Session, page_id: int) -> tuple[Page, IncidentSnapshot] | None:
    page = session.get(Page, page_id)
    if page is None:
        return None
    try:
        return page, read_snapshot(session, page.incident_id)
    except IncidentNotFound:
        return None
