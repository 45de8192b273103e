"""Hours on call per person, split into business hours, evenings, nights, weekends, holidays."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.oncall.rules.shifts import Shift

ZERO = timedelta(0)


@dataclass(frozen=True)
class Hours:
    """Time on call by kind of hour (local wall clock): the ledger on-call pay is made from."""

    business: timedelta = ZERO  # Mon-Fri 09:00-18:00
    evening: timedelta = ZERO  # Mon-Fri 18:00-22:00
    night: timedelta = ZERO  # Mon-Fri 00:00-09:00 and 22:00-24:00
    weekend: timedelta = ZERO  # Saturday and Sunday
    holiday: timedelta = ZERO  # a holiday date, whatever its weekday

    @property
    def total(self) -> timedelta:
        """All the time on call."""
        return self.business + self.evening + self.night + self.weekend + self.holiday


def split_hours(
    shifts: Iterable[Shift], zone: ZoneInfo, holidays: frozenset[date]
) -> dict[str, Hours]:
    """Each user's time on call in `shifts`, split by kind of local hour."""
    raise NotImplementedError
