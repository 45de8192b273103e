"""`/oncall` reads: who is on call, a schedule's next two weeks, my shifts, a schedule's
overrides. They change nothing, so they are worked out while Slack waits and carried in the
acknowledgement itself: nothing to store first, nothing lost to a crash."""

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.kernel.errors import DomainError
from bot.oncall.service import OncallService
from bot.people.service import PeopleService
from bot.slack.blocks.oncall import (
    Shown,
    build_my_shift_blocks,
    build_override_list,
    build_shift_blocks,
    build_who_blocks,
    shown_in,
)
from bot.slack.blocks.parts import Block
from bot.slack.commands.oncall import ListOverrides, MyShifts, ShowSchedule, WhoIsOn

log = logging.getLogger(__name__)
OncallRead = WhoIsOn | ShowSchedule | MyShifts | ListOverrides
READS = (WhoIsOn, ShowSchedule, MyShifts, ListOverrides)
SCHEDULE_DAYS = 14  # `/oncall <schedule>` shows this far ahead
MY_DAYS = 28  # `/oncall me` shows this far ahead
# The asker's zone may mean asking Slack (a person never seen): the answer does not wait for
# it longer than this, and falls back on the schedules' zones.
ZONE_WAIT = 1.0


@dataclass(frozen=True)
class Answer:
    """What the asker is shown: a notification text and the blocks."""

    text: str
    blocks: list[Block]


async def answer_read(
    oncall: OncallService, people: PeopleService | None, read: OncallRead, user: str
) -> Answer:
    """Work out and render a read for `user`; DomainError when it cannot be answered."""
    user_zone = await user_zone_of(people, user)
    now = oncall.clock()
    if isinstance(read, WhoIsOn):
        entries = await oncall.who()
        zones = {entry.schedule: oncall.schedule(entry.schedule).zone for entry in entries}
        failing = await oncall.failing_feeds()
        blocks = build_who_blocks(
            entries, zones=zones, user_zone=user_zone, now=now, failing=failing
        )
        return Answer("Who is on call", blocks)
    if isinstance(read, ShowSchedule):
        schedule = oncall.schedule(read.schedule)
        end = now + timedelta(days=SCHEDULE_DAYS)
        shifts = await oncall.shifts(schedule.name, now, end)
        failing = await oncall.failing_feeds(schedule.name)
        shown = shown_in(user_zone, schedule.zone)
        blocks = build_shift_blocks(
            schedule.name, shifts, start=now, end=end, shown=shown, failing=failing
        )
        return Answer(f"On call in {schedule.name}", blocks)
    if isinstance(read, MyShifts):
        mine = await oncall.user_shifts(user, now, now + timedelta(days=MY_DAYS))
        zone = user_zone or _first_zone(oncall, [name for name, _ in mine])
        shown = Shown(zone, user_zone is not None)
        return Answer("Your shifts", build_my_shift_blocks(mine, days=MY_DAYS, shown=shown))
    schedule = oncall.schedule(read.schedule)
    overrides = await oncall.overrides(schedule.name)
    shown = shown_in(user_zone, schedule.zone)
    blocks = build_override_list(schedule.name, overrides, shown=shown, now=now)
    return Answer(f"Overrides in {schedule.name}", blocks)


async def user_zone_of(people: PeopleService | None, user: str) -> ZoneInfo | None:
    """The asker's time zone from the people directory, if it is on record and valid, and
    found within `ZONE_WAIT` seconds (None otherwise: times are then in the schedules' zones)."""
    if people is None:
        return None
    try:
        name = await asyncio.wait_for(people.timezone(user), ZONE_WAIT)
    except TimeoutError:
        log.warning("the time zone of %s was not found within %g s", user, ZONE_WAIT)
        return None
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
