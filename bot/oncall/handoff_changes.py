"""Where the pager changes hands: pure functions over final shifts."""

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.oncall.rules.shifts import Shift


@dataclass(frozen=True)
class Change:
    """The final shift changing hands at `at`."""

    at: datetime
    outgoing: tuple[str, ...]
    incoming: tuple[str, ...]


def users_at(shifts: Sequence[Shift], instant: datetime) -> tuple[str, ...]:
    """Who the final shifts have on call at `instant` (nobody: empty)."""
    return tuple(s.user for s in shifts if s.start <= instant < s.end)


def users_before(shifts: Sequence[Shift], instant: datetime) -> tuple[str, ...]:
    """Who the final shifts had on call just before `instant`."""
    return tuple(s.user for s in shifts if s.start < instant <= s.end)


def find_changes(shifts: Sequence[Shift], after: datetime, until: datetime) -> list[Change]:
    """Every instant in `(after, until]` where who is on call changes, oldest first. The shifts
    must cover a little before `after`, so the first change knows who had the pager."""
    instants = sorted({i for s in shifts for i in (s.start, s.end) if after < i <= until})
    changes = []
    for at in instants:
        before, now_on = users_before(shifts, at), users_at(shifts, at)
        if before != now_on:
            changes.append(Change(at, before, now_on))
    return changes


def next_change(shifts: Sequence[Shift], after: datetime, before: datetime) -> datetime | None:
    """The first instant in `(after, before)` where who is on call changes, in final shifts
    (sorted, one at a time): only the shifts from the one around `after` on are looked at."""
    first = max(bisect.bisect_right(shifts, after, key=lambda s: s.start) - 1, 0)
    for index in range(first, len(shifts)):
        shift = shifts[index]
        if shift.start >= before:
            return None
        if after < shift.start:
            previous = shifts[index - 1] if index else None
            if previous is None or previous.end != shift.start or previous.user != shift.user:
                return shift.start
        if after < shift.end < before:
            following = shifts[index + 1] if index + 1 < len(shifts) else None
            if following is None or following.start != shift.end or following.user != shift.user:
                return shift.end
    return None
