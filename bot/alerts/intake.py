"""The alert intake transaction: deliveries' alerts merged into the stored ones, in order."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from bot.alerts.intake_rows import (
    Delivery,
    DeliveryWork,
    Intake,
    SharedRows,
    prefetch_rows,
    store_deliveries,
)
from bot.alerts.rules import classify as alert_rules
from bot.alerts.rules.classify import Change, Placement
from bot.alerts.rules.routing import Route, RoutingConfig, route
from bot.alerts.rules.signals import SOURCE_NAMES, AlertSignal
from bot.incidents.ports import incident_stream
from bot.incidents.service import DeclareRequest, IncidentService, incident_id_of
from bot.kernel.outbox import add_effects, new_effect
from storage.enums import AlertState, EventKind, IncidentSource, RouteAction, Status
from storage.models import Alert, AlertGroup, Incident
from storage.queries import alerts as alert_queries

REPEAT_REFRESH = timedelta(minutes=1)
# Starts an incident's page in its transaction: (session, incident, targets, policy, now).
StartPage = Callable[[Session, Incident, Sequence[str], str | None, datetime], None]


class AlertIntake:
    """Merges alert batches into alerts, groups, incidents and pages."""

    def __init__(
        self, *, config: RoutingConfig, incidents: IncidentService, page: StartPage
    ) -> None:
        self.config = config
        self.incidents = incidents
        self.page = page

    def apply_many(
        self, session: Session, deliveries: Sequence[Delivery], *, now: datetime
    ) -> list[Intake]:
        """Store these deliveries and merge them in order, as one transaction; the caller commits.

        Each delivery's outcome is what it would be in a transaction of its own after the ones
        before it: the batch only shares the reads, the writes and the commit.
        """
        shared = SharedRows(session, now)
        intakes = [Intake() for _ in deliveries]
        stored = iter(store_deliveries(session, deliveries, now))
        for delivery, intake in zip(deliveries, intakes, strict=True):
            if delivery.raw is not None:
                intake.delivery_id = next(stored)
        prefetch_rows(shared, [d.batch for d in deliveries])
        for delivery, intake in zip(deliveries, intakes, strict=True):
            work = DeliveryWork(shared, delivery.batch.source, delivery.place, intake)
            for signal in delivery.batch.alerts:
                self._merge(work, signal, delivery.batch.group_title)
            if work.resolving:
                session.flush()
                self._settle(work)
            self._refresh_repeated_offers(work)
        session.flush()
        alert_queries.count_repeats(session, repeats=shared.repeats, seen_at=now)
        self._write_effects(shared, intakes)
        return intakes

    # -- one alert -------------------------------------------------------------------------

    def _merge(self, work: DeliveryWork, signal: AlertSignal, group_title: str) -> Change:
        stored = work.alerts.get(signal.key)
        change = alert_rules.classify(None if stored is None else stored.state, signal)
        if stored is not None and change in (Change.REPEAT, Change.STALE):
            if stored.id is None:  # stored by this transaction, not flushed yet
                stored.last_seen_at, stored.repeats = work.now, stored.repeats + 1
            else:
                work.shared.repeats[stored.id] += 1
            work.repeated.add(stored.group_id)
        elif stored is not None and change == Change.ACKNOWLEDGED:
            stored.state, stored.last_seen_at = AlertState.ACKNOWLEDGED, work.now
            self._touch(work, stored.group_id)
        elif stored is not None and change == Change.RESOLVED:
            self._resolve(work, stored, signal)
        elif change in (Change.NEW, Change.REFIRED):
            group = self._group_for(work, signal, stored, group_title)
            alert = _new_alert(
                signal, group, work.now, 1 if stored is None else stored.instance + 1
            )
            work.session.add(alert)
            work.alerts[signal.key] = alert
            self._fired(work, group, alert)
        return change

    def _resolve(self, work: DeliveryWork, alert: Alert, signal: AlertSignal) -> None:
        alert.state, alert.last_seen_at = AlertState.RESOLVED, work.now
        alert.resolved_at = work.now
        alert.ends_at = signal.ends_at or work.now
        work.resolving.add(alert.group_id)
        group = self._touch(work, alert.group_id)
        if group is not None and group.incident_id is not None:
            text = f"Alert resolved: {alert.title}"
            self._event(work, group.incident_id, EventKind.ALERT_RESOLVED, text)

    def _fired(self, work: DeliveryWork, group: AlertGroup, alert: Alert) -> None:
        group.all_resolved_at, group.updated_at = None, work.now
        self._touch(work, group.id)
        if group.incident_id is not None and group.incident_id not in work.fresh:
            text = f"Alert firing: {alert.title}"
            self._event(work, group.incident_id, EventKind.ALERT_FIRED, text)

    # -- groups ----------------------------------------------------------------------------

    def _group_for(
        self, work: DeliveryWork, signal: AlertSignal, stored: Alert | None, group_title: str
    ) -> AlertGroup:
        """The episode a firing alert joins, opening a new one (and its incident) if needed."""
        current = work.groups.get(signal.group)
        if stored is not None:
            # A re-fired alert joins the latest episode of the group it was in.
            old = work.group(stored.group_id)
            key = signal.group if old is None else old.group_key
            if key not in work.groups:
                found = alert_queries.map_current_groups(
                    work.session, source=work.source, group_keys=[key]
                )
                work.groups.update(found)
            current = work.groups.get(key)
        if current is None:
            return self._open_group(work, signal, group_title, episode=1)
        incident = _incident_of(work.session, current)
        placement = alert_rules.place(
            action=current.action,
            incident_status=None if incident is None else incident.status,
            all_resolved=current.all_resolved_at is not None,
            on_refire=current.on_refire,
        )
        if placement == Placement.NEW_EPISODE:
            return self._open_group(work, signal, group_title, episode=current.episode + 1)
        if placement == Placement.REOPEN and incident is not None:
            self.incidents.move_in(
                work.session,
                incident,
                Status.INVESTIGATING,
                None,
                work.now,
                reason="an alert fired again",
            )
            work.intake.changed_incidents.add(incident_id_of(incident))
        return current

    def _open_group(
        self, work: DeliveryWork, signal: AlertSignal, group_title: str, *, episode: int
    ) -> AlertGroup:
        decided = route(signal, self.config)
        group = AlertGroup(
            source=work.source,
            group_key=signal.group,
            episode=episode,
            title=(group_title or signal.title)[:200],
            severity=decided.severity,
            service=decided.service[:100],
            action=decided.action,
            rule=decided.rule[:100],
            runbook=decided.runbook[:1000],
            page=list(decided.page),
            escalation=decided.escalation,
            on_refire=decided.on_refire,
            created_at=work.now,
            updated_at=work.now,
        )
        work.session.add(group)
        work.session.flush()
        work.groups[signal.group] = group
        if decided.action == RouteAction.DECLARE:
            self._declare(work, group, signal, decided)
        elif decided.action == RouteAction.OFFER:
            group.offer_channel_id = work.place.channel
            group.offer_thread_ts = work.place.thread_ts
        return group

    def _declare(
        self, work: DeliveryWork, group: AlertGroup, signal: AlertSignal, decided: Route
    ) -> None:
        request = DeclareRequest(
            title=group.title,
            declared_by=SOURCE_NAMES[work.source],
            severity=decided.severity,
            summary=signal.summary[:2000],
            services=[decided.service] if decided.service else [],
            idempotency_key=f"alert-group:{group.id}",
            source=IncidentSource.ALERT,
            detected_at=signal.starts_at,
            initial_status=Status.TRIAGE,
            leaderless=True,
        )
        declared = self.incidents.declare_in(work.session, request, work.now)
        incident_id = incident_id_of(declared.incident)
        group.incident_id = incident_id
        work.fresh.add(incident_id)
        work.intake.new_incidents.append(incident_id)
        self.page(work.session, declared.incident, decided.page, decided.escalation, work.now)

    def _touch(self, work: DeliveryWork, group_id: int | None) -> AlertGroup | None:
        """Mark the group's incident for republishing, or its offer for editing."""
        group = work.group(group_id)
        if group is None:
            return None
        group.updated_at = work.now
        if group.incident_id is not None:
            if group.incident_id not in work.fresh:
                work.intake.changed_incidents.add(group.incident_id)
        else:
            self._touch_offer(work, group.id)
        return group

    def _refresh_repeated_offers(self, work: DeliveryWork) -> None:
        """Show repeats on an offer at most once a minute: Alertmanager re-sends constantly,
        and chat.update allows about 50 edits a minute."""
        for group_id in sorted(work.repeated):
            group = work.group(group_id)
            if group is None or group.action != RouteAction.OFFER or group_id in work.intake.offers:
                continue
            if group.updated_at is None or work.now - group.updated_at >= REPEAT_REFRESH:
                group.updated_at = work.now
                self._touch_offer(work, group_id)

    def _touch_offer(self, work: DeliveryWork, group_id: int | None) -> None:
        group = work.group(group_id)
        if group is not None and group.action == RouteAction.OFFER:
            work.intake.offers.add(group_id or 0)

    def _event(self, work: DeliveryWork, incident_id: int, kind: EventKind, text: str) -> None:
        incident = work.session.get(Incident, incident_id)
        if incident is not None:
            self.incidents.record_in(work.session, incident, kind, text, None, work.now)

    def _write_effects(self, shared: SharedRows, intakes: Sequence[Intake]) -> None:
        """What the committed intake must show: changed incidents republished, offers posted
        or edited, all-resolved notices; new incidents wrote theirs when declared."""
        changed = sorted(
            {i for intake in intakes for i in intake.changed_incidents | intake.all_resolved}
        )
        for incident_id in changed:
            incident = shared.session.get(Incident, incident_id)
            if incident is not None:
                self.incidents.publish_in(shared.session, incident, shared.now)
        offers = sorted({g for intake in intakes for g in intake.offers})
        notices = sorted({i for intake in intakes for i in intake.all_resolved})
        effects: list[dict[str, Any]] = [offer_effect(g, shared.now) for g in offers]
        effects += [
            new_effect(
                "alerts.notice",
                key=f"alerts.notice:{incident_id}:{shared.now.timestamp()}",
                stream=incident_stream(incident_id),
                payload={"incident_id": incident_id},
                now=shared.now,
            )
            for incident_id in notices
        ]
        add_effects(shared.session, effects)

    def _settle(self, work: DeliveryWork) -> None:
        """Note groups whose every alert has now resolved, and incidents to tell about it."""
        counts = alert_queries.count_alerts(work.session, group_ids=sorted(work.resolving))
        for group_id, (total, resolved) in counts.items():
            group = work.group(group_id)
            if group is None or total != resolved or group.all_resolved_at is not None:
                continue
            group.all_resolved_at = work.now
            if group.incident_id is not None and _every_alert_resolved(work.session, group):
                work.intake.all_resolved.add(group.incident_id)


