"""The calendar feeds Warroom publishes: a schedule's final shifts, or one person's in every
schedule, from 30 days back to 90 days ahead, opened by a per-feed secret token."""

import hmac
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.kernel.transactions import read
from bot.oncall.calendar import Placed, build_calendar
from bot.oncall.service import OncallService
from storage.queries import oncall as queries

PAST = timedelta(days=30)
AHEAD = timedelta(days=90)
# Shifts are asked for from further back than shown, from a start that moves only every four
# weeks: a shift is cut where the asked-for span starts, and a cut shift's start (part of its
# UID) would otherwise change at every request.
LEAD = timedelta(days=35)
GRID = timedelta(days=28)
_EPOCH = datetime(2000, 1, 3, tzinfo=UTC)  # a Monday
Names = Callable[[list[str]], Awaitable[dict[str, str]]]


def schedule_feed(name: str) -> str:
    """The feed name of a schedule's calendar, as feed tokens are stored."""
    return f"schedule:{name}"


def user_feed(user: str) -> str:
    """The feed name of a person's calendar, as feed tokens are stored."""
    return f"user:{user}"


def feed_span(now: datetime) -> tuple[datetime, datetime]:
    """What a calendar shows: from 30 days before `now` to 90 days after it."""
    return now - PAST, now + AHEAD


def asked_span(now: datetime) -> tuple[datetime, datetime]:
    """What is asked of the schedules to show `feed_span(now)` with uncut shifts."""
    shown_from, shown_to = feed_span(now)
    steps = (shown_from - LEAD - _EPOCH) // GRID
    return _EPOCH + steps * GRID, shown_to


class PublishedCalendars:
    """Renders the calendar feeds and checks their tokens."""

    def __init__(
        self, oncall: OncallService, names: Names, *, clock: Callable[[], datetime]
    ) -> None:
        self.oncall = oncall
        self.names = names
        self.clock = clock

    async def opens(self, feed: str, token: str) -> bool:
        """Whether `token` is the secret of `feed`, compared in constant time. A feed with no
        token yet opens to nothing; none is made here, so guessing adds no rows."""
        stored = await read(self.oncall.engine, lambda s: queries.get_feed_token(s, feed=feed))
        expected = stored.token if stored is not None else ""
        # Compared even when there is no token, so the answer takes as long either way.
        matches = hmac.compare_digest(token.encode(), (expected or "\0" * 32).encode())
        return stored is not None and bool(token) and matches

    async def schedule_calendar(self, name: str) -> bytes:
        """Schedule `name`'s final shifts as iCalendar; UnknownSchedule."""
        self.oncall.schedule(name)
        now = self.clock()
        start, end = asked_span(now)
        shifts = await self.oncall.shifts(name, start, end)
        shown = _shown([(name, shift) for shift in shifts], now)
        names = await self.names(sorted({shift.user for _, shift in shown}))
        return build_calendar(f"On call: {name}", shown, names=names, now=now)

    async def user_calendar(self, user: str) -> bytes:
        """A person's final shifts in every schedule as iCalendar."""
        now = self.clock()
        start, end = asked_span(now)
        shown = _shown(await self.oncall.user_shifts(user, start, end), now)
        names = await self.names([user])
        title = f"On call: {names.get(user, user)}"
        return build_calendar(title, shown, names=names, now=now)


def _shown(placed: list[Placed], now: datetime) -> list[Placed]:
    shown_from, shown_to = feed_span(now)
    return [(name, s) for name, s in placed if s.end > shown_from and s.start < shown_to]
