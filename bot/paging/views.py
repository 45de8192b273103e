"""What a page shows, read from the database: the incident, the page, who acknowledged."""

from sqlmodel import Session

from bot.incidents.service import read_snapshot
from bot.kernel.errors import IncidentNotFound
from bot.paging.climb import ACTIVE
from bot.paging.definitions import Method
from bot.paging.ports import PageView, Shown
from bot.paging.rules.steps import next_step
from storage.models import Escalation
from storage.queries import paging as queries


def load_view(session: Session, escalation_id: int) -> PageView | None:
    """The page as it stands; None when it or its incident is gone."""
    escalation = session.get(Escalation, escalation_id)
    if escalation is None:
        return None
    try:
        snapshot = read_snapshot(session, escalation.incident_id)
    except IncidentNotFound:
        return None
    acks = queries.list_acknowledgements(session, escalation_id=escalation_id)
    further = next_step(
        len(escalation.levels), escalation.repeat, max(escalation.level, 0), escalation.loop
    )
    return PageView(
        snapshot=snapshot,
        escalation_id=escalation_id,
        level=max(escalation.level, 0) + 1,
        reason=escalation.reason,
        message=escalation.message,
        acknowledged_by=tuple(ack.user for ack in acks),
        can_escalate=escalation.state == ACTIVE and further is not None,
    )


def load_shown(session: Session, escalation_id: int) -> tuple[PageView | None, list[Shown]]:
    """The page, and every Slack message it was shown in."""
    notifications = queries.list_notifications(
        session, escalation_id=escalation_id, method=Method.SLACK
    )
    shown = [Shown(c, t) for n in notifications for c, t in n.messages]
    return load_view(session, escalation_id), shown
