"""What the alert use cases need from the outside, one small protocol per capability.

As with the incident ports, a method raises `bot.kernel.outbox.Transient` for what may work
later and `Permanent` for what will not, and is safe to repeat after a lost answer.
"""

from dataclasses import dataclass
from typing import Protocol

from bot.incidents.ports import AlertSummary, IncidentSnapshot
from storage.models import AlertGroup, Incident


@dataclass(frozen=True)
class OfferView:
    """An offer to declare: the alert group, its alerts, and the incident once declared."""

    group: AlertGroup
    alerts: AlertSummary
    incident: Incident | None = None
    incident_room: str | None = None  # the declared incident's channel, to link to


@dataclass(frozen=True)
class Shown:
    """Where a message ended up: its channel id and ts."""

    channel: str
    ts: str


class Offers(Protocol):
    """Offers: an alert shown with a Declare incident button, edited in place."""

    async def show(self, view: OfferView, *, retry: bool) -> Shown:
        """Post the offer (when `group.offer_ts` is empty) or edit it; where it is now.

        It goes to `group.offer_channel_id`, in the thread `group.offer_thread_ts` if set.
        """
        ...


class AlertNotices(Protocol):
    """Telling an incident's room that its alerts resolved."""

    async def all_resolved(self, snapshot: IncidentSnapshot, *, retry: bool) -> None:
        """Say every alert resolved, with a Mark resolved button (once per resolution)."""
        ...
