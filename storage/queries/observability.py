"""The numbers `/metrics` reads at scrape time: the outbox, the inbox and open incidents.
Each is one grouped query on an indexed column."""

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from storage.enums import Severity
from storage.models import Effect, InboxItem, Incident
from storage.queries.incidents import OPEN
from storage.queries.kernel import FAILED, PENDING


def summarise_effects(session: Session) -> list[tuple[str, str, int, datetime | None]]:
    """(kind, state, how many, oldest created_at) of the pending and failed effects."""
    query = (
        select(
            Effect.kind,
            Effect.state,
            func.count(col(Effect.id)),
            func.min(col(Effect.created_at)),
        )
        .where(col(Effect.state).in_([PENDING, FAILED]))
        .group_by(col(Effect.kind), col(Effect.state))
    )
    return [(kind, state, int(count), oldest) for kind, state, count, oldest in session.exec(query)]


def summarise_inbox(session: Session) -> tuple[int, datetime | None]:
    """How many stored requests are not carried out yet, and when the oldest came."""
    query = select(func.count(col(InboxItem.id)), func.min(col(InboxItem.received_at))).where(
        col(InboxItem.done_at).is_(None)
    )
    count, oldest = session.exec(query).one()
    return int(count), oldest


def count_open_incidents(session: Session) -> dict[Severity, int]:
    """Open incidents (triage to mitigated) by severity, every severity named."""
    query = (
        select(Incident.severity, func.count(col(Incident.id)))
        .where(col(Incident.status).in_([s.value for s in OPEN]))
        .group_by(col(Incident.severity))
    )
    counts = dict.fromkeys(Severity, 0)
    for severity, count in session.exec(query):
        counts[Severity(severity)] = int(count)
    return counts
