"""What makes an override acceptable: a known schedule and layer, a real person, a sensible
period."""

from datetime import datetime, timedelta

from bot.kernel.text import is_person
from bot.oncall.config import ScheduleDef
from bot.oncall.errors import OverrideRefused, UnknownLayer

LONGEST = timedelta(days=90)  # longer is a roster change: edit warroom.yml instead


def check_override(
    schedule: ScheduleDef,
    user: str,
    start: datetime,
    end: datetime,
    *,
    layer: str,
    now: datetime,
) -> None:
    """Refuse an override that cannot be right (OverrideRefused, UnknownLayer)."""
    if layer and schedule.layer(layer) is None:
        raise UnknownLayer(schedule.name, layer, [known.name for known in schedule.layers])
    if not is_person(user):
        raise OverrideRefused(f"{user!r} is not a Slack user id (U…/W…).", field="user")
    for name, value in (("start", start), ("end", end)):
        if value.tzinfo is None or value.utcoffset() is None:
            raise OverrideRefused(f"The {name} needs a time zone.", field=name)
    if start >= end:
        raise OverrideRefused("The override must end after it starts.", field="end")
    if end <= now:
        raise OverrideRefused("The override ends in the past.", field="end")
    if end - start > LONGEST:
        raise OverrideRefused(
            f"An override lasts at most {LONGEST.days} days; change the roster in "
            "warroom.yml for longer.",
            field="end",
        )
