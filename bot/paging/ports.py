"""What the paging feature needs from outside: one small Protocol per capability.

Senders raise `bot.kernel.outbox.Transient` for what may pass (429, 5xx, timeouts, dropped
connections) and `Permanent` for what cannot (a refused number, a bad address); with
`retry=True` they first look for what an earlier try whose answer was lost already did, never
taking one of `not_ours` (what other notifications are known to have sent).
"""

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol

from bot.incidents.ports import IncidentSnapshot
from bot.kernel.mail import Delivered, Mail, Mailer


class SmsSender(Protocol):
    """Text messages (Twilio's Messages API)."""

    async def send_sms(
        self, to: str, body: str, *, retry: bool, not_ours: Collection[str] = frozenset()
    ) -> Delivered:
        """Send `body` to the E.164 number `to`; on a retry, adopt the same message if sent."""
        ...


class VoiceCaller(Protocol):
    """Phone calls that read a text and take a keypress (Twilio's Calls API)."""

    async def call(
        self,
        to: str,
        say: str,
        *,
        gather_url: str | None,
        retry: bool,
        not_ours: Collection[str] = frozenset(),
    ) -> Delivered:
        """Call `to`, say `say`; with `gather_url`, a keypress is posted there."""
        ...


@dataclass(frozen=True)
class Shown:
    """Where a chat message went: its channel and ts."""

    channel: str
    ts: str


@dataclass(frozen=True)
class PageView:
    """What a page shows: the incident, which page and level, why, and who acknowledged."""

    snapshot: IncidentSnapshot
    escalation_id: int
    level: int  # 1 for the first level
    reason: str
    message: str = ""
    acknowledged_by: tuple[str, ...] = ()
    can_escalate: bool = True  # a further level (or repeat) is left


class ChatPages(Protocol):
    """Pages in the chat workspace: DMs with Acknowledge and Escalate now, edited in place."""

    async def send_page(
        self, notification_id: int, target: str, view: PageView, *, retry: bool
    ) -> list[Shown]:
        """DM the target (each member of a user group; a `channel:<name>` gets a post)."""
        ...

    async def show_acknowledged(self, messages: list[Shown], view: PageView) -> None:
        """Edit each page DM to say who acknowledged; one that cannot be edited is skipped."""
        ...

    async def tell_incident(
        self, snapshot: IncidentSnapshot, text: str, *, key: str, retry: bool
    ) -> None:
        """One post in the incident's channel and one in its digest thread (plain text)."""
        ...

    async def tell_person(self, user: str, text: str, *, key: str, retry: bool) -> Shown:
        """One DM to a person (plain text): a test page, its results."""
        ...


__all__ = [
    "ChatPages",
    "Delivered",
    "Mail",
    "Mailer",
    "PageView",
    "Shown",
    "SmsSender",
    "VoiceCaller",
]
