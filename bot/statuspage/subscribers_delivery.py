"""Telling subscribers: the fan-out of each publication into one outbox effect per subscriber
(`statuspage.mail`) and per webhook (`statuspage.webhook`), and the mails themselves.

The fan-out writes every effect in one transaction, each keyed by the publication and the
subscriber, so a fan-out run again after a crash adds nothing twice; each mail is then its own
effect, retried with backoff on its own, and marked done once sent. A subscriber who
unsubscribes before their mail goes out is not mailed.
"""

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.kernel.mail import Mailer
from bot.kernel.outbox import Attempt, Outbox, Payload, Permanent, add_effects, new_effect
from bot.kernel.transactions import read, run_in_transaction
from bot.statuspage.rules.subscribers import follows
from bot.statuspage.subscribers import CONFIRM_MAIL, SubscriberService, stream_of
from bot.statuspage.subscribers_mail import MailRenderer
from bot.statuspage.subscribers_ports import Publications, PublicationView
from bot.statuspage.subscribers_webhooks import WEBHOOK, webhook_stream
from storage.queries import statuspage_subscribers as queries

log = logging.getLogger(__name__)
PUBLISHED = "statuspage.published"
MAIL = "statuspage.mail"
CHUNK = 500  # effects written per insert: well under SQLite's limit on bound parameters
VIEW_TTL = timedelta(seconds=30)  # one publication is read once for its many mails


def event_key(payload: Mapping[str, Any]) -> str:
    """What a `statuspage.published` payload names, as a key part: `update:12` or
    `maintenance:3:started`; `Permanent` for a payload naming neither."""
    try:
        if "update_id" in payload:
            return f"update:{int(payload['update_id'])}"
        if "maintenance_id" in payload:
            phase = str(payload["phase"])
            if not phase.replace("_", "").isalnum():
                raise ValueError(phase)
            return f"maintenance:{int(payload['maintenance_id'])}:{phase}"
    except (KeyError, TypeError, ValueError):
        pass
    raise Permanent(f"a publication names no update or maintenance phase: {dict(payload)!r}"[:200])


class SubscriberDelivery:
    """Fans publications out to subscribers and mails them."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox,
        subscribers: SubscriberService,
        publications: Publications,
        renderer: MailRenderer,
        mailer: Mailer | None,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.subscribers = subscribers
        self.publications = publications
        self.renderer = renderer
        self.mailer = mailer
        self.clock = clock
        self._views: dict[str, tuple[datetime, PublicationView | None]] = {}

    def register(self) -> None:
        """Carry out the fan-out and the mails through the outbox."""
        self.outbox.handle(PUBLISHED, self.fan_out)
        self.outbox.handle(MAIL, self.send_publication)
        self.outbox.handle(CONFIRM_MAIL, self.send_confirmation)

    async def fan_out(self, payload: Payload, _attempt: Attempt) -> None:
        """One effect per confirmed subscriber and per webhook following what a publication
        is about."""
        event = event_key(payload)
        view = await self.view(payload)
        if view is None:
            log.warning("publication %s is gone; nobody is told of it", event)
            return
        affected = list(view.affected) or [component.name for component in view.components]
        counts = await run_in_transaction(
            self.engine, lambda s: self._write_fan_out(s, event, dict(payload), affected)
        )
        log.info("publication %s: %d mails, %d webhook posts", event, *counts)
        self.outbox.kick()

    def _write_fan_out(
        self, session: Session, event: str, payload: Payload, affected: list[str]
    ) -> tuple[int, int]:
        now = self.clock()
        mails = []
        if self.mailer is not None:
            for subscriber_id, chosen in queries.list_recipients(session):
                if follows(chosen, affected):
                    mails.append(
                        new_effect(
                            MAIL,
                            key=f"{MAIL}:{event}:{subscriber_id}",
                            stream=stream_of(subscriber_id),
                            payload={"subscriber_id": subscriber_id, "event": payload},
                            now=now,
                        )
                    )
        posts = [
            new_effect(
                WEBHOOK,
                key=f"{WEBHOOK}:{event}:{hook.id}",
                stream=webhook_stream(hook.id),
                payload={"webhook_id": hook.id, "event": payload},
                now=now,
            )
            for hook in queries.list_webhooks(session, active_only=True)
            if hook.id is not None and follows(hook.components, affected)
        ]
        effects = mails + posts
        for start in range(0, len(effects), CHUNK):
            add_effects(session, effects[start : start + CHUNK])
        return len(mails), len(posts)

    async def send_publication(self, payload: Payload, attempt: Attempt) -> None:
        """Mail one subscriber of one publication, unless they left since the fan-out."""
        mailer = self._mailer()
        subscriber_id = int(payload["subscriber_id"])
        subscriber = await read(
            self.engine, lambda s: queries.get_subscriber(s, subscriber_id=subscriber_id)
        )
        if subscriber is None or subscriber.confirmed_at is None or subscriber.unsubscribed_at:
            return
        event = payload["event"]
        view = await self.view(event)
        if view is None:
            raise Permanent(f"publication {event_key(event)} is gone")
        mail = self.renderer.publication(
            to=subscriber.email,
            view=view,
            unsubscribe_url=await self.subscribers.unsubscribe_url(subscriber_id),
            key=f"{view.event}.{subscriber_id}",
        )
        await mailer.send_mail(mail, retry=attempt.is_retry)

    async def send_confirmation(self, payload: Payload, attempt: Attempt) -> None:
        """Mail the link confirming a sign-up, unless the subscription changed since."""
        mailer = self._mailer()
        subscriber_id, nonce = int(payload["subscriber_id"]), str(payload["nonce"])
        components = [str(c) for c in payload.get("components", [])]
        subscriber = await read(
            self.engine, lambda s: queries.get_subscriber(s, subscriber_id=subscriber_id)
        )
        if subscriber is None or subscriber.nonce != nonce or subscriber.unsubscribed_at:
            return
        mail = self.renderer.confirmation(
            to=subscriber.email,
            confirm_url=await self.subscribers.confirm_url(subscriber_id, nonce, components),
            unsubscribe_url=await self.subscribers.unsubscribe_url(subscriber_id),
            components=components,
            key=attempt.key.replace(":", "."),
        )
        await mailer.send_mail(mail, retry=attempt.is_retry)

    async def view(self, event: Mapping[str, Any]) -> PublicationView | None:
        """The publication an event names, read once for the many mails that tell of it."""
        key, now = event_key(event), self.clock()
        cached = self._views.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        view = await self.publications.publication(event)
        if len(self._views) > 64:
            self._views = {k: v for k, v in self._views.items() if v[0] > now}
        self._views[key] = (now + VIEW_TTL, view)
        return view

    def _mailer(self) -> Mailer:
        if self.mailer is None:
            raise Permanent("e-mail is not set up (WARROOM_SMTP_URL, WARROOM_MAIL_FROM)")
        return self.mailer
