"""Webhook subscribers: URLs posted the page's summary JSON on every publication.

Each post is signed with the subscriber's own secret: `X-Warroom-Signature: sha256=<hex>` is
HMAC-SHA256 of the raw body. A 5xx, a 429 or a timeout is tried again with backoff; any other
refusal counts, and a webhook refused that way 5 times in a row is disabled.
"""

import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.engine import Engine

from bot.kernel.outbox import Attempt, Outbox, Payload, Permanent
from bot.kernel.transactions import read, run_in_transaction
from bot.statuspage.subscribers_ports import Publications, WebhookPoster
from storage.models.statuspage_subscribers import StatusWebhook
from storage.queries import statuspage_subscribers as queries

log = logging.getLogger(__name__)
WEBHOOK = "statuspage.webhook"
DISABLE_AFTER = 5  # permanent refusals in a row
MAX_URL = 2000


class WebhookError(ValueError):
    """A webhook subscriber that cannot be added or removed; one line saying why."""


@dataclass(frozen=True)
class WebhookView:
    """A webhook subscriber as the command line lists it (never its secret)."""

    id: int
    url: str
    components: tuple[str, ...]
    created_at: datetime | None
    disabled_at: datetime | None
    failures: int
    last_error: str | None


def webhook_stream(webhook_id: int | None) -> str:
    """The outbox stream of one webhook's posts: one at a time, in order."""
    return f"statuspage.webhook:{webhook_id}"


def signature(secret: str, body: bytes) -> str:
    """The `X-Warroom-Signature` value of `body`: `sha256=` and the HMAC's hex digest."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_webhook_url(url: str) -> str:
    """The URL, trimmed; `WebhookError` unless it is an absolute http(s) URL."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"{url[:80]!r} is not an http(s) URL like https://example.com/hook")
    if len(url) > MAX_URL or any(c.isspace() for c in url):
        raise WebhookError(f"a webhook URL has no spaces and at most {MAX_URL} characters")
    return url


def event_name(event: Payload) -> str:
    """What a post is about, for `X-Warroom-Event`: `incident.update`, `maintenance.started`."""
    if "maintenance_id" in event:
        return f"maintenance.{event.get('phase', 'update')}"
    return "incident.update"


class WebhookSubscribers:
    """Adds, lists and removes webhook subscribers, and posts to them."""

    def __init__(
        self,
        engine: Engine,
        outbox: Outbox | None,
        publications: Publications | None,
        poster: WebhookPoster | None,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.engine = engine
        self.outbox = outbox
        self.publications = publications
        self.poster = poster
        self.clock = clock

    def register(self) -> None:
        """Carry out the posts through the outbox."""
        assert self.outbox is not None
        self.outbox.handle(WEBHOOK, self.post)

    async def add(self, url: str, components: Sequence[str] = ()) -> tuple[int, str]:
        """Add a webhook subscriber; its id and its secret (shown once, kept for signing)."""
        url = check_webhook_url(url)
        secret = secrets.token_hex(32)
        webhook = StatusWebhook(
            url=url, secret=secret, components=list(components), created_at=self.clock()
        )
        made = await run_in_transaction(
            self.engine, lambda s: queries.add_webhook(s, webhook=webhook)
        )
        assert made.id is not None
        return made.id, secret

    async def list_webhooks(self) -> list[WebhookView]:
        """Every webhook subscriber, by id."""
        rows = await read(self.engine, lambda s: queries.list_webhooks(s))
        return [
            WebhookView(
                row.id or 0,
                row.url,
                tuple(row.components),
                row.created_at,
                row.disabled_at,
                row.failures,
                row.last_error,
            )
            for row in rows
        ]

    async def remove(self, webhook_id: int) -> None:
        """Remove a webhook subscriber; `WebhookError` when there is none with that id."""
        removed = await run_in_transaction(
            self.engine, lambda s: queries.delete_webhook(s, webhook_id=webhook_id)
        )
        if not removed:
            raise WebhookError(f"no webhook subscriber {webhook_id}")

    async def post(self, payload: Payload, attempt: Attempt) -> None:
        """POST the page's summary to one webhook, signed; count a refusal for good."""
        assert self.publications is not None
        if self.poster is None:
            raise Permanent("webhook posting is not set up")
        webhook_id = int(payload["webhook_id"])
        webhook = await read(self.engine, lambda s: queries.get_webhook(s, webhook_id=webhook_id))
        if webhook is None or webhook.disabled_at is not None:
            return  # removed or disabled since the fan-out
        summary: dict[str, Any] = await self.publications.summary_json()
        body = json.dumps(summary, separators=(",", ":"), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Warroom-Signature": signature(webhook.secret, body),
            "X-Warroom-Event": event_name(payload.get("event", {})),
            "X-Warroom-Delivery": attempt.key,  # the same on every try: receivers can dedupe
        }
        try:
            await self.poster.post(webhook.url, body, headers)
        except Permanent as refused:
            await self._count_failure(webhook_id, refused.error)
            raise
        now = self.clock()
        await run_in_transaction(
            self.engine,
            lambda s: queries.record_webhook_success(s, webhook_id=webhook_id, now=now),
        )

    async def _count_failure(self, webhook_id: int, error: str) -> None:
        now = self.clock()
        webhook = await run_in_transaction(
            self.engine,
            lambda s: queries.record_webhook_failure(
                s, webhook_id=webhook_id, error=error, now=now, disable_after=DISABLE_AFTER
            ),
        )
        if webhook is not None and webhook.disabled_at == now:
            log.warning(
                "webhook subscriber %s disabled after %d refusals in a row: %s",
                webhook_id,
                webhook.failures,
                error,
            )
