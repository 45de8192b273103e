"""What the on-call feature needs from outside: one small Protocol per capability."""

from dataclasses import dataclass
from typing import Protocol

from sqlmodel import Session

from bot.oncall.rules.shifts import Shift


class FeedShifts(Protocol):
    """The shifts of iCal layers, from the last good copy of each feed."""

    def shifts_in(self, session: Session, schedule: str, layer: str) -> tuple[Shift, ...]:
        """The layer's shifts from its feed's last good copy; empty when there is none yet."""
        ...


class DirectoryUnreachable(Exception):
    """The user directory could not be asked (network, timeout, 5xx): nothing is known."""


class UserDirectory(Protocol):
    """The workspace's people, to check the users a schedule names."""

    async def user_by_email(self, email: str) -> str | None:
        """The user id of `email`, or None when nobody has it; DirectoryUnreachable."""
        ...

    async def user_exists(self, user: str) -> bool:
        """Whether the user id is a (not deleted) member; DirectoryUnreachable."""
        ...


@dataclass(frozen=True)
class FetchedFeed:
    """A calendar feed's answer: its text, or None when it has not changed since the copy we
    have (HTTP 304), and the validators to send next time."""

    body: str | None
    etag: str | None = None
    last_modified: str | None = None


class FeedUnavailable(Exception):
    """A calendar feed could not be fetched: unreachable, too slow, too large, not 2xx."""


class FeedFetcher(Protocol):
    """Fetches calendar feeds over the network."""

    async def fetch(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> FetchedFeed:
        """The feed at `url`, asked only for a change when validators are given;
        FeedUnavailable with a one-line reason when it cannot be had."""
        ...
