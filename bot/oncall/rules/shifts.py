"""A shift: who holds the pager from when to when, and where that comes from."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum


class Source(StrEnum):
    """Why someone holds a shift."""

    ROTATION = "rotation"
    OVERRIDE = "override"
    HOLIDAY = "holiday"
    ICAL = "ical"


@dataclass(frozen=True, order=True)
class Shift:
    """One person on call over `[start, end)`, both UTC-aware."""

    start: datetime
    end: datetime
    user: str  # a Slack user id, or an e-mail a feed gave that is not resolved yet
    layer: str  # the layer it comes from; "" for a schedule-wide override or holiday cover
    source: Source


def utc(instant: datetime) -> datetime:
    """`instant` in UTC; a naive datetime is refused, since nobody knows its zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got naive {instant.isoformat()}")
    return instant.astimezone(UTC)


def clip(shifts: Iterable[Shift], start: datetime, end: datetime) -> list[Shift]:
    """The parts of `shifts` inside `[start, end)`, in their order; empty parts dropped."""
    kept = []
    for shift in shifts:
        lo, hi = max(shift.start, start), min(shift.end, end)
        if lo < hi:
            kept.append(
                shift
                if (lo, hi) == (shift.start, shift.end)
                else Shift(lo, hi, shift.user, shift.layer, shift.source)
            )
    return kept
