"""Delivering notifications: each one's effect sends it by its method when it is due, unless the
page was acknowledged or its incident ended meanwhile, and stores what the vendor said.

A notification is sent at most once as far as this database knows (its state moves from
pending exactly once); where a vendor's answer may be lost, the sender adopts what it already
did on a retry (the Slack DM by its metadata, the SMS by its body, the mail by its Message-ID).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.kernel.outbox import Attempt, Outbox, Payload, Permanent, add_effects, new_effect
from bot.kernel.transactions import read, run_in_transaction
from bot.paging.climb import ACKNOWLEDGED, DONE, ENDED, NOTIFY
from bot.paging.definitions import Method
from bot.paging.messages import mail_of, result_text, sms_text, test_text, voice_text
from bot.paging.ports import ChatPages, Delivered, Mailer, PageView, SmsSender, VoiceCaller
from bot.paging.service import SHOW_ACK
from bot.paging.views import load_view
from storage.models import Escalation, Incident, Notification
from storage.queries import paging as queries

log = logging.getLogger(__name__)
TELL_PERSON = "paging.tell_person"
OTHERS_LOOKED_AT = 200  # as many as a sender's look-back reads at the vendor, and more
S = TypeVar("S")


@dataclass(frozen=True)
class Senders:
    """The ways beyond Slack; None where it is not set up (such notifications fail, saying so)."""

    sms: SmsSender | None = None
    voice: VoiceCaller | None = None
    mail: Mailer | None = None


class Delivery:
    """Sends notifications when due, and records each result."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        chat: ChatPages,
        senders: Senders,
        *,
        public_url: str,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.chat = chat
        self.senders = senders
        self.public_url = public_url.rstrip("/")
        self.clock = clock

    def register(self) -> None:
        """Send notifications and tell people results, from the outbox."""
        self.outbox.handle(NOTIFY, self.notify, on_give_up=self.gave_up)
        self.outbox.handle(TELL_PERSON, self.tell_person)

    async def notify(self, payload: Payload, attempt: Attempt) -> None:
        """Send one notification, unless it is no longer wanted."""
        notification_id = int(payload["notification_id"])
        loaded = await read(self.engine, lambda s: _load(s, notification_id))
        if loaded is None:
            raise Permanent("notification_not_found")
        notification, view, stop = loaded
        if notification.state != queries.PENDING:
            return  # sent (an answer lost after the commit), failed or cancelled already
        if stop:
            await self._finish(notification_id, queries.CANCELLED, detail=stop)
            return
        try:
            delivered, shown = await self._send(notification, view, retry=attempt.is_retry)
        except Permanent as refused:
            await self._finish(notification_id, queries.FAILED, detail=refused.error)
            raise
        await self._finish(
            notification_id,
            queries.SENT,
            provider_id=delivered.provider_id,
            detail=delivered.detail,
            messages=shown,
        )

    async def gave_up(self, payload: Payload, error: str) -> None:
        """The outbox stopped retrying a notification (a vendor down for its whole retry
        time): it failed, and says why, instead of staying pending."""
        await self._finish(int(payload["notification_id"]), queries.FAILED, detail=error)

    async def _send(
        self, notification: Notification, view: PageView | None, *, retry: bool
    ) -> tuple[Delivered, list[list[str]]]:
        method, nid = Method(notification.method), notification.id or 0
        test = notification.purpose == "test"
        if method == Method.SLACK:
            if test:
                text = test_text(Method.SLACK, None)
                dm = await self.chat.tell_person(
                    notification.target, text, key=f"test:{nid}", retry=retry
                )
                return Delivered(dm.ts, "DM"), [[dm.channel, dm.ts]]
            if view is None:
                raise Permanent("page_not_found")
            shown = await self.chat.send_page(nid, notification.target, view, retry=retry)
            return Delivered(shown[0].ts, f"{len(shown)} DM"), [[s.channel, s.ts] for s in shown]
        if not notification.address:
            raise Permanent(f"no {method.value} address for @{notification.target}")
        return await self._send_outside(method, notification, view, retry=retry), []

    async def _send_outside(
        self, method: Method, notification: Notification, view: PageView | None, *, retry: bool
    ) -> Delivered:
        nid, test = notification.id or 0, notification.purpose == "test"
        if view is None and not test:
            raise Permanent("page_not_found")
        others = Others()
        if retry and method in (Method.SMS, Method.VOICE):
            now = self.clock()
            others = await read(self.engine, lambda s: _others(s, notification, now))
        if method == Method.SMS:
            sms = self._needs(self.senders.sms, "SMS is not set up (TWILIO_ACCOUNT_SID)")
            body = test_text(method, nid) if view is None else sms_text(view)
            return await sms.send_sms(notification.address, body, retry=retry, not_ours=others.sent)
        if method == Method.VOICE:
            voice = self._needs(self.senders.voice, "voice is not set up (TWILIO_ACCOUNT_SID)")
            say = test_text(method, nid) if view is None else voice_text(view)
            gather = None if view is None else f"{self.public_url}/webhooks/twilio/voice?n={nid}"
            # A call says nothing of what it is for: while another call to the number may be
            # on its way, a call found there may be that one. Calling twice beats not at all.
            adopt = retry and not others.on_their_way
            return await voice.call(
                notification.address, say, gather_url=gather, retry=adopt, not_ours=others.sent
            )
        mail = self._needs(self.senders.mail, "e-mail is not set up (WARROOM_SMTP_URL)")
        return await mail.send_mail(mail_of(notification, view), retry=retry)

    @staticmethod
    def _needs(sender: S | None, why: str) -> S:
        if sender is None:
            raise Permanent(why)
        return sender

    async def _finish(self, notification_id: int, state: str, **values: object) -> None:
        """Record the result; a test's result is told to the person who asked for it."""

        def work(session: Session) -> None:
            notification = session.get(Notification, notification_id)
            if notification is None:
                return
            # Acknowledged while it was on its way: it went all the same, and says so.
            late = notification.state == queries.CANCELLED and state == queries.SENT
            if notification.state != queries.PENDING and not late:
                return
            notification.state = state
            for name, value in values.items():
                setattr(notification, name, str(value)[:300] if name == "detail" else value)
            now = self.clock()
            if state == queries.SENT:
                notification.sent_at = now
            add_effects(session, _told(notification, late=late, now=now))

        await run_in_transaction(self.engine, work)
        self.outbox.kick()

    async def tell_person(self, payload: Payload, attempt: Attempt) -> None:
        """DM a person a line (a test page's result)."""
        key = f"tell:{attempt.key}"
        await self.chat.tell_person(
            str(payload["user"]), str(payload["text"]), key=key, retry=attempt.is_retry
        )


