"""`/oncall …` and the override form, once stored: one service call, and the answer to the
person who asked (ephemeral, through the outbox like every reply)."""

from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.kernel.errors import DomainError
from bot.oncall.service import OncallService
from bot.slack.blocks.oncall import (
    Shown,
    build_my_shift_blocks,
    build_override_list,
    build_shift_blocks,
    build_who_blocks,
    local,
    person,
    shown_in,
)
from bot.slack.commands.oncall import (
    AddOverride,
    ListOverrides,
    MyShifts,
    ShowSchedule,
    WhoIsOn,
    parse_oncall_command,
)
from bot.slack.listeners.oncall import require_oncall
from bot.slack.mrkdwn import escape_mrkdwn
from bot.slack.oncall_forms import OverrideRequest, check_override_command, parse_override_form
from bot.slack.requests import SlackRequest

SCHEDULE_DAYS = 14  # `/oncall <schedule>` shows this far ahead
MY_DAYS = 28  # `/oncall me` shows this far ahead


async def handle_oncall_command(request: SlackRequest) -> None:
    """Carry out a stored `/oncall` command."""
    oncall = require_oncall(request.deps)
    parsed = parse_oncall_command(str(request.body.get("text") or ""))
    user_zone = await user_zone_of(request)
    now = oncall.clock()
    if isinstance(parsed, WhoIsOn):
        entries = await oncall.who()
        zones = {entry.schedule: oncall.schedule(entry.schedule).zone for entry in entries}
        blocks = build_who_blocks(entries, zones=zones, user_zone=user_zone, now=now)
        await request.tell("Who is on call", blocks=blocks)
    elif isinstance(parsed, ShowSchedule):
        schedule = oncall.schedule(parsed.schedule)
        end = now + timedelta(days=SCHEDULE_DAYS)
        shifts = await oncall.shifts(schedule.name, now, end)
        shown = shown_in(user_zone, schedule.zone)
        blocks = build_shift_blocks(schedule.name, shifts, start=now, end=end, shown=shown)
        await request.tell(f"On call in {schedule.name}", blocks=blocks)
    elif isinstance(parsed, MyShifts):
        mine = await oncall.user_shifts(request.user, now, now + timedelta(days=MY_DAYS))
        zone = user_zone or _first_zone(oncall, [name for name, _ in mine])
        shown = Shown(zone, user_zone is not None)
        await request.tell(
            "Your shifts", blocks=build_my_shift_blocks(mine, days=MY_DAYS, shown=shown)
        )
    elif isinstance(parsed, ListOverrides):
        schedule = oncall.schedule(parsed.schedule)
        overrides = await oncall.overrides(schedule.name)
        shown = shown_in(user_zone, schedule.zone)
        blocks = build_override_list(schedule.name, overrides, shown=shown, now=now)
        await request.tell(f"Overrides in {schedule.name}", blocks=blocks)
    elif isinstance(parsed, AddOverride):
        await save_override(request, check_override_command(parsed, oncall.schedules, now))


async def handle_override_form(request: SlackRequest) -> None:
    """Carry out a stored override form."""
    oncall = require_oncall(request.deps)
    view = request.body.get("view") or {}
    values = (view.get("state") or {}).get("values") or {}
    await save_override(request, parse_override_form(values, oncall.schedules, oncall.clock()))


async def save_override(request: SlackRequest, wanted: OverrideRequest) -> None:
    """Store the override (one transaction), and say what it does, in the schedule's zone."""
    oncall = require_oncall(request.deps)
    await oncall.add_override(
        wanted.schedule,
        wanted.user,
        wanted.start,
        wanted.end,
        layer=wanted.layer,
        by=request.user,
    )
    zone = oncall.schedule(wanted.schedule).zone
    what = f"layer {escape_mrkdwn(wanted.layer)} of " if wanted.layer else ""
    await request.tell(
        f":white_check_mark: {person(wanted.user)} takes {what}*{escape_mrkdwn(wanted.schedule)}* "
        f"from {local(wanted.start, zone)} to {local(wanted.end, zone)} "
        f"({escape_mrkdwn(str(zone))}). See `/oncall overrides {wanted.schedule}`."
    )


async def user_zone_of(request: SlackRequest) -> ZoneInfo | None:
    """The asker's time zone from the people directory, if it is on record and valid."""
    people = request.deps.people
    name = await people.timezone(request.user) if people is not None else None
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _first_zone(oncall: OncallService, names: list[str]) -> ZoneInfo:
    """Without the asker's zone: the zone of the first schedule they are in (or any)."""
    for name in [*names, *oncall.names]:
        return oncall.schedule(name).zone
    raise DomainError("There are no on-call schedules.")
