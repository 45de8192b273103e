"""What stakeholder communication needs from outside: one small Protocol per capability.

Senders raise `bot.kernel.outbox.Transient` for what may pass (a rate limit, a 5xx, a 4xx SMTP
reply, a timeout) and `Permanent` for what cannot (a channel the bot is not in, a refused
address); with `retry=True` they first look for what an earlier try whose answer was lost did.
"""

from datetime import datetime
from typing import Protocol

from bot.comms.rules.notes import StakeholderNote
from storage.models import Incident


class StakeholderChat(Protocol):
    """Audiences' chat channels."""

    async def post_note(self, channel: str, note: StakeholderNote, *, key: str, retry: bool) -> str:
        """Post the note in a channel given by name or id; the message's id. A retry finds
        the post an earlier try made (by `key`) instead of posting twice."""
        ...

    def room_url(self, channel_id: str) -> str:
        """A link that opens the incident's room from anywhere (a mail)."""
        ...


class IncidentClocks(Protocol):
    """The incident clocks stakeholder communication moves, inside the incident's transaction
    (the reminder machinery owns them)."""

    def customers_affected(self, incident: Incident, affected: bool, now: datetime) -> bool:
        """Record whether customers are affected; False when that was recorded already."""
        ...

    def stakeholders_told(self, incident: Incident, now: datetime) -> None:
        """A stakeholder update went out: its clock restarts."""
        ...

    def published(self, incident: Incident, status: str, now: datetime) -> None:
        """The status page was updated for the incident."""
        ...
