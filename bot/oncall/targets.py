"""Page targets naming a schedule: `schedule:<name>` and `schedule:<name>/<layer>`."""

from collections.abc import Callable
from datetime import datetime, timedelta

from bot.kernel.text import is_person
from bot.oncall.definitions import ScheduleDef
from bot.oncall.errors import UnknownLayer, UnknownSchedule, UnknownTarget
from bot.oncall.rules.layering import SchedulePlan, layer_shifts, on_call_at

PREFIX = "schedule:"
_INSTANT = timedelta(seconds=1)


def is_schedule_target(target: str) -> bool:
    """Whether a page target names a schedule rather than people."""
    return target.startswith(PREFIX)


def on_call_targets(
    target: str,
    at: datetime,
    *,
    schedule_named: Callable[[str], ScheduleDef],
    plan_of: Callable[[str], SchedulePlan],
) -> list[str]:
    """The user ids on call at `at` for a schedule target: the final person first, then each
    layer's own (top layer first); for `<name>/<layer>`, that layer's. E-mails not resolved
    yet cannot be paged and are left out. `schedule_named` finds a schedule's definition
    (UnknownSchedule when none), `plan_of` its plan around `at`."""
    if not is_schedule_target(target):
        raise UnknownTarget(f"{target!r} does not name a schedule (schedule:<name>[/<layer>]).")
    name, _slash, layer = target.removeprefix(PREFIX).partition("/")
    try:
        schedule = schedule_named(name)
    except UnknownSchedule as unknown:
        raise UnknownTarget(unknown.message) from None
    if layer and schedule.layer(layer) is None:
        unknown_layer = UnknownLayer(name, layer, [known.name for known in schedule.layers])
        raise UnknownTarget(unknown_layer.message)
    plan = plan_of(name)
    if layer:
        found = layer_shifts(plan, layer, at, at + _INSTANT)
        users = [shift.user for shift in found[:1]]
    else:
        final = on_call_at(plan, at)
        users = [final.user] if final else []
        for each in reversed(schedule.layers):
            users += [shift.user for shift in layer_shifts(plan, each.name, at, at + _INSTANT)[:1]]
    return [user for user in dict.fromkeys(users) if is_person(user)]
