"""E-mail subscribers: sign-up with double opt-in, confirmation, one-click unsubscribe.

A sign-up stores the address unconfirmed (or, for an address already confirmed, nothing but
the request) and, in the same transaction, the outbox effect that mails the confirmation link.
The link carries the subscription's nonce and the chosen components, signed, and works for 48
hours; opening it again is harmless. Unsubscribe links carry the subscriber's id, signed, and
never expire: every mail has one. Sign-ups are limited per client and per address.
"""

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.kernel.outbox import Outbox, add_effects, new_effect
from bot.kernel.transactions import read, run_in_transaction
from bot.statuspage.definitions import StatusPageConfig
from bot.statuspage.rules.subscribers import (
    SignupLimits,
    SubscriptionError,
    parse_components,
    parse_email,
    signup_refusal,
)
from bot.statuspage.subscribers_ports import BadLink, ExpiredLink, LinkSigner
from storage.models.statuspage_subscribers import StatusSubscriber
from storage.queries import statuspage_subscribers as queries

log = logging.getLogger(__name__)
CONFIRM_MAIL = "statuspage.confirm_mail"
CONFIRM_MAX_AGE = timedelta(hours=48)
CONFIRM, UNSUBSCRIBE = "statuspage.confirm", "statuspage.unsubscribe"  # what a token is for
KEY_NAME = "subscription-links"


class SignupRefused(Exception):
    """A sign-up not taken: `status` is 400 (bad input), 429 (too many) or 503 (mail is off);
    the message is one line saying why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class LinkRefused(Exception):
    """A confirmation or unsubscribe link that cannot be used; one line saying why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LinkOutcome(StrEnum):
    """What opening a link did."""

    CONFIRMED = "confirmed"
    ALREADY_CONFIRMED = "already_confirmed"
    UNSUBSCRIBED = "unsubscribed"
    ALREADY_UNSUBSCRIBED = "already_unsubscribed"


@dataclass(frozen=True)
class Signup:
    """A sign-up taken: the confirmation mail is on its way to `email`."""

    email: str
    components: tuple[str, ...]


def stream_of(subscriber_id: int) -> str:
    """The outbox stream of one subscriber's mails: they go out one at a time, in order."""
    return f"statuspage.subscriber:{subscriber_id}"


