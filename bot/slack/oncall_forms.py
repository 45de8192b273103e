"""The override and contact forms and the override command, checked before the
acknowledgement: every mistake lands on its field (a form) or in one ephemeral line (the
command)."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.kernel.errors import DomainError, InvalidInput
from bot.kernel.text import is_person
from bot.oncall.config import ScheduleDef
from bot.oncall.overrides import check_override
from bot.paging.definitions import Method
from bot.paging.rules.durations import parse_duration
from bot.slack.blocks.oncall_modal import WHOLE_SCHEDULE
from bot.slack.blocks.paging_contact import DELAYS
from bot.slack.commands.oncall import (
    TIME_FORMS,
    AddOverride,
    TimeSpec,
    parse_time,
    resolve_span,
)
from bot.slack.ids import ActionId, BlockId

Values = Mapping[str, Mapping[str, Any]]
# Which form field a problem named by the parsers and the service belongs on.
FIELDS = {
    "schedule": BlockId.ONCALL_SCHEDULE,
    "layer": BlockId.ONCALL_LAYER,
    "user": BlockId.ONCALL_USER,
    "start": BlockId.ONCALL_FROM,
    "end": BlockId.ONCALL_TO,
}


# Which contact form field a problem the paging service names belongs on.
CONTACT_FIELDS = {
    "phone": BlockId.CONTACT_PHONE,
    "email": BlockId.CONTACT_EMAIL,
    **{f"{method.value}_after": block_id for method, block_id, _action, _label in DELAYS},
}


@dataclass(frozen=True)
class ContactForm:
    """The contact form's values: blank fields are None, a blank delay leaves its method out."""

    phone: str | None
    email: str | None
    rules: tuple[tuple[Method, timedelta], ...]


@dataclass(frozen=True)
class OverrideRequest:
    """An override ready for the service: instants in UTC."""

    schedule: str
    layer: str
    user: str
    start: datetime
    end: datetime


def check_override_request(
    schedule: ScheduleDef,
    layer: str,
    user: str,
    start: TimeSpec,
    end: TimeSpec,
    now: datetime,
) -> OverrideRequest:
    """Resolve the times in the schedule's zone and apply the service's own checks."""
    begins, ends = resolve_span(start, end, schedule.zone, now)
    check_override(schedule, user, begins, ends, layer=layer, now=now)
    return OverrideRequest(schedule.name, layer, user, begins, ends)


def check_override_command(
    parsed: AddOverride, schedules: Mapping[str, ScheduleDef], now: datetime
) -> OverrideRequest:
    """An `/oncall override …` command made into a request, or the one-line reason why not."""
    schedule = schedules.get(parsed.schedule)
    if schedule is None:
        raise unknown_schedule(parsed.schedule, list(schedules))
    return check_override_request(
        schedule, parsed.layer, parsed.user, parsed.start, parsed.end, now
    )


def parse_override_form(
    values: Values, schedules: Mapping[str, ScheduleDef], now: datetime
) -> OverrideRequest:
    """The override form's values, or InvalidInput whose `field` is the form block at fault."""
    try:
        return _parse(values, schedules, now)
    except DomainError as error:
        field = FIELDS.get(error.field or "", BlockId.ONCALL_TO)
        raise InvalidInput(error.message, field=field.value) from None


def _parse(values: Values, schedules: Mapping[str, ScheduleDef], now: datetime) -> OverrideRequest:
    name = _selected(values, BlockId.ONCALL_SCHEDULE, ActionId.ONCALL_SCHEDULE)
    schedule = schedules.get(name or "")
    if schedule is None:
        raise InvalidInput("Pick a schedule.", field="schedule")
    chosen = _selected(values, BlockId.ONCALL_LAYER, ActionId.ONCALL_LAYER) or WHOLE_SCHEDULE
    layer = ""
    if chosen != WHOLE_SCHEDULE:
        owner, _slash, layer = chosen.partition("/")
        if owner != schedule.name:
            raise InvalidInput(
                f"{layer} is a layer of {owner}, not of {schedule.name}: pick one of "
                f"{schedule.name}'s layers or the whole schedule.",
                field="layer",
            )
    user = _element(values, BlockId.ONCALL_USER, ActionId.ONCALL_USER).get("selected_user")
    if not isinstance(user, str) or not is_person(user):
        raise InvalidInput("Pick who takes over.", field="user")
    start = _time(values, BlockId.ONCALL_FROM, ActionId.ONCALL_FROM, "start")
    end = _time(values, BlockId.ONCALL_TO, ActionId.ONCALL_TO, "end")
    return check_override_request(schedule, layer, user, start, end, now)


def _time(values: Values, block_id: BlockId, action_id: ActionId, which: str) -> TimeSpec:
    """One time field: exactly one time, nothing after it."""
    words = _text(values, block_id, action_id)
    spec, used = parse_time(words, which)
    if used != len(words):
        typed = " ".join(words).replace("`", "'")
        raise InvalidInput(
            f"I could not read the {which} time `{typed}`: give {TIME_FORMS}.", field=which
        )
    return spec


def parse_contact_form(values: Values) -> ContactForm:
    """The contact form's values, each delay read; InvalidInput naming the field as the paging
    service does (`sms_after`, …: `contact_field` gives its block) for a delay that is not one."""
    rules = []
    for method, block_id, action_id, label in DELAYS:
        typed = " ".join(_text(values, block_id, action_id))
        if not typed:
            continue
        try:
            rules.append((method, parse_duration(typed)))
        except ValueError as problem:
            raise InvalidInput(f"{label}: {problem}.", field=f"{method.value}_after") from None
    phone = " ".join(_text(values, BlockId.CONTACT_PHONE, ActionId.CONTACT_PHONE)) or None
    email = " ".join(_text(values, BlockId.CONTACT_EMAIL, ActionId.CONTACT_EMAIL)) or None
    return ContactForm(phone, email, tuple(rules))


def contact_field(field: str | None) -> str:
    """The contact form's block for a field the paging service names (the phone when none)."""
    return CONTACT_FIELDS.get(field or "", BlockId.CONTACT_PHONE).value


def unknown_schedule(name: str, names: list[str]) -> InvalidInput:
    """The error for a schedule that does not exist, listing those that do."""
    shown = name.replace("`", "'")
    if not names:
        return InvalidInput(
            f"There is no schedule `{shown}`: no schedules are set up in warroom.yml.",
            field="schedule",
        )
    listed = ", ".join(f"`{n}`" for n in names)
    return InvalidInput(f"There is no schedule `{shown}`. Schedules: {listed}.", field="schedule")


def _element(values: Values, block_id: BlockId, action_id: ActionId) -> Mapping[str, Any]:
    block = values.get(block_id.value) if isinstance(values, Mapping) else None
    element = block.get(action_id.value) if isinstance(block, Mapping) else None
    return element if isinstance(element, Mapping) else {}


def _selected(values: Values, block_id: BlockId, action_id: ActionId) -> str | None:
    option = _element(values, block_id, action_id).get("selected_option")
    value = option.get("value") if isinstance(option, Mapping) else None
    return value if isinstance(value, str) else None


def _text(values: Values, block_id: BlockId, action_id: ActionId) -> list[str]:
    value = _element(values, block_id, action_id).get("value")
    return value.split() if isinstance(value, str) else []
