"""The rows one intake transaction reads and writes, shared by the deliveries it merges."""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from bot.alerts.rules.signals import AlertBatch, AlertSignal
from storage.enums import AlertSource
from storage.models import Alert, AlertGroup, WebhookDelivery
from storage.queries import alerts as alert_queries


@dataclass(frozen=True)
class Place:
    """Where offers for new groups go: a channel, and for Slack alerts the alert's thread."""

    channel: str
    thread_ts: str | None = None


@dataclass
class Intake:
    """What one delivery changed: the side effects to run once it is committed."""

    delivery_id: int | None = None
    new_incidents: list[int] = field(default_factory=list)
    changed_incidents: set[int] = field(default_factory=set)
    offers: set[int] = field(default_factory=set)
    all_resolved: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Delivery:
    """One delivery to merge: its alerts, its raw body (None for Slack messages), its place."""

    batch: AlertBatch
    raw: str | None
    place: Place


@dataclass
class SharedRows:
    """What the deliveries of one transaction share: the rows read and written so far."""

    session: Session
    now: datetime
    alerts: dict[AlertSource, dict[str, Alert]] = field(default_factory=dict)
    groups: dict[AlertSource, dict[str, AlertGroup]] = field(default_factory=dict)
    # Groups by id, held strongly: the session's identity map drops clean rows, and a batch of
    # ten alerts would otherwise read the same group ten times.
    loaded: dict[int, AlertGroup] = field(default_factory=dict)
    fresh: set[int] = field(default_factory=set)  # incidents declared in this transaction
    # Stored alerts reported again, by id: counted in one UPDATE at the end, not row by row.
    repeats: Counter[int] = field(default_factory=Counter)


@dataclass
class DeliveryWork:
    """One delivery's merge, over the rows its transaction shares."""

    shared: SharedRows
    source: AlertSource
    place: Place
    intake: Intake
    alerts: dict[str, Alert] = field(init=False)  # this source's latest instances, by key
    groups: dict[str, AlertGroup] = field(init=False)  # its current episodes, by group key
    resolving: set[int] = field(default_factory=set)  # groups where something resolved
    repeated: set[int] = field(default_factory=set)  # groups with alerts reported again

    def __post_init__(self) -> None:
        self.alerts = self.shared.alerts.setdefault(self.source, {})
        self.groups = self.shared.groups.setdefault(self.source, {})

    @property
    def session(self) -> Session:
        """The transaction's session."""
        return self.shared.session

    @property
    def now(self) -> datetime:
        """The transaction's time."""
        return self.shared.now

    @property
    def fresh(self) -> set[int]:
        """Incidents declared in this transaction."""
        return self.shared.fresh

    def group(self, group_id: int | None) -> AlertGroup | None:
        """The alert group with this id, read at most once per transaction."""
        if group_id is None:
            return None
        loaded = self.shared.loaded
        if group_id not in loaded:
            found = self.session.get(AlertGroup, group_id)
            if found is None:
                return None
            loaded[group_id] = found
        return loaded[group_id]


def store_deliveries(session: Session, deliveries: Sequence[Delivery], now: datetime) -> list[int]:
    """Insert the raw bodies in one statement; their ids, in order."""
    rows = [
        {
            "source": d.batch.source,
            "received_at": now,
            "body": d.raw,
            "alert_count": len(d.batch.alerts),
        }
        for d in deliveries
        if d.raw is not None
    ]
    if not rows:
        return []
    table = WebhookDelivery.__table__  # type: ignore[attr-defined]
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(session.execute(statement, rows).scalars())


def prefetch_rows(shared: SharedRows, batches: Sequence[AlertBatch]) -> None:
    """Read every stored alert the batches name with its group, and the current groups of
    the ones not stored yet."""
    by_source: dict[AlertSource, list[AlertSignal]] = {}
    for batch in batches:
        by_source.setdefault(batch.source, []).extend(batch.alerts)
    for source, signals in by_source.items():
        alerts = alert_queries.map_latest_alerts(
            shared.session, source=source, keys=[s.key for s in signals]
        )
        shared.alerts[source] = alerts
        shared.loaded.update(
            alert_queries.map_groups_by_id(
                shared.session, group_ids=[a.group_id for a in alerts.values()]
            )
        )
        shared.groups[source] = alert_queries.map_current_groups(
            shared.session,
            source=source,
            group_keys=[s.group for s in signals if s.key not in alerts],
        )
