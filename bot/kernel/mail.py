"""E-mail as every feature sends it: a rendered mail, and the one capability that sends it (the
SMTP adapter in `bot/email` implements it). Shared, so paging, the status page and stakeholder
updates hand the same mail to the same sender.

A sender raises `bot.kernel.effects.Transient` for what may pass (a 4xx reply, a dropped
connection, a timeout) and `Permanent` for what cannot (a 5xx reply, a refused address).
"""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Delivered:
    """What a vendor said of one message: its id there, and a few words."""

    provider_id: str
    detail: str = ""


@dataclass(frozen=True)
class Mail:
    """One e-mail, rendered: plain text always, HTML optionally."""

    to: str
    subject: str
    text: str
    message_id: str  # stable per message: a retry sends the same Message-ID
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Mailer(Protocol):
    """E-mail over SMTP."""

    async def send_mail(self, mail: Mail, *, retry: bool) -> Delivered:
        """Send one mail; the Message-ID makes a repeat recognisable to the reader's client."""
        ...
