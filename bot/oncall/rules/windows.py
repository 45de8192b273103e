"""Windows of shifts worked out once and looked up many times, and the blocks of time they
are widened to, so that nearby instants ask for the same windows.

A block is a day, or the window's width when wider. Each schedule's blocks begin at an
instant of its own (a share of a block after the epoch, set by its name), so that schedules
do not all move on to the next block's windows at the same instant (midnight UTC).
"""

import bisect
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.oncall.rules.shifts import Shift

BLOCK = timedelta(days=1)  # windows narrower than this are widened to whole days
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class WindowShifts:
    """The shifts of one window, sorted and not overlapping."""

    start: datetime
    end: datetime
    shifts: list[Shift]
    starts: list[datetime]

    def around(self, instant: datetime) -> tuple[Shift | None, datetime, datetime]:
        """The shift covering `instant` and its span, or None and the span of the gap around
        `instant` as far as this window tells."""
        index = bisect.bisect_right(self.starts, instant) - 1
        if index >= 0 and instant < self.shifts[index].end:
            found = self.shifts[index]
            return found, found.start, found.end
        lo = self.shifts[index].end if index >= 0 else self.start
        hi = self.starts[index + 1] if index + 1 < len(self.starts) else self.end
        return None, lo, hi

    def reaching(self, start: datetime, end: datetime) -> list[Shift]:
        """The shifts reaching into `[start, end]` (and maybe one just before), whole."""
        first = max(bisect.bisect_right(self.starts, start) - 1, 0)
        return self.shifts[first : bisect.bisect_right(self.starts, end)]


def block_start(moment: datetime, width: timedelta, phase: float) -> datetime:
    """`moment`, moved back to the start of a block (a day, or `width` when wider) whose
    blocks begin `phase` of one after the epoch."""
    block = max(width, BLOCK)
    return moment - (moment - _EPOCH - block * phase) % block


def block_end(moment: datetime, width: timedelta, phase: float) -> datetime:
    """`moment`, moved on to the end of such a block (itself, when one ends there)."""
    block = max(width, BLOCK)
    return moment + (_EPOCH + block * phase - moment) % block


def name_share(name: str, purpose: str) -> float:
    """A fraction in [0, 1) that stays the same for a schedule's name from run to run, and
    differs from one purpose to another."""
    return zlib.crc32(f"{purpose}:{name}".encode()) / 2**32
