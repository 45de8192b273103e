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

BUSINESS = (time(9, 0), time(18, 0))


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


def is_off_hours_micros(micros: int, zone: ZoneInfo) -> bool:
    """`is_off_hours` of an instant given in microseconds since 1970 UTC."""
    # Whole seconds are enough: the business hours begin and end on a whole second, and the
    # zone's offsets are whole seconds, so dropping the fraction never crosses either.
    return _off_hours_local(datetime.fromtimestamp(micros // 1_000_000, zone))


def people_loads(
    pages: Iterable[Page], hours: Mapping[str, float], zone: ZoneInfo
) -> tuple[PersonLoad, ...]:
    """Each person's pages, off-hours pages and hours on call; most pages first."""
    counts: dict[str, list[int]] = {}
    for user, sent in pages:
        tally = counts.setdefault(user, [0, 0])
        tally[0] += 1
        tally[1] += is_off_hours_micros(sent, zone)
    users = set(counts) | {user for user, h in hours.items() if h > 0}
    loads = []
    for user in users:
        pages_sent, off_hours = counts.get(user, [0, 0])
        loads.append(PersonLoad(user, pages_sent, off_hours, round(hours.get(user, 0.0), 2)))
    return tuple(sorted(loads, key=lambda p: (-p.pages, -p.hours_on_call, p.user)))
