"""What `warroom.yml` defines: schedules, their layers and holidays, as plain values."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class LayerDef:
    """One layer: people in a rotation, or an iCal feed."""

    name: str
    users: tuple[str, ...] = ()
    rotation: str | None = None
    handoff: str | None = None
    start: date | None = None
    restrict: str | None = None
    ical: str | None = None

    @property
    def definition(self) -> dict[str, Any]:
        """What a roster version stores of the layer besides its people."""
        return {
            "rotation": self.rotation,
            "handoff": self.handoff,
            "start": self.start.isoformat() if self.start else None,
            "restrict": self.restrict,
        }


@dataclass(frozen=True)
class HolidayDef:
    """Whose public holidays count, and who covers them (None: holidays only count as such)."""

    country: str
    subdivision: str | None = None
    cover: str | None = None


@dataclass(frozen=True)
class ScheduleDef:
    """One schedule: a zone, its layers (bottom first), where handoffs are told."""

    name: str
    timezone: str
    handoff_channel: str | None = None
    user_group: str | None = None
    layers: tuple[LayerDef, ...] = ()
    holidays: HolidayDef | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The schedule's IANA zone."""
        return ZoneInfo(self.timezone)

    def layer(self, name: str) -> LayerDef | None:
        """The layer called `name`, if there is one."""
        return next((layer for layer in self.layers if layer.name == name), None)

    @property
    def people(self) -> tuple[str, ...]:
        """Everyone the file names in it (ids and e-mails), each once."""
        named = [user for layer in self.layers for user in layer.users]
        if self.holidays and self.holidays.cover:
            named.append(self.holidays.cover)
        return tuple(dict.fromkeys(named))


def is_user(value: str) -> bool:
    """Whether `value` names a person: a Slack user id (U…/W…) or an e-mail."""
    return bool(_USER_ID.fullmatch(value) or _EMAIL.fullmatch(value))


def is_email(value: str) -> bool:
    """Whether `value` is an e-mail rather than a Slack user id."""
    return "@" in value
