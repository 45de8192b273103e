"""What telling subscribers needs from outside: one small Protocol per capability.

Senders raise `bot.kernel.outbox.Transient` for what may pass (a 4xx SMTP reply, a 5xx or 429
from a webhook, timeouts, dropped connections) and `Permanent` for what cannot.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol


class WebhookPoster(Protocol):
    """HTTP POSTs to webhook subscribers."""

    async def post(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        """POST `body`; `Transient` on 429, 5xx, timeouts and drops, `Permanent` otherwise
        (any other status that is not 2xx, a URL that cannot be reached by its shape)."""
        ...


class BadLink(Exception):
    """A link whose token is not one we signed (or was signed for something else)."""


class ExpiredLink(BadLink):
    """A link we signed, older than it may be."""


class LinkSigner(Protocol):
    """Signs the claims a link carries, and reads them back."""

    def sign(self, claims: Mapping[str, Any], *, key: str, purpose: str, now: datetime) -> str:
        """A URL-safe token carrying `claims`, signed with `key` for `purpose` at `now`."""
        ...

    def read(
        self, token: str, *, key: str, purpose: str, max_age: timedelta | None, now: datetime
    ) -> dict[str, Any]:
        """The claims of a token signed for `purpose`; `ExpiredLink` when older than
        `max_age`, `BadLink` when not ours."""
        ...


@dataclass(frozen=True)
class ComponentChange:
    """A component named in a publication, and the state it was put in."""

    name: str
    status: str  # a ComponentStatus value


@dataclass(frozen=True)
class PublicationView:
    """What a mail tells about one publication: an incident's update, or a maintenance
    starting or ending. Plain text throughout; every surface escapes for itself."""

    event: str  # "update:12", "maintenance:3:started": keys the mails and webhook posts
    kind: str  # "incident" or "maintenance"
    title: str
    status: str  # a PublicStatus or MaintenanceStatus value
    message: str
    at: datetime
    components: tuple[ComponentChange, ...] = ()  # what the mail lists
    affected: tuple[str, ...] = ()  # who hears of it: subscribers of any of these (or all)
    url: str | None = None  # the public page telling more
    impact: str | None = None
    starts: datetime | None = None  # a maintenance's window
    ends: datetime | None = None


class Publications(Protocol):
    """The status page's read side, as subscribers see it."""

    async def publication(self, event: Mapping[str, Any]) -> PublicationView | None:
        """The publication a `statuspage.published` payload names; None when it is gone."""
        ...

    async def summary_json(self) -> dict[str, Any]:
        """The page's summary, as `/status/api/v2/summary.json` serves it now."""
        ...