class SubscriberService:
    """Sign-ups, confirmations, unsubscriptions, and the links in the mails."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        config: StatusPageConfig,
        signer: LinkSigner,
        *,
        public_url: str,
        clock: Callable[[], datetime],
        mail_enabled: bool = True,
        limits: SignupLimits | None = None,
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.config = config
        self.signer = signer
        self.public_url = public_url.rstrip("/")
        self.clock = clock
        self.mail_enabled = mail_enabled
        self.limits = limits or SignupLimits()
        self._key: str | None = None

    # -- signing up ----------------------------------------------------------------------------

    async def subscribe(self, email: str, components: Sequence[str], *, client: str) -> Signup:
        """Take a sign-up from `client` (its IP address); `SignupRefused` saying why not."""
        if not self.mail_enabled:
            raise SignupRefused(503, "e-mail subscriptions are off on this status page")
        try:
            address = parse_email(email)
            chosen = parse_components(components, [c.name for c in self.config.components])
        except SubscriptionError as bad:
            raise SignupRefused(400, str(bad)) from None
        for tries_left in (1, 0):
            try:
                await run_in_transaction(
                    self.engine, lambda s: self._sign_up(s, address, chosen, client[:64])
                )
                break
            except IntegrityError:
                if not tries_left:  # two sign-ups of one new address at once: the loser retries
                    raise
        self.outbox.kick()
        return Signup(address, chosen)

    def _sign_up(self, session: Session, email: str, chosen: tuple[str, ...], client: str) -> None:
        now = self.clock()
        limits = self.limits
        queries.delete_signups_before(
            session, before=now - max(limits.client_window, limits.address_window)
        )
        refusal = signup_refusal(
            queries.count_signups_from(session, ip=client, since=now - limits.client_window),
            queries.count_mails_to(session, email=email, since=now - limits.address_window),
            limits,
        )
        if refusal is not None:
            raise SignupRefused(429, refusal)
        subscriber = queries.get_subscriber_by_email(session, email=email)
        if subscriber is None:
            subscriber = StatusSubscriber(email=email, nonce=secrets.token_hex(8), created_at=now)
        elif subscriber.unsubscribed_at is not None:
            # A fresh subscription: links to the old one no longer confirm it.
            subscriber.nonce, subscriber.created_at = secrets.token_hex(8), now
            subscriber.confirmed_at = subscriber.unsubscribed_at = None
        if subscriber.confirmed_at is None:
            subscriber.components = list(chosen)
        # A confirmed subscriber's components change only when the new link is opened.
        subscriber = queries.add_subscriber(session, subscriber=subscriber)
        assert subscriber.id is not None
        signup = queries.add_signup(session, ip=client, email=email, mailed=True, at=now)
        payload = {
            "subscriber_id": subscriber.id,
            "nonce": subscriber.nonce,
            "components": list(chosen),
        }
        effect = new_effect(
            CONFIRM_MAIL,
            key=f"{CONFIRM_MAIL}:{signup}",
            stream=stream_of(subscriber.id),
            payload=payload,
            now=now,
        )
        add_effects(session, [effect])

    # -- links ---------------------------------------------------------------------------------

    async def confirm(self, token: str) -> LinkOutcome:
        """Confirm the subscription a confirmation link names; `LinkRefused` saying why not."""
        claims = await self._claims(token, CONFIRM, CONFIRM_MAX_AGE)
        try:
            subscriber_id, nonce = int(claims["s"]), str(claims["n"])
            components = [str(c) for c in claims.get("c", [])]
        except (KeyError, TypeError, ValueError):
            raise LinkRefused("this is not a confirmation link from our mails") from None
        now = self.clock()

        def work(session: Session) -> LinkOutcome:
            subscriber = queries.get_subscriber(session, subscriber_id=subscriber_id)
            if subscriber is None:
                raise LinkRefused("this subscription no longer exists; sign up again")
            if subscriber.unsubscribed_at is not None:
                raise LinkRefused("this address unsubscribed since; sign up again to subscribe")
            if subscriber.nonce != nonce:
                raise LinkRefused("this link is from an earlier sign-up; use the newest mail")
            already = subscriber.confirmed_at is not None and subscriber.components == components
            queries.confirm_subscriber(
                session, subscriber_id=subscriber_id, nonce=nonce, components=components, now=now
            )
            return LinkOutcome.ALREADY_CONFIRMED if already else LinkOutcome.CONFIRMED

        return await run_in_transaction(self.engine, work)

    async def unsubscribing(self, token: str) -> tuple[str, bool]:
        """The address an unsubscribe link names, and whether it is unsubscribed already."""
        subscriber_id = await self._unsubscribe_claim(token)
        found = await read(
            self.engine, lambda s: queries.get_subscriber(s, subscriber_id=subscriber_id)
        )
        if found is None:
            raise LinkRefused("this subscription no longer exists")
        return found.email, found.unsubscribed_at is not None

    async def unsubscribe(self, token: str) -> LinkOutcome:
        """End the subscription an unsubscribe link names; again is harmless."""
        subscriber_id = await self._unsubscribe_claim(token)
        now = self.clock()

        def work(session: Session) -> LinkOutcome:
            if queries.unsubscribe_subscriber(session, subscriber_id=subscriber_id, now=now):
                return LinkOutcome.UNSUBSCRIBED
            if queries.get_subscriber(session, subscriber_id=subscriber_id) is None:
                raise LinkRefused("this subscription no longer exists")
            return LinkOutcome.ALREADY_UNSUBSCRIBED

        return await run_in_transaction(self.engine, work)

    async def confirm_url(self, subscriber_id: int, nonce: str, components: Sequence[str]) -> str:
        """The link confirming a sign-up, signed now."""
        claims = {"s": subscriber_id, "n": nonce, "c": list(components)}
        return await self._url("/status/confirm", claims, CONFIRM)

    async def unsubscribe_url(self, subscriber_id: int) -> str:
        """The link unsubscribing a subscriber (it never expires)."""
        return await self._url("/status/unsubscribe", {"s": subscriber_id}, UNSUBSCRIBE)

    async def _url(self, path: str, claims: dict[str, Any], purpose: str) -> str:
        key = await self.link_key()
        token = self.signer.sign(claims, key=key, purpose=purpose, now=self.clock())
        return f"{self.public_url}{path}?token={quote(token, safe='')}"

    async def _unsubscribe_claim(self, token: str) -> int:
        claims = await self._claims(token, UNSUBSCRIBE, None)
        try:
            return int(claims["s"])
        except (KeyError, TypeError, ValueError):
            raise LinkRefused("this is not an unsubscribe link from our mails") from None

    async def _claims(self, token: str, purpose: str, max_age: timedelta | None) -> dict[str, Any]:
        what = "confirmation" if purpose == CONFIRM else "unsubscribe"
        if not token.strip():
            raise LinkRefused(f"the {what} link has no token; open the link from the mail whole")
        key = await self.link_key()
        try:
            return self.signer.read(
                token.strip(), key=key, purpose=purpose, max_age=max_age, now=self.clock()
            )
        except ExpiredLink:
            raise LinkRefused(
                f"this {what} link has expired (it worked for 48 hours); sign up again"
            ) from None
        except BadLink:
            raise LinkRefused(
                f"this is not a {what} link from our mails (was it cut short?)"
            ) from None

    async def link_key(self) -> str:
        """The secret signing the links: made on first use, then kept in the database."""
        if self._key is None:
            try:
                self._key = await run_in_transaction(self.engine, self._load_or_make_key)
            except IntegrityError:  # another process made it at the same instant: use theirs
                self._key = await run_in_transaction(self.engine, self._load_or_make_key)
        return self._key

    def _load_or_make_key(self, session: Session) -> str:
        key = queries.get_link_key(session, name=KEY_NAME)
        if key is None:
            key = secrets.token_urlsafe(48)
            queries.add_link_key(session, name=KEY_NAME, value=key, now=self.clock())
        return key
