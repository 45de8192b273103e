"""`warroom oncall …` and `warroom config check`: schedules from the command line."""

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

from bot.cli import oncall_help as help_text
from bot.cli.config_check import cmd_config_check
from bot.cli.database import checked_engine
from bot.cli.oncall_times import parse_moment, period, start_of
from bot.ops.problems import SetupError

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from bot.oncall.service import OncallService
    from bot.settings import OncallSettings

T = TypeVar("T")
BY = "command line"  # who made an override from here: not a person, shown as it is


class OneLineParser(argparse.ArgumentParser):
    """Usage mistakes as one line on stderr and exit 2, pointing at --help."""

    def error(self, message: str) -> NoReturn:
        """Print `warroom oncall shifts: <message> (see --help)` and exit 2."""
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def add_commands(commands: Any) -> None:
    """Add `oncall` and `config` to the `warroom` command's subcommands."""
    oncall = _parser(
        commands, "oncall", "who is on call, shifts, overrides, hours", help_text.ONCALL
    )
    actions = oncall.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=OneLineParser
    )
    who = _parser(
        actions, "who", "who is on call now (or --at), until when, who is next", help_text.WHO
    )
    who.add_argument("schedule", nargs="?", help="one schedule (default: every schedule)")
    who.add_argument("--at", metavar="ISO", help="another instant, e.g. 2026-12-24T18:00")
    who.add_argument("--json", action="store_true", help="print JSON")
    who.set_defaults(func=cmd_who)
    shifts = _parser(actions, "shifts", "a schedule's final shifts over a period", help_text.SHIFTS)
    shifts.add_argument("schedule")
    _period(shifts)
    shifts.add_argument("--json", action="store_true", help="print JSON")
    shifts.set_defaults(func=cmd_shifts)
    override = _parser(
        actions, "override", "let someone take a schedule's shifts for a while", help_text.OVERRIDE
    )
    override.add_argument("schedule")
    override.add_argument("--user", required=True, metavar="U", help="the Slack user id (U…)")
    _period(override)
    override.add_argument(
        "--layer", default="", metavar="L", help="one layer only (default: the whole schedule)"
    )
    override.set_defaults(func=cmd_override)
    hours = _parser(
        actions, "hours", "hours on call per person and schedule, by kind of hour", help_text.HOURS
    )
    _period(hours)
    hours.add_argument("--csv", action="store_true", help="print CSV")
    hours.set_defaults(func=cmd_hours)
    feed = _parser(
        actions, "feed-url", "print the secret link of a calendar feed", help_text.FEED_URL
    )
    feed.add_argument("schedule", nargs="?", help="a schedule's feed")
    feed.add_argument("--user", metavar="U", help="one person's feed, over every schedule")
    feed.set_defaults(func=cmd_feed_url)
    config = _parser(commands, "config", "check warroom.yml", help_text.CONFIG)
    checks = config.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=OneLineParser
    )
    check = _parser(
        checks, "check", "check alert routing and on-call schedules", help_text.CONFIG_CHECK
    )
    check.add_argument("--config", metavar="PATH", help="the file (default: WARROOM_CONFIG)")
    check.set_defaults(func=cmd_config_check)


