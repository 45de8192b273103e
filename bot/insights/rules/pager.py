"""Pages per person and off-hours pages.

A page is one level of one escalation reaching one person (whatever the number of methods
it went by: Slack, SMS, a call), counted once when at least one of its notifications was
sent, at the first one's time. Off hours are outside Monday-Friday 09:00-18:00 on the
team's wall clock (holidays are not known here, so they count as their weekday).
"""

from collections.abc import Iterable, Mapping
from datetime import datetime, time
from typing import NamedTuple
from zoneinfo import ZoneInfo

from bot.insights.definitions import PersonLoad
from bot.insights.rules.periods import DAY_MICROS, LocalClock

BUSINESS = (time(9, 0), time(18, 0))
OPENS, CLOSES = 9 * 3_600_000_000, 18 * 3_600_000_000  # BUSINESS in microseconds


class Page(NamedTuple):
    """One person reached by one level of one escalation, at the first send (microseconds
    since 1970 UTC)."""

    user: str
    sent: int


def is_off_hours(instant: datetime, zone: ZoneInfo) -> bool:
    """Whether `instant` is outside Monday-Friday 09:00-18:00 in `zone`."""
    return _off_hours_local(instant.astimezone(zone))


def _off_hours_local(local: datetime) -> bool:
    if local.weekday() >= 5:
        return True
    return not BUSINESS[0] <= local.time() < BUSINESS[1]


def off_hours_at(wall: int) -> bool:
    """`is_off_hours` of a wall-clock reading (`LocalClock.wall`: local microseconds since
    1970-01-01 00:00, a Thursday)."""
    day, at = divmod(wall, DAY_MICROS)
    if (day + 3) % 7 >= 5:
        return True
    return not OPENS <= at < CLOSES


def people_loads(
    pages: Iterable[Page], hours: Mapping[str, float], zone: ZoneInfo
) -> tuple[PersonLoad, ...]:
    """Each person's pages, off-hours pages and hours on call; most pages first."""
    listed = list(pages)
    walls = LocalClock(zone).walls(page.sent for page in listed)
    counts: dict[str, list[int]] = {}
    for page, wall in zip(listed, walls, strict=True):
        tally = counts.get(page.user)
        if tally is None:
            tally = counts[page.user] = [0, 0]
        tally[0] += 1
        tally[1] += off_hours_at(wall)
    users = set(counts) | {user for user, h in hours.items() if h > 0}
    loads = []
    for user in users:
        pages_sent, off_hours = counts.get(user, [0, 0])
        loads.append(PersonLoad(user, pages_sent, off_hours, round(hours.get(user, 0.0), 2)))
    return tuple(sorted(loads, key=lambda p: (-p.pages, -p.hours_on_call, p.user)))
