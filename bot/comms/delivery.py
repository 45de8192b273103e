"""Carrying out stakeholder updates: each effect posts in one audience's channel or mails one
address, once; one given up on is written on the incident's timeline.

A retry after a lost answer finds the post the earlier try made (by its key); a mail sent twice
carries the same Message-ID, so the reader's client shows one message.
"""

import logging
from datetime import datetime

from sqlmodel import Session

from bot.comms.mail import mail_of
from bot.comms.ports import StakeholderChat
from bot.comms.rules.notes import StakeholderNote
from bot.comms.service import MAIL, POST, CommsService
from bot.kernel.errors import IncidentNotFound
from bot.kernel.mail import Mailer
from bot.kernel.outbox import Attempt, Payload, Permanent
from storage.enums import EventKind
from storage.models import Incident, TimelineEvent

log = logging.getLogger(__name__)


class StakeholderDelivery:
    """Posts and mails stakeholder updates."""

    def __init__(
        self, comms: CommsService, chat: StakeholderChat | None, mailer: Mailer | None
    ) -> None:
        self.comms = comms
        self.chat = chat
        self.mailer = mailer

    def register(self) -> None:
        """Post and mail from the outbox."""
        self.comms.outbox.handle(POST, self.post, on_give_up=self.gave_up)
        self.comms.outbox.handle(MAIL, self.mail, on_give_up=self.gave_up)

    async def post(self, payload: Payload, attempt: Attempt) -> None:
        """Post the note in the audience's channel."""
        if self.chat is None:
            raise Permanent("chat is not set up")
        note = StakeholderNote.from_payload(payload["note"])
        channel = str(payload["channel"])
        await self.chat.post_note(channel, note, key=attempt.key, retry=attempt.is_retry)

    async def mail(self, payload: Payload, attempt: Attempt) -> None:
        """Mail the note to one of the audience's addresses."""
        if self.mailer is None:
            raise Permanent("e-mail is not set up (WARROOM_SMTP_URL, WARROOM_MAIL_FROM)")
        note = StakeholderNote.from_payload(payload["note"])
        mail = mail_of(
            note,
            audience=str(payload["audience"]),
            address=str(payload["address"]),
            key=attempt.key,
        )
        await self.mailer.send_mail(mail, retry=attempt.is_retry)

    async def gave_up(self, payload: Payload, error: str) -> None:
        """Say on the incident's timeline which audience an update did not reach, and why."""
        where = payload.get("channel") or payload.get("address") or "?"
        text = f"Stakeholder update not delivered to {payload.get('audience')} ({where}): {error}"

        def work(session: Session, incident: Incident, now: datetime) -> bool:
            session.add(
                TimelineEvent(
                    incident_id=incident.id or 0,
                    kind=EventKind.STAKEHOLDER_UPDATE,
                    text=text[:2000],
                    occurred_at=now,
                )
            )
            return False  # the status block does not show it

        try:
            await self.comms.incidents.change(int(payload["incident_id"]), work)
        except IncidentNotFound:
            log.warning("%s (the incident is gone)", text)
