"""Alert use cases: take a delivery, turn groups into incidents or offers, page, resolve."""

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiolimiter import AsyncLimiter
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.core import cadence
from bot.core.alerts import AlertBatch, AlertSignal
from bot.core.errors import DomainError, InvalidInput
from bot.core.lifecycle import STATUS_LABELS, is_open, transition
from bot.core.routing import RoutingConfig
from bot.services.alert_intake import AlertIntake, add_pages
from bot.services.coalesce import Coalescer
from bot.services.group_commit import GroupCommit
from bot.services.incidents import IncidentService
from bot.services.intake_rows import Delivery, Intake, Place
from bot.services.offers import offer_failed, offer_shown, read_offer, take_offer
from bot.services.paging import PagingService
from bot.services.ports import AlertSurfaces, NotShown, OfferView
from bot.services.records import Declared, incident_id_of, insert_incident, new_event
from bot.services.requests import DeclareRequest
from bot.services.transactions import is_write_conflict, run_in_transaction
from storage import alert_queries, queries
from storage.enums import AlertSource, EventKind, Role, Severity, Status
from storage.models import AlertGroup, Incident

log = logging.getLogger(__name__)
MAX_OFFER_ATTEMPTS = 5
INTAKE_ATTEMPTS = 5


@dataclass(frozen=True)
class Accepted:
    """What a delivery did, for the webhook's answer."""

    delivery_id: int | None
    alerts: int
    incidents: list[int]


