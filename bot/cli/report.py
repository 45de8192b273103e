"""`warroom report --month YYYY-MM [--format md|html|csv|json]`: the monthly report on
standard output, the same one the app posts on the first of the month."""

import argparse
import asyncio
import sys
import types
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.cli.database import checked_engine
from bot.cli.oncall import OneLineParser
from bot.ops.problems import SetupError
from bot.ops.usage import DATABASE, SETTINGS_SOURCE
from bot.settings import OncallSettings, ZoneName

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

FORMATS = ("md", "html", "csv", "json")
REPORT = f"""\
examples:
  warroom report --month 2026-11                  Markdown
  warroom report --month 2026-11 --format html > report.html
  warroom report --month 2026-11 --format csv     one row per incident of the month
  warroom report --month 2026-11 --json           {{"period", "incidents", "by_severity",
                                                   "metrics": {{"mtta", ...}}, ...}}

The month is cut in WARROOM_TIMEZONE. Drills are left out of every figure and counted
apart. Hours on call come from the schedules in WARROOM_CONFIG (none without it).

reads:
  WARROOM_TIMEZONE             the IANA zone months and weeks are cut in (default UTC)
  WARROOM_CONFIG               warroom.yml, whose schedules: give the hours on call
{DATABASE}

{SETTINGS_SOURCE}"""


class ReportSettings(OncallSettings):
    """The database, warroom.yml and the zone: all `warroom report` reads."""

    warroom_timezone: ZoneName = "UTC"


def add_commands(commands: Any) -> None:
    """Add `report` to the `warroom` command's subcommands."""
    summary = "print the monthly incident report (md, html, csv or json)"
    report: argparse.ArgumentParser = commands.add_parser(
        "report",
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=REPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # A usage mistake is one line and exit 2, like the other subcommands.
    report.error = types.MethodType(OneLineParser.error, report)  # type: ignore[method-assign]
    report.add_argument("--month", metavar="YYYY-MM", help="the calendar month, e.g. 2026-11")
    report.add_argument(
        "--format",
        dest="form",
        metavar="FORMAT",
        default=None,
        help="md (default), html, csv, json",
    )
    report.add_argument("--json", action="store_true", help="the same as --format json")
    report.set_defaults(func=cmd_report)


def chosen_format(args: argparse.Namespace) -> str:
    """The format asked for; SetupError when unknown or contradicting --json."""
    form = (args.form or ("json" if args.json else "md")).strip().lower()
    if form not in FORMATS:
        raise SetupError(f"--format {args.form!r} is not one of {', '.join(FORMATS)}")
    if args.json and form != "json":
        raise SetupError(f"--json and --format {form} disagree: give one of them")
    return form


def cmd_report(args: argparse.Namespace) -> int:
    """Print the report of `--month` in the chosen format."""
    from bot.insights.rules.periods import parse_month
    from bot.kernel.errors import InvalidInput

    form = chosen_format(args)
    if not args.month:
        raise SetupError("--month YYYY-MM is required (e.g. --month 2026-11)")
    try:
        year, month = parse_month(args.month)
    except InvalidInput as bad:
        raise SetupError(f"--month: {bad.message}") from None
    from bot.cli import load_settings

    settings = load_settings(ReportSettings)
    schedules = _schedules(settings.warroom_config)
    with checked_engine(settings) as engine:
        text = asyncio.run(render(engine, year, month, form, settings.warroom_timezone, schedules))
    sys.stdout.write(text)
    return 0


async def render(
    engine: "Engine", year: int, month: int, form: str, zone: str, schedules: Any = ()
) -> str:
    """The report of `year`-`month` rendered as `form`, read from `engine`."""
    from bot.insights.report import render_report
    from bot.insights.service import InsightsService, oncall_hours_from

    clock = _utc_now
    hours = None
    if schedules:
        from bot.oncall.service import OncallService

        hours = oncall_hours_from(OncallService(engine, schedules, clock=clock))
    service = InsightsService(engine, clock=clock, zone=zone, on_call_hours=hours)
    report = await service.monthly_report(year, month)
    return render_report(report, form)


def _schedules(path: str | None) -> Any:
    if path is None:  # no warroom.yml: no schedules, and on-call's modules left unimported
        return ()
    from bot.oncall.config import ConfigError, load_schedules

    try:
        return load_schedules(path)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None


def _utc_now() -> datetime:
    return datetime.now(UTC)
