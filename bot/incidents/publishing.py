"""Showing incidents: read a snapshot, render it onto the surfaces, record what failed.

These are the outbox handlers of the incident's own effects: publishing (channel, status
block, topic, digest), posting an update, reporting failures and confirming a declaration.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.incidents.ports import (
    AlertSummary,
    Announcements,
    Confirmations,
    IncidentRoom,
    IncidentSnapshot,
    Place,
    StepFailure,
    incident_stream,
)
from bot.kernel.errors import IncidentNotFound
from bot.kernel.outbox import Attempt, Outbox, Payload, Permanent, add_effects, new_effect
from bot.kernel.transactions import read, run_in_transaction
from storage.models import AlertGroup, SideEffectFailure, StatusUpdate
from storage.queries import alerts as alert_queries
from storage.queries import incidents as queries
from storage.queries import places as places_queries

log = logging.getLogger(__name__)


def read_snapshot(session: Session, incident_id: int) -> IncidentSnapshot:
    """The incident with its roles, latest update, action items, alerts and places."""
    incident = queries.get_incident(session, incident_id=incident_id)
    if incident is None:
        raise IncidentNotFound("That incident no longer exists.")
    groups = alert_queries.list_incident_groups(session, incident_id=incident_id)
    places = {
        (p.surface, p.kind): Place(p.surface, p.kind, p.channel_id, p.ts, dict(p.data))
        for p in places_queries.list_places(session, incident_id=incident_id)
    }
    return IncidentSnapshot(
        incident=incident,
        roles=list(queries.list_roles(session, incident_id=incident_id)),
        latest_update=queries.get_latest_update(session, incident_id=incident_id),
        action_items=list(queries.list_action_items(session, incident_id=incident_id)),
        alerts=read_alert_summary(session, groups) if groups else None,
        places=places,
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
    )


class Places:
    """The place store: adapters record where they showed an incident, step by step."""

    def __init__(self, engine: Engine, *, clock: Callable[[], datetime]) -> None:
        self.engine = engine
        self.clock = clock

    async def save(self, incident_id: int, place: Place) -> None:
        """Remember (or replace) where the incident is shown as `place.kind`."""
        now = self.clock()
        await run_in_transaction(
            self.engine,
            lambda s: places_queries.save_place(
                s,
                incident_id=incident_id,
                surface=place.surface,
                kind=place.kind,
                channel_id=place.channel_id,
                ts=place.ts,
                data=dict(place.data),
                now=now,
            ),
        )

    async def forget(self, incident_id: int, surface: str, kind: str) -> None:
        """Forget a place that is gone."""
        await run_in_transaction(
            self.engine,
            lambda s: places_queries.delete_place(
                s, incident_id=incident_id, surface=surface, kind=kind
            ),
        )


class Publisher:
    """Carries out the effects that show an incident."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        *,
        room: IncidentRoom,
        announcements: Announcements,
        confirmations: Confirmations,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.room = room
        self.announcements = announcements
        self.confirmations = confirmations
        self.clock = clock

    def register(self) -> None:
        """Handle this feature's effects in the outbox."""
        self.outbox.handle(
            "incident.publish",
            self.publish,
            coalesce=_merge_invites,
            on_give_up=self.publish_given_up,
        )
        self.outbox.handle(
            "incident.post_update", self.post_update, on_give_up=self.update_given_up
        )
        self.outbox.handle("incident.report", self.report)
        self.outbox.handle("incident.confirm", self.confirm)

    async def snapshot(self, incident_id: int) -> IncidentSnapshot:
        """The incident as the database holds it now."""
        return await read(self.engine, lambda s: read_snapshot(s, incident_id))

    async def publish(self, payload: Payload, attempt: Attempt) -> None:
        """Bring the room and the announcement in line with the database."""
        incident_id = int(payload["incident_id"])
        snapshot = await self._snapshot_or_gone(incident_id)
        invite = [str(user) for user in payload.get("invite") or []]
        failures = await self.room.sync(snapshot, invite=invite, retry=attempt.is_retry)
        if not snapshot.incident.private:
            # Read again: the announcement links to the channel the room may just have made.
            snapshot = await self.snapshot(incident_id)
            failures += await self.announcements.sync(snapshot, retry=attempt.is_retry)
        await self.record_failures(incident_id, failures)

    async def publish_given_up(self, payload: Payload, error: str) -> None:
        """A publish the outbox gave up on (Slack unreachable for too long): kept as a failed
        step and reported in the room once; the next change publishes again."""
        if error != "incident_not_found":
            await self.record_failures(int(payload["incident_id"]), [StepFailure("publish", error)])

    async def update_given_up(self, payload: Payload, error: str) -> None:
        """An update Slack refused (or never took): kept as a failed step, reported once; the
        update itself is stored and shown on the status block."""
        if error != "incident_not_found":
            await self.record_failures(
                int(payload["incident_id"]), [StepFailure("post_update", error)]
            )

    async def post_update(self, payload: Payload, attempt: Attempt) -> None:
        """Post a status update in the incident's room."""
        incident_id, update_id = int(payload["incident_id"]), int(payload["update_id"])
        snapshot = await self._snapshot_or_gone(incident_id)
        update = await read(self.engine, lambda s: s.get(StatusUpdate, update_id))
        if update is None:
            raise Permanent("update_not_found")
        await self.room.post_update(snapshot, update, retry=attempt.is_retry)

    async def report(self, payload: Payload, _attempt: Attempt) -> None:
        """Tell the incident's room which steps failed for good."""
        snapshot = await self._snapshot_or_gone(int(payload["incident_id"]))
        failures = [StepFailure(str(f["step"]), str(f["error"])) for f in payload["failures"]]
        await self.room.report(snapshot, failures)

    async def confirm(self, payload: Payload, _attempt: Attempt) -> None:
        """Tell the declarer what came of the declaration (after the channel was tried)."""
        incident_id = int(payload["incident_id"])
        snapshot = await self._snapshot_or_gone(incident_id)
        rows = await read(self.engine, lambda s: queries.list_failures(s, incident_id=incident_id))
        failures = [StepFailure(f.step, f.error) for f in rows]
        await self.confirmations.declared(snapshot, payload.get("reply_to") or {}, failures)

    async def record_failures(
        self, incident_id: int, failures: Sequence[StepFailure], *, report: bool = True
    ) -> None:
        """Keep steps that failed for good, and tell the room once (an effect of its own)."""
        if not failures:
            return
        now = self.clock()
        for failure in failures:
            log.warning("incident %s: %s failed: %s", incident_id, failure.step, failure.error)

        def store(session: Session) -> None:
            for failure in failures:
                session.add(
                    SideEffectFailure(
                        incident_id=incident_id,
                        step=failure.step[:64],
                        error=failure.error[:500],
                        occurred_at=now,
                    )
                )
            if report:
                session.flush()
                listed = [{"step": f.step, "error": f.error} for f in failures]
                effect = new_effect(
                    "incident.report",
                    key=f"incident.report:{incident_id}:{now.timestamp()}:{len(listed)}",
                    stream=incident_stream(incident_id),
                    payload={"incident_id": incident_id, "failures": listed},
                    now=now,
                )
                add_effects(session, [effect])

        await run_in_transaction(self.engine, store)
        self.outbox.kick()

    async def _snapshot_or_gone(self, incident_id: int) -> IncidentSnapshot:
        try:
            return await self.snapshot(incident_id)
        except IncidentNotFound:
            raise Permanent("incident_not_found") from None


def _merge_invites(first: Payload, later: Sequence[Payload]) -> Payload:
    """Publishes taken together invite everyone any of them would have."""
    invite: list[Any] = list(first.get("invite") or [])
    for payload in later:
        invite.extend(payload.get("invite") or [])
    return {**first, "invite": list(dict.fromkeys(invite))}