class AlertService:
    """Alerts in, incidents and offers out; Slack work happens after each commit."""

    def __init__(
        self,
        engine: Engine,
        incidents: IncidentService,
        surfaces: AlertSurfaces,
        *,
        config: RoutingConfig,
        offer_channel: str,
        channels_per_minute: float = 20,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.incidents = incidents
        self.publisher = incidents.publisher
        self.surfaces = surfaces
        self.offer_channel = offer_channel
        self.clock = clock
        self.intake = AlertIntake(config=config, policy=incidents.policy, reopen=self._reopen)
        self.paging = PagingService(engine, surfaces, self.publisher, clock=clock)
        # Slack's conversations.create is a Tier 2 method: new incidents queue here, never drop.
        self.channel_limit = AsyncLimiter(channels_per_minute, 60)
        self._opened = Coalescer(self._open_incident, name="alert incident")
        self._republished = Coalescer(self._republish, name="alert incident update")
        self._offered = Coalescer(self._show_offer, name="alert offer")
        self._tasks: set[asyncio.Task[Any]] = set()
        # Deliveries that arrive while one is being stored share the next transaction.
        self._commits: GroupCommit[Delivery, Intake] = GroupCommit(
            self._apply_together, max_items=100, max_weight=2000, weight=_weight
        )

    # -- intake ----------------------------------------------------------------------------

    async def ingest(self, batch: AlertBatch, *, raw: str | None) -> Accepted:
        """Store a delivery and its alerts in one transaction; Slack follows in the background."""
        intake = await self._apply(batch, raw=raw, place=Place(self.offer_channel))
        return Accepted(intake.delivery_id, len(batch.alerts), intake.new_incidents)

    async def ingest_slack_message(self, signal: AlertSignal, *, channel: str, ts: str) -> None:
        """An integration's alert message in a watched channel; its offer goes in the thread."""
        batch = AlertBatch(source=AlertSource.SLACK, alerts=(signal,))
        await self._apply(batch, raw=None, place=Place(channel, thread_ts=ts))

    async def _apply(self, batch: AlertBatch, *, raw: str | None, place: Place) -> Intake:
        return await self._commits.submit(Delivery(batch, raw, place))

    async def _apply_together(self, deliveries: list[Delivery]) -> list[Intake | Exception]:
        """Merge deliveries that arrived together in one transaction; if that fails, each alone,
        so that one bad delivery cannot sink the others."""
        try:
            outcomes: list[Intake | Exception] = list(
                await run_in_transaction(
                    self.engine,
                    lambda s: self.intake.apply_many(s, deliveries, now=self.clock()),
                )
            )
        except Exception as error:
            if len(deliveries) == 1 and not is_write_conflict(error):
                outcomes = [error]
            else:
                outcomes = [await self._apply_alone(d) for d in deliveries]
        for outcome in outcomes:
            if isinstance(outcome, Intake):
                self._follow_up(outcome)
        return outcomes

    async def _apply_alone(self, delivery: Delivery) -> Intake | Exception:
        error: Exception | None = None
        for _ in range(INTAKE_ATTEMPTS):
            try:
                intakes = await run_in_transaction(
                    self.engine,
                    lambda s: self.intake.apply_many(s, [delivery], now=self.clock()),
                )
                return intakes[0]
            except Exception as failure:
                if not is_write_conflict(failure):
                    return failure
                # Another process stored the same alert or group first, or the database broke
                # a deadlock between two intakes by failing this one: merge again.
                error = failure
        assert error is not None
        return error

    def _follow_up(self, intake: Intake) -> None:
        for incident_id in intake.new_incidents:
            self._opened.mark(incident_id)
        for incident_id in intake.changed_incidents | intake.all_resolved:
            self._republished.mark(incident_id)
        for group_id in intake.offers:
            self._offered.mark(group_id)
        for incident_id in intake.all_resolved:
            self._spawn(self._announce_all_resolved(incident_id))

    def _spawn(self, work: Coroutine[Any, Any, object]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for every follow-up started so far (tests, shutdown)."""
        while self._tasks or any(c._running for c in self._coalescers()):
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
            for coalescer in self._coalescers():
                await coalescer.drain()

    def _coalescers(self) -> tuple[Coalescer, ...]:
        return (self._opened, self._republished, self._offered)

    # -- follow-ups after commit -------------------------------------------------------------

    async def _open_incident(self, incident_id: int) -> None:
        async with self.channel_limit:
            await self.publisher.publish(incident_id, invite=[])
        await self.paging.send_due(incident_id)

    async def _republish(self, incident_id: int) -> None:
        await self.publisher.publish(incident_id)

    async def _announce_all_resolved(self, incident_id: int) -> None:
        snapshot = await self.publisher.snapshot(incident_id)
        if not is_open(snapshot.incident.status):
            return
        ts = await self.surfaces.announce_all_resolved(snapshot)
        if ts is not None:  # kept so the notice loses its button once the incident is resolved
            await run_in_transaction(self.engine, lambda s: _keep_notice(s, incident_id, ts))

    async def _show_offer(self, group_id: int) -> None:
        now = self.clock()
        view = await run_in_transaction(self.engine, lambda s: take_offer(s, group_id, now))
        if view is None:
            return  # no offer, or another process is showing it (the tick retries)
        try:
            channel, ts = await self.surfaces.show_offer(view)
        except Exception as failure:
            await run_in_transaction(self.engine, lambda s: offer_failed(s, group_id))
            if not isinstance(failure, NotShown):
                raise
            log.warning("offer for alert group %s failed: %s", group_id, failure.error)
            return
        await run_in_transaction(self.engine, lambda s: offer_shown(s, group_id, channel, ts))

    async def tick(self) -> None:
        """Retry what a crash or a Slack failure left undone: offers and pages."""
        pending = await run_in_transaction(
            self.engine,
            lambda s: [
                g.id
                for g in alert_queries.list_pending_offers(
                    s, max_attempts=MAX_OFFER_ATTEMPTS, limit=50
                )
            ],
        )
        for group_id in pending:
            if group_id is not None:
                self._offered.mark(group_id)
        await self.paging.send_due()

    # -- people ----------------------------------------------------------------------------

    async def offer(self, group_id: int) -> OfferView:
        """The offer as it stands, to prefill the declare form."""
        view = await run_in_transaction(self.engine, lambda s: read_offer(s, group_id))
        if view is None:
            raise DomainError("That alert is no longer on record.")
        return view

    async def declare_from_offer(
        self,
        group_id: int,
        user: str,
        *,
        title: str,
        severity: Severity,
        summary: str,
        private: bool = False,
    ) -> Declared:
        """Declare an incident from an offered alert group (once), then open its channel."""
        if not title.strip():
            raise InvalidInput("Give the incident a title.", field="title")

        def work(session: Session) -> Declared:
            group = session.get(AlertGroup, group_id)
            if group is None:
                raise DomainError("That alert is no longer on record.")
            if group.incident_id is not None:
                existing = queries.get_incident(session, incident_id=group.incident_id)
                assert existing is not None
                return Declared(existing, created=False)
            first = alert_queries.list_sample_alerts(session, group_ids=[group_id])
            request = DeclareRequest(
                title=title.strip(),
                declared_by=user,
                severity=severity,
                summary=summary,
                services=[group.service] if group.service else [],
                private=private,
                idempotency_key=f"alert-group:{group_id}",
                detected_at=min((a.starts_at for a in first if a.starts_at), default=None),
            )
            declared = insert_incident(
                session, request, title.strip(), now=self.clock(), policy=self.incidents.policy
            )
            group.incident_id = incident_id_of(declared.incident)
            group.offer_dirty = True
            add_pages(session, group.incident_id, group.page, self.clock())
            return declared

        declared = await run_in_transaction(self.engine, work)
        if declared.created:
            incident_id = incident_id_of(declared.incident)
            outcome = await self.publisher.publish(incident_id, invite=[user])
            for name, value in outcome.changes.items():
                setattr(declared.incident, name, value)
            self._offered.mark(group_id)
            self._spawn(self.paging.send_due(incident_id))
        return declared

    async def acknowledge_page(self, incident_id: int, user: str) -> bool:
        """Acknowledge a page: the user joins the incident, and leads it if nobody does."""
        first = await self.incidents.acknowledge(incident_id, user)
        snapshot = await self.publisher.snapshot(incident_id)
        if not any(r.role == Role.COMMANDER for r in snapshot.roles):
            await self.incidents.assign_role(incident_id, user, Role.COMMANDER, user)
        else:
            await self.incidents.change(incident_id, lambda s, i, n: False, invite=[user])
        await self.paging.acknowledged(incident_id, user, snapshot)
        return first

    async def mark_resolved(self, incident_id: int, user: str) -> bool:
        """Resolve an incident whose alerts have all resolved."""
        return await self.incidents.resolve(incident_id, user, "every alert resolved")

    # -- inside the intake transaction -------------------------------------------------------

    def _reopen(self, session: Session, incident: Incident, now: datetime) -> None:
        """Reopen a resolved incident because one of its alerts fired again."""
        previous = transition(incident, Status.INVESTIGATING, now=now)
        cadence.reopen(incident, self.incidents.policy, now=now)
        text = (
            f"Status {STATUS_LABELS[previous]} → {STATUS_LABELS[Status.INVESTIGATING]}: "
            "an alert fired again"
        )
        session.add(new_event(incident, EventKind.STATUS_CHANGED, text, None, now))


def _weight(delivery: Delivery) -> int:
    """What a delivery adds to its transaction: its alerts, and the delivery row."""
    return len(delivery.batch.alerts) + 1


def _keep_notice(session: Session, incident_id: int, ts: str) -> None:
    for group in alert_queries.list_incident_groups(session, incident_id=incident_id):
        group.resolved_notice_ts = ts
