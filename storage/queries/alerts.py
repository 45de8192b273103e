"""Queries about alerts, alert groups and pages. Session first, keyword arguments after."""

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import case, func, update
from sqlmodel import Session, col, select

from storage.enums import AlertSource, AlertState
from storage.models import Alert, AlertGroup

SAMPLE = 10


def map_latest_alerts(
    session: Session, *, source: AlertSource, keys: Sequence[str]
) -> dict[str, Alert]:
    """The newest instance of each of these keys that exists, by key; locked for this
    transaction (on PostgreSQL) in one fixed order, so that two intakes touching the same
    alerts queue up instead of deadlocking."""
    if not keys:
        return {}
    query = (
        select(Alert)
        .where(Alert.source == source, col(Alert.key).in_(list(set(keys))))
        .order_by(col(Alert.instance), col(Alert.id))
        .with_for_update()
    )
    return {alert.key: alert for alert in session.exec(query).all()}


def map_current_groups(
    session: Session, *, source: AlertSource, group_keys: Sequence[str]
) -> dict[str, AlertGroup]:
    """The latest episode of each of these groups that exists, by group key."""
    if not group_keys:
        return {}
    query = (
        select(AlertGroup)
        .where(AlertGroup.source == source, col(AlertGroup.group_key).in_(list(set(group_keys))))
        .order_by(col(AlertGroup.episode))
    )
    return {group.group_key: group for group in session.exec(query).all()}


def map_groups_by_id(session: Session, *, group_ids: Sequence[int]) -> dict[int, AlertGroup]:
    """These alert groups, by id."""
    if not group_ids:
        return {}
    query = select(AlertGroup).where(col(AlertGroup.id).in_(list(set(group_ids))))
    return {group.id: group for group in session.exec(query).all() if group.id is not None}


def count_repeats(session: Session, *, repeats: Mapping[int, int], seen_at: datetime) -> None:
    """Add to each alert's repeat count and mark it seen: one UPDATE per distinct count."""
    by_count: dict[int, list[int]] = {}
    for alert_id, count in repeats.items():
        by_count.setdefault(count, []).append(alert_id)
    for count, ids in sorted(by_count.items()):
        session.execute(
            update(Alert)
            .where(col(Alert.id).in_(sorted(ids)))
            .values(repeats=col(Alert.repeats) + count, last_seen_at=seen_at)
            .execution_options(synchronize_session=False)
        )


def count_alerts(session: Session, *, group_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(total, resolved) per group."""
    if not group_ids:
        return {}
    resolved = func.sum(case((col(Alert.state) == AlertState.RESOLVED.value, 1), else_=0))
    query = (
        select(Alert.group_id, func.count(col(Alert.id)), resolved)
        .where(col(Alert.group_id).in_(list(group_ids)))
        .group_by(col(Alert.group_id))
    )
    return {gid: (int(total), int(done or 0)) for gid, total, done in session.exec(query).all()}


def list_sample_alerts(session: Session, *, group_ids: Sequence[int]) -> list[Alert]:
    """A few alerts to show: firing first, newest first."""
    if not group_ids:
        return []
    query = (
        select(Alert)
        .where(col(Alert.group_id).in_(list(group_ids)))
        .order_by(
            case((col(Alert.state) == AlertState.RESOLVED.value, 1), else_=0),
            col(Alert.first_seen_at).desc(),
            col(Alert.id).desc(),
        )
        .limit(SAMPLE)
    )
    return list(session.exec(query).all())


def list_incident_groups(session: Session, *, incident_id: int) -> Sequence[AlertGroup]:
    """The alert groups attached to an incident."""
    query = select(AlertGroup).where(AlertGroup.incident_id == incident_id)
    return session.exec(query.order_by(col(AlertGroup.id))).all()


def lock_group(session: Session, *, group_id: int) -> AlertGroup | None:
    """The alert group, locked until the transaction ends (PostgreSQL; SQLite's write
    transaction holds its one lock already): one declaration per offer."""
    query = select(AlertGroup).where(AlertGroup.id == group_id).with_for_update()
    return session.exec(query).first()
