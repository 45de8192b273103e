"""Offers: an alert group shown with a Declare incident button, posted once and edited in place.

Every change to an offered group writes an `offer.show` effect; those of one group run one at
a time, and the one that runs takes the later ones with it (it shows the group as it is).
"""

from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.alerts.ports import Offers, OfferView, Shown
from bot.incidents.ports import ROOM
from bot.incidents.service import read_alert_summary
from bot.kernel.outbox import Attempt, Outbox, Payload, Permanent
from bot.kernel.transactions import read, run_in_transaction
from storage.models import AlertGroup
from storage.queries import incidents as queries
from storage.queries import places as places_queries


def read_offer(session: Session, group_id: int) -> OfferView | None:
    """The offer view of an alert group, with its incident and that incident's room."""
    group = session.get(AlertGroup, group_id)
    if group is None or group.id is None:
        return None
    incident = (
        queries.get_incident(session, incident_id=group.incident_id) if group.incident_id else None
    )
    room = None
    if incident is not None and incident.id is not None:
        rooms = [
            p
            for p in places_queries.list_places(session, incident_id=incident.id)
            if p.kind == ROOM
        ]
        room = rooms[0].channel_id if rooms else None
    return OfferView(group, read_alert_summary(session, [group]), incident, room)


class OfferService:
    """Carries out `offer.show` effects."""

    def __init__(
        self, engine: Engine, outbox: Outbox, offers: Offers, *, clock: Callable[[], datetime]
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.offers = offers
        self.clock = clock

    def register(self) -> None:
        """Show offers from the outbox."""
        self.outbox.handle("offer.show", self.show, coalesce=_first)

    async def view(self, group_id: int) -> OfferView | None:
        """The offer as it stands."""
        return await read(self.engine, lambda s: read_offer(s, group_id))

    async def show(self, payload: Payload, attempt: Attempt) -> None:
        """Post or edit the offer, and remember where it is."""
        group_id = int(payload["group_id"])
        view = await self.view(group_id)
        if view is None:
            raise Permanent("alert_group_not_found")
        if not view.group.offer_channel_id:
            return  # an offer with nowhere to go (a route that neither declares nor offers)
        shown = await self.offers.show(view, retry=attempt.is_retry)
        await run_in_transaction(self.engine, lambda s: _shown(s, group_id, shown))


def _shown(session: Session, group_id: int, shown: Shown) -> None:
    group = session.get(AlertGroup, group_id)
    if group is not None:
        group.offer_channel_id, group.offer_ts = shown.channel, shown.ts


def _first(first: Payload, _later: Sequence[Payload]) -> Payload:
    """Offers of one group taken together: showing it once, as it is now, covers them all."""
    return first
