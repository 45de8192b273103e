"""Layering: a schedule's layers, roster versions, overrides and holiday cover, made into the
one person on call at each instant."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.oncall.rules.restrict import Restriction
from bot.oncall.rules.rotation import Rotation
from bot.oncall.rules.shifts import Shift


@dataclass(frozen=True)
class RosterVersion:
    """A layer's people and rotation from `effective_from` (None: since ever) to the next."""

    effective_from: datetime | None
    users: tuple[str, ...]
    rotation: Rotation
    restriction: Restriction | None = None


@dataclass(frozen=True)
class LayerPlan:
    """A layer: its roster versions, or the fixed shifts of an iCal feed."""

    name: str
    versions: tuple[RosterVersion, ...] = ()
    fixed: tuple[Shift, ...] = ()


@dataclass(frozen=True)
class OverridePlan:
    """`user` takes a layer's shifts (or the whole schedule's, layer "") over `[start, end)`."""

    user: str
    start: datetime
    end: datetime
    layer: str = ""


@dataclass(frozen=True)
class SchedulePlan:
    """Everything the rules need to say who is on call in one schedule."""

    name: str
    zone: ZoneInfo
    layers: tuple[LayerPlan, ...]  # bottom first; later layers win
    overrides: tuple[OverridePlan, ...] = ()  # later ones win
    holidays: frozenset[date] = frozenset()
    holiday_cover: str | None = None


def layer_shifts(plan: SchedulePlan, layer: str, start: datetime, end: datetime) -> list[Shift]:
    """One layer's shifts over `[start, end)`, its overrides applied."""
    raise NotImplementedError


def final_shifts(plan: SchedulePlan, start: datetime, end: datetime) -> list[Shift]:
    """The one person on call at each covered instant of `[start, end)`."""
    raise NotImplementedError


def on_call_at(plan: SchedulePlan, instant: datetime) -> Shift | None:
    """The final shift covering `instant`, or None when nobody is on call."""
    raise NotImplementedError