def _parser(commands: Any, name: str, summary: str, epilog: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def _period(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--from",
        dest="start",
        required=True,
        metavar="ISO",
        help="a date (from its start) or a date and time",
    )
    parser.add_argument(
        "--to",
        dest="end",
        required=True,
        metavar="ISO",
        help="a date (to its end) or a date and time",
    )


def cmd_who(args: argparse.Namespace) -> int:
    """Who is on call in each schedule (or one) now or at --at."""
    from bot.cli.oncall_render import who_json, who_text

    at = parse_moment(args.at, "--at") if args.at else None

    async def work(service: "OncallService", names: Callable[..., Any]) -> str:
        chosen = [service.schedule(args.schedule).name] if args.schedule else service.names
        found = []
        for name in chosen:
            zone = service.schedule(name).zone
            found += await service.who(name, at=start_of(at, zone) if at else None)
        failing = await service.failing_feeds(chosen[0] if args.schedule else None)
        people = await names([u for now in found for u in _users_of(now)])
        render = who_json if args.json else who_text
        return render(found, people, {n: service.schedule(n).zone for n in chosen}, failing)

    print(_run_with_service(work))
    return 0


def cmd_shifts(args: argparse.Namespace) -> int:
    """A schedule's final shifts over a period, as text or JSON."""
    from bot.cli.oncall_render import shifts_json, shifts_text

    async def work(service: "OncallService", names: Callable[..., Any]) -> str:
        schedule = service.schedule(args.schedule)
        start, end = period(args, schedule.zone)
        shifts = await service.shifts(schedule.name, start, end)
        if args.json:
            return shifts_json(schedule.name, shifts, schedule.zone)
        people = await names([shift.user for shift in shifts])
        return shifts_text(schedule.name, shifts, schedule.zone, people)

    print(_run_with_service(work))
    return 0


def cmd_override(args: argparse.Namespace) -> int:
    """Store an override and say what it does."""
    from bot.cli.oncall_render import instant

    async def work(service: "OncallService", _names: Callable[..., Any]) -> str:
        schedule = service.schedule(args.schedule)
        start, end = period(args, schedule.zone)
        made = await service.add_override(
            schedule.name, args.user, start, end, layer=args.layer, by=BY
        )
        what = f"layer {args.layer}" if args.layer else "every layer"
        return (
            f"override {made}: {args.user} takes schedule {schedule.name} ({what}) from "
            f"{instant(start, schedule.zone)} to {instant(end, schedule.zone)}"
        )

    print(_run_with_service(work))
    return 0


def cmd_hours(args: argparse.Namespace) -> int:
    """Hours on call per person and schedule, split by kind of hour."""
    from bot.cli.oncall_render import HourRow, hours_csv, hours_text
    from bot.oncall.plans import holiday_dates
    from bot.oncall.rules.hours import split_hours

    async def work(service: "OncallService", names: Callable[..., Any]) -> str:
        rows: list[HourRow] = []
        for name in service.names:
            schedule = service.schedule(name)
            start, end = period(args, schedule.zone)
            shifts = await service.shifts(name, start, end)
            years = range(start.year - 1, end.year + 2)
            holidays = holiday_dates(schedule.holidays, years)
            split = split_hours(shifts, schedule.zone, holidays)
            rows += [HourRow(name, user, hours) for user, hours in sorted(split.items())]
        people = await names([row.user for row in rows])
        return hours_csv(rows, people) if args.csv else hours_text(rows, people)

    sys.stdout.write(_run_with_service(work))
    return 0


def cmd_feed_url(args: argparse.Namespace) -> int:
    """Print a calendar feed's secret link (made on first use, the same afterwards)."""
    from bot.kernel.text import is_person

    if bool(args.schedule) == bool(args.user):
        raise SetupError("name a schedule or give --user U (one of them)")
    if args.user and not is_person(args.user):
        raise SetupError(f"--user {args.user!r} is not a Slack user id (U…/W…)")

    async def work(service: "OncallService", _names: Callable[..., Any]) -> str:
        base = _settings().warroom_public_url
        if args.user:
            token = await service.feed_token(f"user:{args.user}")
            return f"{base}/oncall/users/{args.user}.ics?token={token}"
        name = service.schedule(args.schedule).name
        token = await service.feed_token(f"schedule:{name}")
        return f"{base}/oncall/{name}.ics?token={token}"

    print(_run_with_service(work, sync=False))
    return 0


def _users_of(now: Any) -> list[str]:
    shifts = [now.shift, now.next, *now.layers.values()]
    return [shift.user for shift in shifts if shift is not None]


def _settings() -> "OncallSettings":
    from bot.cli import load_settings
    from bot.settings import OncallSettings

    return load_settings(OncallSettings)


def _run_with_service(
    work: Callable[["OncallService", Callable[..., Any]], Awaitable[T]], *, sync: bool = True
) -> T:
    """Open the database and the schedules, bring the rosters up to date with warroom.yml (as
    `warroom run` does on every tick), run `work`; every refusal is a SetupError."""
    from bot.kernel.errors import DomainError
    from bot.oncall.config import ConfigError, load_schedules
    from bot.oncall.feeds import FeedService
    from bot.oncall.service import OncallService
    from bot.web.ical_fetch import HttpFeedFetcher

    settings = _settings()
    try:
        schedules = load_schedules(settings.warroom_config)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None
    if not schedules:
        raise SetupError("no schedules: define them under schedules: in WARROOM_CONFIG")

    async def run(engine: "Engine") -> T:
        clock = _utc_now
        feeds = FeedService(engine, schedules, HttpFeedFetcher(), clock=clock)
        service = OncallService(engine, schedules, clock=clock, feeds=feeds)
        if sync:
            await service.sync_rosters()
        return await work(service, _names(engine))

    with checked_engine(settings) as engine:
        try:
            return asyncio.run(run(engine))
        except DomainError as refused:
            raise SetupError(refused.message) from None


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _names(engine: "Engine") -> Callable[[list[str]], Awaitable[dict[str, str]]]:
    """Names from the people directory as the database holds them (Slack is not asked)."""
    from bot.kernel.transactions import read
    from storage.queries import people

    async def names(ids: list[str]) -> dict[str, str]:
        found = await read(engine, lambda s: people.map_people(s, ids=ids))
        return {i: person.name for i, person in found.items()}

    return names
