"""`warroom run`, its schedules and escalation policies: a broken one stops the start, and
the people the schedules name are checked against Slack before serving.

An unknown user stops the start (one line: file, schedule, layer, user); a Slack that cannot
be asked is a warning, and the check is tried again in the background until it answers.
"""

import asyncio
import logging
from typing import TYPE_CHECKING

from bot.ops.problems import SetupError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from bot.app import Warroom
    from bot.comms.definitions import CommsConfig
    from bot.oncall.config import ScheduleDef
    from bot.oncall.directory import PeopleCheck
    from bot.paging.definitions import PagingConfig
    from bot.statuspage.definitions import StatusPageConfig

log = logging.getLogger("warroom")
CHECK_TIMEOUT = 15.0  # seconds the start waits for Slack to say who the people are
RETRY_FIRST, RETRY_MAX = 10.0, 600.0  # seconds between background attempts


def load_schedules_or_stop(path: str | None) -> "tuple[ScheduleDef, ...]":
    """The schedules of warroom.yml; a broken one is a SetupError (one line)."""
    from bot.oncall.config import ConfigError, load_schedules

    try:
        return load_schedules(path)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None


def load_paging_or_stop(path: str | None, schedules: "Sequence[ScheduleDef]") -> "PagingConfig":
    """The escalation policies and people of warroom.yml; a broken one is a SetupError."""
    from bot.paging.config import ConfigError, load_paging_config

    try:
        return load_paging_config(path, schedules=schedules)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None


def load_communication_or_stop(path: str | None) -> "tuple[StatusPageConfig, CommsConfig]":
    """The status page's components and branding and the stakeholder audiences of
    warroom.yml; a broken one is a SetupError."""
    from bot.comms.config import load_comms_config
    from bot.kernel.config_file import ConfigError
    from bot.statuspage.config import load_statuspage_config

    try:
        return load_statuspage_config(path), load_comms_config(path)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None


async def check_schedule_people(warroom: "Warroom") -> "asyncio.Task[None] | None":
    """Resolve the schedules' e-mails and check their user ids, then store the rosters. An
    unknown user is a SetupError; an unreachable Slack a warning and a background retry
    (the task returned, to be cancelled on the way out)."""
    if not warroom.oncall.names:
        return None
    check = await _ask(warroom)
    retry = None
    if check.unreachable:
        log.warning(
            "the people named in on-call schedules could not be checked (%s); starting "
            "anyway: e-mails stay unresolved until Slack answers (asked again in the background)",
            check.unreachable,
        )
        retry = asyncio.create_task(_keep_asking(warroom), name="oncall people")
    else:
        _stop_on_unknown(warroom, check)
        log.info("on-call schedules: everyone they name is a member of the Slack workspace")
    await warroom.oncall.sync_rosters()
    return retry


async def _ask(warroom: "Warroom") -> "PeopleCheck":
    from bot.oncall.directory import PeopleCheck
    from bot.slack.calls import SlackCalls
    from bot.slack.surfaces.people import SlackDirectory

    directory = SlackDirectory(SlackCalls(warroom.client))
    try:
        return await asyncio.wait_for(warroom.oncall.check_people(directory), CHECK_TIMEOUT)
    except TimeoutError:
        return PeopleCheck(unreachable=f"no answer within {CHECK_TIMEOUT:g} s")


def _stop_on_unknown(warroom: "Warroom", check: "PeopleCheck") -> None:
    if not check.unknown:
        return
    more = f" (and {len(check.unknown) - 1} more)" if len(check.unknown) > 1 else ""
    where = warroom.settings.warroom_config or "warroom.yml"
    raise SetupError(f"{where}: {check.unknown[0]}{more}")


async def _keep_asking(warroom: "Warroom") -> None:
    """Ask again with backoff until Slack answers; say what it said, once."""
    delay = RETRY_FIRST
    while True:
        await asyncio.sleep(delay)
        check = await _ask(warroom)
        if check.unreachable is None:
            break
        delay = min(delay * 2, RETRY_MAX)
    for line in check.unknown:
        log.error("on-call schedules name someone Slack does not know: %s", line)
    log.warning(
        "the people named in on-call schedules are checked now: %d e-mail(s) resolved",
        len(check.resolved),
    )