def offer_effect(group_id: int, now: datetime) -> dict[str, Any]:
    """The effect that posts or edits a group's offer (later ones wait for it, then merge)."""
    return new_effect(
        "offer.show",
        key=f"offer:{group_id}:{now.timestamp()}",
        stream=f"offer:{group_id}",
        payload={"group_id": group_id},
        now=now,
    )


def _incident_of(session: Session, group: AlertGroup) -> Incident | None:
    return session.get(Incident, group.incident_id) if group.incident_id is not None else None


def _every_alert_resolved(session: Session, group: AlertGroup) -> bool:
    """Whether every group of the group's incident has all its alerts resolved."""
    assert group.incident_id is not None
    groups = alert_queries.list_incident_groups(session, incident_id=group.incident_id)
    counts = alert_queries.count_alerts(session, group_ids=[g.id for g in groups if g.id])
    return all(total == resolved for total, resolved in counts.values())


def _new_alert(signal: AlertSignal, group: AlertGroup, now: datetime, instance: int) -> Alert:
    assert group.id is not None
    return Alert(
        source=signal.source,
        key=signal.key,
        instance=instance,
        group_id=group.id,
        state=signal.state,
        title=signal.title[:200],
        severity=signal.severity[:32],
        service=signal.service[:100],
        summary=signal.summary,
        labels=dict(signal.labels),
        link=signal.link[:1000],
        starts_at=signal.starts_at,
        ends_at=signal.ends_at,
        first_seen_at=now,
        last_seen_at=now,
    )
