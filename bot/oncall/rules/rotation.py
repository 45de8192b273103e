"""Rotations: when the pager changes hands in a layer, and to whom."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.oncall.rules.shifts import Shift


class Period(StrEnum):
    """How a rotation counts its shifts."""

    HOURLY = "hourly"
    DAILY = "daily"
    WEEKLY = "weekly"
    HOURS = "hours"  # "<N>h"
    DAYS = "days"  # "<N>d"


@dataclass(frozen=True)
class Rotation:
    """A parsed rotation: its period, the handoff's wall-clock time and the anchor date."""

    period: Period
    count: int  # N of "<N>h" / "<N>d"; 1 for hourly, daily and weekly
    at: time  # the handoff's wall-clock time in `zone`
    weekday: int | None  # 0 = Monday; weekly only
    anchor: date  # the first user's first shift starts at the first handoff on or after it
    zone: ZoneInfo


def parse_rotation(rotation: str, handoff: str | None, start: date, zone: ZoneInfo) -> Rotation:
    """Parse a layer's `rotation` and `handoff`; ValueError("<field>: <why>") when invalid."""
    raise NotImplementedError


def handoffs(rotation: Rotation, start: datetime, end: datetime) -> list[datetime]:
    """The handoff instants (UTC) in `[start, end)`."""
    raise NotImplementedError


def rotation_shifts(
    rotation: Rotation, users: Sequence[str], start: datetime, end: datetime, *, layer: str
) -> list[Shift]:
    """The rotation's shifts over `[start, end)`, clipped to it; shift n goes to users[n % len]."""
    raise NotImplementedError
