"""What the on-call feature needs from outside: one small Protocol per capability."""

from dataclasses import dataclass
from datetime import datetime
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


@dataclass(frozen=True)
class FeedStatus:
    """How an iCal layer's feed is doing."""

    schedule: str
    layer: str
    url: str
    fetched_at: datetime | None  # when the copy in use was taken; None: no copy yet
    checked_at: datetime | None  # the latest attempt, good or bad
    error: str | None  # why the latest attempt failed; None when it worked
    failing_since: datetime | None  # the first of the failures in a row (None: not failing)

    @property
    def failing(self) -> bool:
        """Whether the latest attempt failed (the last good copy, if any, is still in use)."""
        return self.error is not None


class FeedHealth(Protocol):
    """How the iCal layers' feeds are doing, for whoever shows who is on call."""

    async def status(self, schedule: str | None = None) -> list[FeedStatus]:
        """Every iCal layer's feed (of one schedule, or all)."""
        ...

    def status_in(self, session: Session, schedule: str | None = None) -> list[FeedStatus]:
        """`status`, read in the caller's session."""
        ...
