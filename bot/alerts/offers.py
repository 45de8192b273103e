"""An alert group's offer: read it, claim it for showing, and record how showing went."""

from datetime import datetime, timedelta

from sqlmodel import Session

from bot.services.ports import OfferView
from bot.services.publishing import read_alert_summary
from storage import alert_queries, queries
from storage.models import AlertGroup

# Long enough for a post or an edit with Slack's retries; a process that died holding the
# claim only delays the offer until it runs out and the tick retries.
OFFER_CLAIM = timedelta(minutes=1)


def read_offer(session: Session, group_id: int) -> OfferView | None:
    """The offer view of an alert group."""
    group = session.get(AlertGroup, group_id)
    if group is None or group.id is None:
        return None
    incident = (
        queries.get_incident(session, incident_id=group.incident_id) if group.incident_id else None
    )
    return OfferView(group, read_alert_summary(session, [group]), incident)


def take_offer(session: Session, group_id: int, now: datetime) -> OfferView | None:
    """The offer to show, claimed for this process; None when there is no offer to show or
    another process holds it (its dirty mark then stays for the tick to retry)."""
    if not alert_queries.claim_offer(session, group_id=group_id, now=now, until=now + OFFER_CLAIM):
        return None
    return read_offer(session, group_id)


def offer_failed(session: Session, group_id: int) -> None:
    """Showing failed: release the claim and leave the offer for the tick to retry."""
    group = session.get(AlertGroup, group_id)
    if group is not None:
        group.offer_dirty = True
        group.offer_attempts += 1
        group.offer_claimed_until = None


def offer_shown(session: Session, group_id: int, channel: str, ts: str) -> None:
    """Showing worked: remember where, and release the claim."""
    group = session.get(AlertGroup, group_id)
    if group is not None:
        group.offer_channel_id, group.offer_ts = channel, ts
        group.offer_attempts = 0
        group.offer_claimed_until = None