def _told(notification: Notification, *, late: bool, now: datetime) -> list[dict[str, Any]]:
    """What follows a result: a test's is told to its person; a page DM that went out after
    the page was acknowledged is edited to say so, like the others were."""
    nid = notification.id
    if notification.purpose == "test":
        payload: Payload = {"user": notification.target, "text": result_text(notification)}
        key = f"test-result:{nid}"
        return [new_effect(TELL_PERSON, key=key, stream=key, payload=payload, now=now)]
    if late and notification.method == Method.SLACK and notification.escalation_id is not None:
        key = f"page.acknowledged:late:{nid}"
        payload = {"escalation_id": notification.escalation_id}
        stream = f"page-messages:{notification.escalation_id}"
        return [new_effect(SHOW_ACK, key=key, stream=stream, payload=payload, now=now)]
    return []


@dataclass(frozen=True)
class Others:
    """Other notifications to the same address by the same method: what they are known to
    have sent (by its vendor id), and whether one may be being sent right now."""

    sent: frozenset[str] = frozenset()
    on_their_way: bool = False


def _others(session: Session, notification: Notification, now: datetime) -> Others:
    query = (
        select(Notification)
        .where(
            Notification.method == notification.method,
            Notification.address == notification.address,
            Notification.id != notification.id,
        )
        .order_by(col(Notification.id).desc())
        .limit(OTHERS_LOOKED_AT)
    )
    rows = session.exec(query).all()
    sent = frozenset(row.provider_id for row in rows if row.provider_id)
    on_their_way = any(
        row.state == queries.PENDING and not row.provider_id and (row.due_at or now) <= now
        for row in rows
    )
    return Others(sent, on_their_way)


def _load(
    session: Session, notification_id: int
) -> tuple[Notification, PageView | None, str | None] | None:
    """The notification, its page's view, and why it must not be sent (None: send it).

    The view (the incident's whole snapshot) is read only for a notification about to be
    sent: the effects of notifications an acknowledgement cancelled still come due, and a
    burst of acknowledgements is followed by a burst of them."""
    notification = session.get(Notification, notification_id)
    if notification is None:
        return None
    if notification.escalation_id is None or notification.state != queries.PENDING:
        return notification, None, None
    escalation = session.get(Escalation, notification.escalation_id)
    if escalation is None:
        return notification, None, "the page is gone"
    if escalation.state == ACKNOWLEDGED:
        return notification, None, f"acknowledged by @{escalation.acknowledged_by}"
    incident = session.get(Incident, escalation.incident_id)
    if escalation.state == ENDED or incident is None or incident.status in DONE:
        return notification, None, "the incident was resolved"
    view = load_view(session, notification.escalation_id)
    if view is None:
        return notification, None, "the page is gone"
    return notification, view, None
