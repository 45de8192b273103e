"""Restrictions: the local hours of the week a layer covers."""

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.oncall.rules.shifts import Shift


@dataclass(frozen=True)
class Window:
    """Every day in `days` (0 = Monday) from `start` minutes after local midnight, for `length`
    minutes (up to a whole day; a window may run past midnight into the next day)."""

    days: frozenset[int]
    start: int
    length: int


@dataclass(frozen=True)
class Restriction:
    """The weekly windows a layer covers, as written (`text`) and parsed (`windows`)."""

    text: str
    windows: tuple[Window, ...]


def parse_restriction(text: str) -> Restriction:
    """Parse `mon-fri 09:00-18:00, sat 10:00-14:00`; ValueError("restrict: <why>")."""
    raise NotImplementedError


def restrict(shifts: Sequence[Shift], restriction: Restriction, zone: ZoneInfo) -> list[Shift]:
    """The parts of `shifts` inside the restriction's windows, in local wall-clock time."""
    raise NotImplementedError
