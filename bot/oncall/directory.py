"""The people a schedule names, checked against the workspace: e-mails resolved to user ids
(and remembered in the people directory, so the rules see ids), user ids known to exist."""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine

from bot.kernel.transactions import run_in_transaction
from bot.oncall.config import ScheduleDef, is_email
from bot.oncall.ports import DirectoryUnreachable, UserDirectory
from bot.people.ports import PersonRecord
from storage.queries import people as people_queries

_AT_ONCE = 4  # lookups in flight together: users.lookupByEmail is Tier 3 (~50 a minute)


@dataclass(frozen=True)
class PeopleCheck:
    """What the workspace said of the people the schedules name."""

    unknown: list[str] = field(default_factory=list)  # one line each: schedule, layer, user
    resolved: dict[str, str] = field(default_factory=dict)  # e-mail → user id
    unreachable: str | None = None  # why the workspace could not be asked, if it could not


async def check_people(
    engine: Engine,
    schedules: Sequence[ScheduleDef],
    directory: UserDirectory,
    *,
    clock: Callable[[], datetime],
) -> PeopleCheck:
    """Ask the workspace about everyone the schedules name; remember who was found."""
    named = list(dict.fromkeys(user for schedule in schedules for user in schedule.people))
    if not named:
        return PeopleCheck()
    gate = asyncio.Semaphore(_AT_ONCE)

    async def ask(user: str) -> PersonRecord | None:
        async with gate:
            if is_email(user):
                return await directory.person_by_email(user)
            return await directory.person(user)

    try:
        found = dict(zip(named, await asyncio.gather(*(ask(u) for u in named)), strict=True))
    except DirectoryUnreachable as unreachable:
        return PeopleCheck(unreachable=str(unreachable))
    records = [record for record in found.values() if record is not None]
    if records:
        now = clock()
        rows = [asdict(record) for record in records]
        await run_in_transaction(
            engine, lambda s: people_queries.save_people(s, rows=rows, now=now)
        )
    return PeopleCheck(
        unknown=[
            _unknown(schedule, user)
            for schedule in schedules
            for user in schedule.people
            if found.get(user) is None
        ],
        resolved={u: r.id for u, r in found.items() if r is not None and is_email(u)},
    )


def _unknown(schedule: ScheduleDef, user: str) -> str:
    """`schedule sre, layer primary: user carol@example.com: …`, naming the first place."""
    layer = next((each.name for each in schedule.layers if user in each.users), None)
    where = f"schedule {schedule.name}, " + (f"layer {layer}" if layer else "holidays.cover")
    if is_email(user):
        return f"{where}: user {user}: no member of the Slack workspace has this e-mail"
    return f"{where}: user {user} is not a member of the Slack workspace (unknown or deactivated)"
