"""Alert use cases: take a delivery, turn groups into incidents or offers, page, resolve.

A delivery is stored with everything it changes and the effects that show it, in one
transaction (deliveries arriving together share it); the outbox shows it after the commit.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.alerts.intake import AlertIntake, offer_effect
from bot.alerts.intake_rows import Delivery, Intake, Place
from bot.alerts.offers import OfferService, read_offer
from bot.alerts.ports import AlertNotices, OfferView
from bot.alerts.rules.routing import RoutingConfig
from bot.alerts.rules.signals import AlertBatch, AlertSignal
from bot.incidents.ports import IncidentSnapshot
from bot.incidents.service import (
    Declared,
    DeclareRequest,
    IncidentService,
    incident_id_of,
    is_open,
)
from bot.kernel.errors import DomainError, InvalidInput
from bot.kernel.group_commit import GroupCommit
from bot.kernel.outbox import Attempt, Payload, Permanent, add_effects
from bot.kernel.transactions import is_write_conflict, read, run_in_transaction
from bot.paging.service import PagingService
from storage.enums import AlertSource, IncidentSource, Severity
from storage.models import Incident
from storage.queries import alerts as alert_queries
from storage.queries import incidents as queries

INTAKE_ATTEMPTS = 5


@dataclass(frozen=True)
class Accepted:
    """What a delivery did, for the webhook's answer."""

    delivery_id: int | None
    alerts: int
    incidents: list[int]


class AlertService:
    """Alerts in, incidents and offers out."""

    def __init__(
        self,
        engine: Engine,
        incidents: IncidentService,
        *,
        offers: OfferService,
        paging: PagingService,
        notices: AlertNotices,
        config: RoutingConfig,
        offer_channel: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.incidents = incidents
        self.outbox = incidents.outbox
        self.offers = offers
        self.paging = paging
        self.notices = notices
        self.offer_channel = offer_channel
        self.clock = clock
        self.intake = AlertIntake(config=config, incidents=incidents, page=self._start_page)
        # Deliveries that arrive while one is being stored share the next transaction.
        self._commits: GroupCommit[Delivery, Intake] = GroupCommit(
            self._apply_together, max_items=100, max_weight=2000, weight=_weight
        )

    def register(self) -> None:
        """Handle this feature's effects in the outbox."""
        self.offers.register()
        self.paging.register()
        self.outbox.handle("alerts.notice", self._announce_all_resolved)

    # -- intake ----------------------------------------------------------------------------

    async def ingest(self, batch: AlertBatch, *, raw: str | None) -> Accepted:
        """Store a delivery, its alerts and what they cause in one transaction."""
        intake = await self._apply(batch, raw=raw, place=Place(self.offer_channel))
        return Accepted(intake.delivery_id, len(batch.alerts), intake.new_incidents)

    async def ingest_slack_message(self, signal: AlertSignal, *, channel: str, ts: str) -> None:
        """An integration's alert message in a watched channel; its offer goes in the thread."""
        batch = AlertBatch(source=AlertSource.SLACK, alerts=(signal,))
        await self._apply(batch, raw=None, place=Place(channel, thread_ts=ts))

    async def _apply(self, batch: AlertBatch, *, raw: str | None, place: Place) -> Intake:
        intake = await self._commits.submit(Delivery(batch, raw, place))
        self.outbox.kick()
        return intake

    async def _apply_together(self, deliveries: list[Delivery]) -> list[Intake | Exception]:
        """Merge deliveries that arrived together in one transaction; if that fails, each alone,
        so that one bad delivery cannot sink the others."""
        try:
            return list(
                await run_in_transaction(
                    self.engine,
                    lambda s: self.intake.apply_many(s, deliveries, now=self.clock()),
                )
            )
        except Exception as error:
            if len(deliveries) == 1 and not is_write_conflict(error):
                return [error]
            return [await self._apply_alone(d) for d in deliveries]

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

    # -- people ----------------------------------------------------------------------------

    async def offer(self, group_id: int) -> OfferView:
        """The offer as it stands, to prefill the declare form."""
        view = await read(self.engine, lambda s: read_offer(s, group_id))
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
        reply_to: Mapping[str, Any] | None = None,
    ) -> Declared:
        """Declare an incident from an offered alert group, once, through the one declare path;
        its channel, its pages and the edited offer follow the commit."""
        if not title.strip():
            raise InvalidInput("Give the incident a title.", field="title")

        def work(session: Session) -> Declared:
            group = alert_queries.lock_group(session, group_id=group_id)
            if group is None:
                raise DomainError("That alert is no longer on record.")
            if group.incident_id is not None:
                existing = queries.get_incident(session, incident_id=group.incident_id)
                assert existing is not None
                return Declared(existing, created=False)
            first = alert_queries.list_sample_alerts(session, group_ids=[group_id])
            now = self.clock()
            request = DeclareRequest(
                title=title.strip(),
                declared_by=user,
                severity=severity,
                summary=summary,
                services=[group.service] if group.service else [],
                private=private,
                idempotency_key=f"alert-group:{group_id}",
                source=IncidentSource.ALERT,
                detected_at=min((a.starts_at for a in first if a.starts_at), default=None),
                reply_to=reply_to,
            )
            declared = self.incidents.declare_in(session, request, now)
            group.incident_id = incident_id_of(declared.incident)
            self._start_page(session, declared.incident, group.page, group.escalation, now)
            add_effects(session, [offer_effect(group_id, now)])
            return declared

        declared = await run_in_transaction(self.engine, work)
        self.outbox.kick()
        return declared

    def _start_page(
        self,
        session: Session,
        incident: Incident,
        targets: Sequence[str],
        policy: str | None,
        now: datetime,
    ) -> None:
        """Page for a new incident: the route's policy or people, else its service's policy."""
        self.paging.start_for_alert_in(session, incident, targets=targets, policy=policy, now=now)

    async def mark_resolved(self, incident_id: int, user: str) -> bool:
        """Resolve an incident whose alerts have all resolved."""
        return await self.incidents.resolve(incident_id, user, "every alert resolved")

    # -- effects ---------------------------------------------------------------------------

    async def _announce_all_resolved(self, payload: Payload, attempt: Attempt) -> None:
        """Tell the room every alert resolved (only while the incident is still open)."""
        incident_id = int(payload["incident_id"])
        try:
            snapshot: IncidentSnapshot = await self.incidents.snapshot(incident_id)
        except DomainError:
            raise Permanent("incident_not_found") from None
        if snapshot.alerts is None or not snapshot.alerts.all_resolved:
            return
        if not is_open(snapshot.incident.status):
            return
        await self.notices.all_resolved(snapshot, retry=attempt.is_retry)


def _weight(delivery: Delivery) -> int:
    """What a delivery adds to its transaction: its alerts, and the delivery row."""
    return len(delivery.batch.alerts) + 1
