"""The status page's reads: the page now, one incident, the history, the feed's entries and
the uptime bars, as plain views of what was published (never an internal incident's text)."""

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlmodel import Session

from bot.statuspage.definitions import (
    ComponentStatus,
    Impact,
    MaintenanceStatus,
    PublicStatus,
    StatusPageConfig,
)
from bot.statuspage.rules.indicator import page_indicator
from bot.statuspage.rules.uptime import Uptime, daily_uptime, window_start
from bot.statuspage.rules.views import (
    ComponentView,
    HistoryPage,
    MaintenanceView,
    PageView,
    PublicIncidentView,
    PublicUpdateView,
)
from storage.models import ComponentState, Maintenance, PublicIncident, PublicUpdate
from storage.queries import statuspage as queries

UPCOMING_SHOWN = 20  # scheduled maintenance listed on the page, soonest first
_UP = ComponentStatus.OPERATIONAL


def read_page(
    session: Session,
    config: StatusPageConfig,
    now: datetime,
    current: Mapping[str, ComponentState] | None = None,
) -> PageView:
    """The page now: components, open incidents with every update, maintenance in progress and
    coming, and the indicator they add up to. `current`: each component's newest state row, if
    read already."""
    if current is None:
        current = queries.map_current_states(session)
    first_seen = queries.map_first_seen(session)
    components = tuple(
        ComponentView(
            name=c.name,
            group=c.group,
            description=c.description,
            status=ComponentStatus(current[c.name].status) if c.name in current else _UP,
            since=current[c.name].at if c.name in current else None,
            first_seen=first_seen.get(c.name),
            position=position,
        )
        for position, c in enumerate(config.components, start=1)
    )
    incidents = incident_views(session, queries.list_open_public_incidents(session))
    maintenances = (
        *queries.list_maintenances(session, statuses=[queries.IN_PROGRESS]),
        *queries.list_maintenances(session, statuses=[queries.SCHEDULED], limit=UPCOMING_SHOWN),
    )
    shown = tuple(maintenance_view(row) for row in maintenances)
    indicator, description = page_indicator(
        [c.status for c in components],
        [i.impact for i in incidents],
        maintenance_in_progress=any(m.status is MaintenanceStatus.IN_PROGRESS for m in shown),
    )
    changes = [c.since for c in components] + [i.updated_at for i in incidents]
    changes += [m.updated_at for m in shown]
    return PageView(
        now=now,
        indicator=indicator,
        description=description,
        components=components,
        incidents=incidents,
        maintenances=shown,
        updated_at=max((at for at in changes if at is not None), default=None),
    )


def read_incident(session: Session, public_id: int) -> PublicIncidentView | None:
    """One public incident with every update."""
    row = queries.get_public_incident(session, public_id=public_id)
    return None if row is None else incident_views(session, [row])[0]


def read_history(session: Session, page: int, per_page: int) -> HistoryPage:
    """Page `page` (from 1) of every public incident, newest first."""
    total = queries.count_public_incidents(session)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = queries.list_public_incidents(session, offset=(page - 1) * per_page, limit=per_page)
    return HistoryPage(incident_views(session, rows), page, pages, total)


def read_recent(
    session: Session, limit: int
) -> tuple[tuple[PublicIncidentView, ...], tuple[MaintenanceView, ...]]:
    """The newest public incidents and maintenance, for the feed."""
    rows = queries.list_public_incidents(session, offset=0, limit=limit)
    maintenances = queries.list_recent_maintenances(session, limit=limit)
    return incident_views(session, rows), tuple(maintenance_view(m) for m in maintenances)


def read_uptimes(
    session: Session, names: Sequence[str], now: datetime, days: int
) -> dict[str, Uptime]:
    """The uptime bars of these components over the `days` ending today."""
    start = window_start(now, days)
    before = queries.map_states_at(session, at=start, components=names)
    changes: dict[str, list[tuple[datetime, ComponentStatus]]] = {name: [] for name in names}
    for name, at, state in queries.list_state_changes(session, after=start, components=names):
        changes[name].append((at, ComponentStatus(state)))
    return {
        name: daily_uptime(
            changes[name],
            before=ComponentStatus(before[name]) if name in before else None,
            now=now,
            days=days,
        )
        for name in names
    }


def incident_views(
    session: Session, rows: Iterable[PublicIncident]
) -> tuple[PublicIncidentView, ...]:
    """Public incidents with their updates, in the order given."""
    rows = list(rows)
    updates: dict[int, list[PublicUpdateView]] = {}
    ids = [row.id for row in rows if row.id is not None]
    for update in queries.list_updates(session, public_ids=ids):
        updates.setdefault(update.public_incident_id, []).append(update_view(update))
    return tuple(_incident_view(row, updates.get(row.id or 0, [])) for row in rows)


def _incident_view(row: PublicIncident, updates: list[PublicUpdateView]) -> PublicIncidentView:
    assert row.id is not None and row.created_at is not None
    return PublicIncidentView(
        id=row.id,
        title=row.title,
        status=PublicStatus(row.status),
        impact=Impact(row.impact),
        created_at=row.created_at,
        updated_at=row.updated_at or row.created_at,
        identified_at=row.identified_at,
        monitoring_at=row.monitoring_at,
        resolved_at=row.resolved_at,
        components={name: ComponentStatus(state) for name, state in row.components.items()},
        updates=tuple(updates),
    )


def update_view(row: PublicUpdate) -> PublicUpdateView:
    """One update as the page shows it."""
    assert row.id is not None and row.created_at is not None
    return PublicUpdateView(
        id=row.id,
        status=PublicStatus(row.status),
        message=row.message,
        at=row.created_at,
        components={name: ComponentStatus(state) for name, state in row.components.items()},
    )


def maintenance_view(row: Maintenance) -> MaintenanceView:
    """One maintenance as the page shows it."""
    assert row.id is not None and row.starts_at is not None and row.ends_at is not None
    assert row.created_at is not None
    return MaintenanceView(
        id=row.id,
        title=row.title,
        body=row.body,
        status=MaintenanceStatus(row.status),
        components=tuple(row.components),
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        started_at=row.started_at,
        completed_at=row.completed_at,
        created_at=row.created_at,
        updated_at=row.updated_at or row.created_at,
    )
