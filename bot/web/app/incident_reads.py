"""What the incident pages of `/app` read: a filtered, paginated list (newest first) and
everything about one incident, each in one read-only transaction."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import String, cast, func, or_
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col, select

from bot.kernel.transactions import read
from storage.enums import Severity, Status
from storage.models import (
    ActionItem,
    Alert,
    AlertGroup,
    Incident,
    IncidentRole,
    Postmortem,
    StatusUpdate,
    TimelineEvent,
)

PER_PAGE = 25
MAX_ALERTS = 100  # an incident page lists this many alerts, newest first, and counts the rest
Names = Callable[[list[str]], Awaitable[dict[str, str]]]


@dataclass(frozen=True)
class IncidentQuery:
    """The list's search and filters, already checked (see incidents.parse_query)."""

    text: str = ""
    number: int | None = None  # the search was an incident number (`42`, `#42`, `INC-42`)
    statuses: tuple[Status, ...] = ()
    severities: tuple[Severity, ...] = ()
    service: str = ""
    since: datetime | None = None  # declared at or after
    page: int = 1


@dataclass(frozen=True)
class IncidentPage:
    """One page of the list."""

    incidents: list[Incident]
    total: int
    page: int
    pages: int


@dataclass
class IncidentRecord:
    """Everything shown about one incident."""

    incident: Incident
    roles: list[IncidentRole]
    timeline: list[TimelineEvent]
    updates: list[StatusUpdate]
    action_items: list[ActionItem]
    alerts: list[Alert]
    alert_total: int
    postmortem: Postmortem | None
    names: dict[str, str] = field(default_factory=dict)


async def _no_names(_ids: list[str]) -> dict[str, str]:
    return {}


class IncidentReads:
    """The read model behind the incident pages."""

    def __init__(self, engine: Engine, *, names: Names | None = None) -> None:
        self.engine = engine
        self.names = names or _no_names

    async def page(self, query: IncidentQuery) -> IncidentPage:
        """The incidents matching `query`, newest declared first, `PER_PAGE` at a time."""
        return await read(self.engine, lambda s: _page(s, query))

    async def services(self) -> list[str]:
        """Every service named by an incident, for the filter's choices."""
        rows = await read(self.engine, lambda s: list(s.exec(select(Incident.services)).all()))
        return sorted({name for services in rows for name in services or []})

    async def record(self, number: int) -> IncidentRecord | None:
        """Incident `number` with all that is shown about it, or None."""
        found = await read(self.engine, lambda s: _record(s, number))
        if found is not None:
            found.names = await self.names(_people(found))
        return found


def _filtered(query: IncidentQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.number is not None:
        conditions.append(
            or_(col(Incident.number) == query.number, col(Incident.title).contains(query.text))
        )
    elif query.text:
        pattern = "%" + _escape(query.text.lower()) + "%"
        conditions.append(func.lower(Incident.title).like(pattern, escape="\\"))
    if query.statuses:
        conditions.append(col(Incident.status).in_(query.statuses))
    if query.severities:
        conditions.append(col(Incident.severity).in_(query.severities))
    if query.service:
        # The JSON list's text holds each name in quotes, on SQLite and PostgreSQL alike.
        quoted = '%"' + _escape(query.service) + '"%'
        conditions.append(cast(Incident.services, String).like(quoted, escape="\\"))
    if query.since is not None:
        conditions.append(col(Incident.declared_at) >= query.since)
    return conditions


def _page(session: Session, query: IncidentQuery) -> IncidentPage:
    conditions = _filtered(query)
    total = session.exec(select(func.count()).select_from(Incident).where(*conditions)).one()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(query.page, 1), pages)
    rows = session.exec(
        select(Incident)
        .where(*conditions)
        .order_by(col(Incident.declared_at).desc(), col(Incident.number).desc())
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return IncidentPage(list(rows), total, page, pages)


def _record(session: Session, number: int) -> IncidentRecord | None:
    incident = session.exec(select(Incident).where(Incident.number == number)).first()
    if incident is None or incident.id is None:
        return None
    key = incident.id

    def of(model: Any, *order: Any) -> list[Any]:
        return list(session.exec(select(model).where(model.incident_id == key).order_by(*order)))

    groups = select(AlertGroup.id).where(AlertGroup.incident_id == key)
    in_groups = col(Alert.group_id).in_(groups)
    alerts = session.exec(
        select(Alert)
        .where(in_groups)
        .order_by(col(Alert.first_seen_at).desc(), col(Alert.id).desc())
        .limit(MAX_ALERTS)
    ).all()
    alert_total = session.exec(select(func.count()).select_from(Alert).where(in_groups)).one()
    return IncidentRecord(
        incident=incident,
        roles=of(IncidentRole, IncidentRole.id),
        timeline=of(TimelineEvent, col(TimelineEvent.occurred_at), col(TimelineEvent.id)),
        updates=of(StatusUpdate, col(StatusUpdate.posted_at)),
        action_items=of(ActionItem, col(ActionItem.id)),
        alerts=list(alerts),
        alert_total=alert_total,
        postmortem=session.exec(select(Postmortem).where(Postmortem.incident_id == key)).first(),
    )


def _people(found: IncidentRecord) -> list[str]:
    ids: list[str] = [r.user_id for r in found.roles]
    ids += [p for e in found.timeline for p in [*(e.mentions or []), e.actor or ""] if p]
    ids += [u.author for u in found.updates] + [i.owner for i in found.action_items if i.owner]
    ids.append(found.incident.declared_by)
    return list(dict.fromkeys(ids))


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def since(now: datetime, days: int | None) -> datetime | None:
    """The start of a period of `days` ending now (None: all time)."""
    return None if days is None else now - timedelta(days=days)
