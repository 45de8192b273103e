"""How people are reached, and how they answer from outside Slack: their own contact methods
(`/oncall contact`), a test page to every method, and acknowledgements by SMS reply or by a
key pressed on a call (both arrive through the durable inbox)."""

import re
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.errors import DomainError, InvalidInput
from bot.kernel.inbox import Inbox
from bot.kernel.outbox import Outbox, add_effects
from bot.kernel.transactions import read, run_in_transaction
from bot.paging.climb import notify_effect
from bot.paging.config_fields import PersonEntry
from bot.paging.contacts import Contacts
from bot.paging.definitions import ContactDef, ContactRule, Method
from bot.paging.ports import SmsSender
from bot.paging.service import PagingService
from storage.models import Notification
from storage.queries import paging as queries

SMS_REPLY, VOICE_KEYPRESS = "paging.sms_reply", "paging.voice_keypress"
_ACK = re.compile(r"\s*(?:ack|acknowledge)\b\s*#?\s*(\d+)?\s*\.?\s*", re.IGNORECASE)
_FIELDS = {"phone": "phone", "email": "email"}


class Reach:
    """Contact methods, test pages, and answers from outside Slack."""

    def __init__(
        self,
        engine: Engine,
        paging: PagingService,
        outbox: Outbox,
        *,
        clock: Callable[[], datetime],
        sms: SmsSender | None = None,
    ) -> None:
        self.engine = engine
        self.paging = paging
        self.outbox = outbox
        self.clock = clock
        self.sms = sms
        self.contacts: Contacts = paging.contacts

    def register(self, inbox: Inbox) -> None:
        """Take SMS replies and keypresses from the inbox."""
        inbox.handle(SMS_REPLY, self.sms_reply)
        inbox.handle(VOICE_KEYPRESS, self.voice_keypress)

    # -- contact methods -------------------------------------------------------------------

    async def contact_of(self, user: str) -> ContactDef | None:
        """A person's contact methods: their own, else `warroom.yml`'s."""
        return await read(self.engine, lambda s: self.contacts.lookup(s, user))

    async def set_contact(
        self,
        user: str,
        *,
        phone: str | None,
        email: str | None,
        rules: Sequence[tuple[Method, timedelta]],
        by: str,
    ) -> ContactDef:
        """Keep a person's own contact methods; InvalidInput names the field that is wrong."""
        contact = check_contact(user, phone, email, rules)
        now = self.clock()
        await run_in_transaction(
            self.engine, lambda s: self.contacts.save(s, contact, by=by, now=now)
        )
        return contact

    async def test_page(self, user: str) -> list[str]:
        """A test notification to every method of the person, now; each result follows by
        DM. The methods tried, in order."""
        contact = await self.contact_of(user)
        methods = [(Method.SLACK, "")]
        if contact is not None and contact.phone:
            methods += [(Method.SMS, contact.phone), (Method.VOICE, contact.phone)]
        if contact is not None and contact.email:
            methods.append((Method.EMAIL, contact.email))

        def work(session: Session) -> None:
            now = self.clock()
            rows = [
                Notification(
                    target=user,
                    method=method,
                    purpose="test",
                    address=address,
                    state=queries.PENDING,
                    due_at=now,
                    created_at=now,
                )
                for method, address in methods
            ]
            session.add_all(rows)
            session.flush()
            add_effects(session, [notify_effect(row, now) for row in rows])

        await run_in_transaction(self.engine, work)
        self.outbox.kick()
        return [f"{method.value} {address}".strip() for method, address in methods]

    # -- answers from outside Slack -----------------------------------------------------------

    async def sms_reply(self, payload: dict[str, object]) -> None:
        """`ack 42` (or `ack` alone: every page climbing that texted this number) from a known
        number acknowledges; anything else is left, and logged by the inbox."""
        phone, body = str(payload.get("from", "")), str(payload.get("body", ""))
        matched = _ACK.fullmatch(body)
        if matched is None:
            return
        user = await read(self.engine, lambda s: self.contacts.user_by_phone(s, phone))
        if user is None:
            return
        codes = [int(matched.group(1))] if matched.group(1) else await self._texted(phone)
        for code in codes:
            try:
                await self.paging.acknowledge(code, user, via="sms")
            except DomainError:
                continue  # no such page: nothing to acknowledge

    async def _texted(self, phone: str) -> list[int]:
        def find(session: Session) -> list[int]:
            found = queries.list_texted_escalations(session, phone=phone)
            return [e.id for e in found if e.id is not None]

        return await read(self.engine, find)

    async def voice_keypress(self, payload: dict[str, object]) -> None:
        """1 pressed on a page's call acknowledges it for the person called."""
        if str(payload.get("digits", "")) != "1":
            return
        query = payload.get("query")
        raw = query.get("n") if isinstance(query, dict) else None
        if raw is None or not str(raw).isdigit():
            return
        notification = await read(self.engine, lambda s: s.get(Notification, int(str(raw))))
        if notification is None or notification.escalation_id is None:
            return
        await self.paging.acknowledge(notification.escalation_id, notification.target, via="voice")


def check_contact(
    user: str,
    phone: str | None,
    email: str | None,
    rules: Sequence[tuple[Method, timedelta]],
) -> ContactDef:
    """The contact methods as given, checked: E.164 phone, e-mail shape, each rule's address
    present, no negative delay. InvalidInput names the field."""
    phone, email = (phone or "").strip() or None, (email or "").strip() or None
    try:
        PersonEntry(user=user, phone=phone, email=email)
    except ValidationError as problem:
        error = problem.errors()[0]
        where = str(error["loc"][0]) if error["loc"] else "phone"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise InvalidInput(message, field=_FIELDS.get(where, "phone")) from None
    checked = []
    for method, after in rules:
        needed = email if method == Method.EMAIL else phone
        if needed is None:
            field = "email" if method == Method.EMAIL else "phone"
            raise InvalidInput(f"{method.value} needs a {_NAMES[field]}.", field=field)
        if after < timedelta(0):
            raise InvalidInput("A delay cannot be negative.", field=f"{method.value}_after")
        checked.append(ContactRule(method, after))
    return ContactDef(user=user, phone=phone, email=email, rules=tuple(checked))


_NAMES = {"email": "an e-mail address", "phone": "phone number"}
