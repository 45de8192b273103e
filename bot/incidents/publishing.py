"""Publishing: render the database onto the surfaces, one incident at a time."""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core.errors import IncidentNotFound
from bot.services.ports import AlertSummary, IncidentSnapshot, IncidentSurfaces, SurfaceResult
from bot.services.transactions import run_in_transaction
from storage import alert_queries, queries
from storage.models import AlertGroup, SideEffectFailure, StatusUpdate

log = logging.getLogger(__name__)
BeforeSync = Callable[[IncidentSnapshot], Awaitable[None]]


class Publisher:
    """Reads a snapshot, syncs the surfaces, and stores what they changed or failed."""

    def __init__(
        self, engine: Engine, surfaces: IncidentSurfaces, *, clock: Callable[[], datetime]
    ) -> None:
        self.engine = engine
        self.surfaces = surfaces
        self.clock = clock
        self._locks: dict[int, asyncio.Lock] = {}

    async def snapshot(self, incident_id: int) -> IncidentSnapshot:
        """The incident with its roles and latest update, read in one transaction."""
        return await run_in_transaction(self.engine, lambda s: read_snapshot(s, incident_id))

    async def publish(
        self,
        incident_id: int,
        *,
        invite: list[str] | None = None,
        before_sync: BeforeSync | None = None,
    ) -> SurfaceResult:
        """Bring every surface in line with the database; one publish per incident at a time."""
        lock = self._locks.setdefault(incident_id, asyncio.Lock())
        async with lock:
            snap = await self.snapshot(incident_id)
            if before_sync is not None:
                await before_sync(snap)
            outcome = await self.surfaces.sync(snap, invite=invite or [])
            await self.store_outcome(incident_id, outcome)
            return outcome

    async def store_outcome(self, incident_id: int, outcome: SurfaceResult) -> None:
        """Keep what a Slack step changed (ids, links) and record what failed."""
        if outcome.changes or outcome.failures:
            await run_in_transaction(
                self.engine, lambda s: self._store_outcome(s, incident_id, outcome)
            )

    async def announce_update(self, snap: IncidentSnapshot, update: StatusUpdate) -> None:
        """Post a status update and remember its message ts."""
        ts = await self.surfaces.post_update(snap, update)
        if ts is None:
            return

        def store(session: Session) -> None:
            row = session.get(StatusUpdate, update.id)
            if row is not None:
                row.message_ts = ts

        await run_in_transaction(self.engine, store)

    def _store_outcome(self, session: Session, incident_id: int, outcome: SurfaceResult) -> None:
        incident = queries.get_incident(session, incident_id=incident_id)
        if incident is None:
            return
        for name, value in outcome.changes.items():
            setattr(incident, name, value)
        now = self.clock()
        for failure in outcome.failures:
            log.warning("incident %s: %s failed: %s", incident.number, failure.step, failure.error)
            session.add(
                SideEffectFailure(
                    incident_id=incident_id,
                    step=failure.step,
                    error=failure.error[:500],
                    occurred_at=now,
                )
            )


def read_snapshot(session: Session, incident_id: int) -> IncidentSnapshot:
    """The incident with its roles and latest update."""
    incident = queries.get_incident(session, incident_id=incident_id)
    if incident is None:
        raise IncidentNotFound("That incident no longer exists.")
    groups = alert_queries.list_incident_groups(session, incident_id=incident_id)
    return IncidentSnapshot(
        incident=incident,
        roles=list(queries.list_roles(session, incident_id=incident_id)),
        latest_update=queries.get_latest_update(session, incident_id=incident_id),
        action_items=list(queries.list_action_items(session, incident_id=incident_id)),
        alerts=read_alert_summary(session, groups) if groups else None,
    )


def read_alert_summary(session: Session, groups: Sequence[AlertGroup]) -> AlertSummary:
    """The alerts of these groups: counts, a few to show, and the first runbook named."""
    ids = [g.id for g in groups if g.id is not None]
    counts = alert_queries.count_alerts(session, group_ids=ids).values()
    return AlertSummary(
        total=sum(total for total, _ in counts),
        resolved=sum(resolved for _, resolved in counts),
        sample=alert_queries.list_sample_alerts(session, group_ids=ids),
        runbook=next((g.runbook for g in groups if g.runbook), ""),
        notice_ts=next((g.resolved_notice_ts for g in groups if g.resolved_notice_ts), None),
    )
