"""What the on-call feature needs from outside: one small Protocol per capability."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.oncall.rules.shifts import Shift
from bot.people.ports import PersonRecord


class FeedShifts(Protocol):
    """The shifts of iCal layers, from the last good copy of each feed."""

    def shifts_in(self, session: Session, schedule: str, layer: str) -> tuple[Shift, ...]:
        """The layer's shifts from its feed's last good copy; empty when there is none yet."""
        ...


class DirectoryUnreachable(Exception):
    """The user directory could not be asked (network, timeout, 5xx, a token or scope it
    refused): nothing is known either way. The message says why, in a few words."""


class UserDirectory(Protocol):
    """The workspace's people, to check the users a schedule names."""

    async def person_by_email(self, email: str) -> PersonRecord | None:
        """The member with this e-mail, or None when nobody has it; DirectoryUnreachable."""
        ...

    async def person(self, user: str) -> PersonRecord | None:
        """The member with this user id, or None when there is none; DirectoryUnreachable."""
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


class Feeds(FeedShifts, FeedHealth, Protocol):
    """The iCal layers' feeds: their shifts, and how the fetching goes."""


@dataclass(frozen=True)
class HandedOverIncident:
    """An open incident the incoming person inherits (a private one is counted, never named)."""

    number: int
    title: str
    severity: str
    status: str
    private: bool
    room: str | None  # its channel, where it has one


@dataclass(frozen=True)
class Fired:
    """Something that fired during the shift that ended: an alert group or a declared incident."""

    kind: str  # "alert" or "incident"
    title: str
    at: datetime
    incident_number: int | None = None
    private: bool = False


@dataclass(frozen=True)
class HandoffView:
    """A handoff as the people told about it see it: plain text and ids, times in UTC."""

    handoff_id: int
    schedule: str
    timezone: str  # the schedule's IANA zone
    at: datetime
    outgoing: tuple[str, ...]
    incoming: tuple[str, ...]  # empty: nobody is on call from `at`
    until: datetime | None  # when the incoming shift ends (or the gap, when nobody is on)
    next_person: str | None  # who comes after
    since: datetime  # when the shift that ended began, as far as the record goes
    open_incidents: tuple[HandedOverIncident, ...] = ()
    fired: tuple[Fired, ...] = ()  # newest first, at most a screenful
    fired_total: int = 0
    user_group: str | None = None


class HandoffNotices(Protocol):
    """Telling people about a handoff, and keeping the on-call user group equal to who is on.

    Each method is safe to repeat after a lost answer (`retry`: an earlier try may have
    posted); it raises the outbox's `Transient` or `Permanent`."""

    async def tell(self, view: HandoffView, user: str, *, incoming: bool, retry: bool) -> None:
        """A direct message to the incoming (or the outgoing) person."""
        ...

    async def announce(self, view: HandoffView, channel: str, *, retry: bool) -> None:
        """One post in the schedule's handoff channel."""
        ...

    async def set_group(self, group: str, users: tuple[str, ...]) -> None:
        """Make the user group (a handle or an `S…` id) exactly these people (never none)."""
        ...
