"""What a handoff tells: how long the shift that ended was, and what fired during it."""

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.oncall.ports import Fired
from storage.queries import handoffs as queries

LONGEST_LOOK = timedelta(days=7)  # a shift longer than this is summed up from its last week
SHOWN = 10  # things that fired, listed; the rest are counted


def read_since(session: Session, schedule: str, at: datetime) -> datetime:
    """When the shift handed over at `at` began: the handoff before it (a week back at most)."""
    earliest = at - LONGEST_LOOK
    before = queries.get_latest_handoff(session, schedule=schedule, before=at)
    if before is None or before.at is None:
        return earliest
    return max(before.at, earliest)


def read_fired(session: Session, since: datetime, at: datetime) -> tuple[list[Fired], int]:
    """What fired in `[since, at)`, newest first (at most SHOWN), and how many things did: alert
    groups (with the incident they became, if any) and incidents declared by hand."""
    groups, group_count = queries.list_groups_created(session, start=since, end=at, limit=SHOWN)
    incidents, incident_count = queries.list_incidents_declared(
        session, start=since, end=at, limit=SHOWN
    )
    numbers = {i.id: i for i in incidents}
    from_alerts = {g.incident_id for g in groups if g.incident_id is not None}
    fired = [
        Fired(
            kind="alert",
            title=g.title,
            at=g.created_at or since,
            incident_number=numbers[g.incident_id].number if g.incident_id in numbers else None,
        )
        for g in groups
    ]
    fired += [
        Fired(
            kind="incident",
            title=i.title,
            at=i.declared_at or since,
            incident_number=i.number,
            private=i.private,
        )
        for i in incidents
        if i.id not in from_alerts
    ]
    fired.sort(key=lambda f: f.at, reverse=True)
    # An incident declared from an alert group is one thing, counted once.
    total = group_count + incident_count - len(from_alerts & set(numbers))
    return fired[:SHOWN], total
