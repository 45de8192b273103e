"""`warroom maintenance add|list`: scheduled maintenance of status page components from the
command line. The running app starts and ends it (its tick), and tells subscribers."""

import argparse
import asyncio
import json
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

from bot.cli.database import checked_engine
from bot.cli.oncall import OneLineParser
from bot.ops.problems import SetupError
from bot.ops.usage import DATABASE, SETTINGS_SOURCE

if TYPE_CHECKING:
    from bot.statuspage.rules.views import MaintenanceView
    from bot.statuspage.service import StatusPageService

T = TypeVar("T")
BY = "command line"

READS = f"""\
reads:
  WARROOM_CONFIG               warroom.yml, whose components: name what --components may
{DATABASE}

{SETTINGS_SOURCE}"""
TIMES = """\
times:
  "2026-12-05 10:00" or 2026-12-05T10:00 is UTC; give an offset for another zone
  (2026-12-05T10:00+01:00, or Z for UTC). Seconds are optional."""
MAINTENANCE = f"""\
The app (`warroom run`) starts maintenance when it is due and ends it when it is over, within
its tick; the components show "under maintenance" meanwhile, and subscribers are told.

{READS}"""
ADD = f"""\
examples:
  warroom maintenance add --components API,Payments --from "2026-12-05 10:00" \\
      --to "2026-12-05 12:00" --title "Database upgrade" --body "Writes pause for a minute."

Prints the maintenance's number. One whose start has passed starts at once.

{TIMES}

{READS}"""
LIST = f"""\
Lists the newest maintenance, latest start first: number, state, start and end (UTC),
components, title. --json prints a list of {{"id", "status", "starts_at", "ends_at",
"started_at", "completed_at", "components", "title", "body"}}.

{READS}"""


def add_commands(commands: Any) -> None:
    """Add `maintenance` to the `warroom` command's subcommands."""
    maintenance = _parser(commands, "maintenance", "schedule status page maintenance", MAINTENANCE)
    actions = maintenance.add_subparsers(
        dest="action", required=True, metavar="ACTION", parser_class=OneLineParser
    )
    add = _parser(actions, "add", "schedule maintenance of some components", ADD)
    add.add_argument(
        "--components", required=True, metavar="A,B", help="components, as warroom.yml names them"
    )
    add.add_argument("--from", dest="start", required=True, metavar="TIME", help="when it starts")
    add.add_argument("--to", dest="end", required=True, metavar="TIME", help="when it ends")
    add.add_argument("--title", required=True, help="what the page shows")
    add.add_argument("--body", default="", help="more words for the page and the mails")
    add.set_defaults(func=cmd_add)
    listed = _parser(actions, "list", "list the newest maintenance", LIST)
    listed.add_argument("--json", action="store_true", help="print JSON")
    listed.set_defaults(func=cmd_list)


def _parser(commands: Any, name: str, summary: str, epilog: str) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=summary,
        description=summary[0].upper() + summary[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    return parser


def parse_time(text: str, option: str) -> datetime:
    """A date and time, UTC unless it carries an offset; SetupError when it is not one."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        moment = None
    if moment is None or len(text.strip()) <= 10:
        raise SetupError(
            f"{option} {text!r} is not a date and time "
            '("2026-12-05 10:00" in UTC, or 2026-12-05T10:00+01:00)'
        )
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def shown(moment: datetime) -> str:
    """`2026-12-05 10:00 UTC`."""
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def cmd_add(args: argparse.Namespace) -> int:
    """Schedule maintenance and say what was stored."""
    start, end = parse_time(args.start, "--from"), parse_time(args.end, "--to")
    names = [name.strip() for name in args.components.split(",") if name.strip()]
    if not names:
        raise SetupError("--components: name at least one component (--components API,Payments)")

    async def work(service: "StatusPageService") -> str:
        made = await service.add_maintenance(args.title, args.body, names, start, end, BY)
        state = next(m.status for m in await service.maintenances() if m.id == made)
        now = " (in progress now)" if state.value == "in_progress" else ""
        return (
            f"maintenance {made}: {', '.join(dict.fromkeys(names))} from {shown(start)} "
            f"to {shown(end)}{now}"
        )

    print(_run_with_service(work))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """The newest maintenance as text or JSON."""

    async def work(service: "StatusPageService") -> str:
        found = await service.maintenances()
        return _as_json(found) if args.json else _as_text(found)

    print(_run_with_service(work))
    return 0


def _as_text(found: "tuple[MaintenanceView, ...]") -> str:
    if not found:
        return "no maintenance scheduled"
    return "\n".join(
        f"{m.id:>4}  {m.status.value:<11}  {shown(m.starts_at)} to {shown(m.ends_at)}  "
        f"{', '.join(m.components)}  {m.title}"
        for m in found
    )


def _as_json(found: "tuple[MaintenanceView, ...]") -> str:
    def when(moment: datetime | None) -> str | None:
        return None if moment is None else moment.astimezone(UTC).isoformat()

    return json.dumps(
        [
            {
                "id": m.id,
                "status": m.status.value,
                "starts_at": when(m.starts_at),
                "ends_at": when(m.ends_at),
                "started_at": when(m.started_at),
                "completed_at": when(m.completed_at),
                "components": list(m.components),
                "title": m.title,
                "body": m.body,
            }
            for m in found
        ],
        indent=2,
        ensure_ascii=False,
    )


def _run_with_service(work: Callable[["StatusPageService"], Coroutine[Any, Any, T]]) -> T:
    """Open the database and the components, run `work`; every refusal is a SetupError."""
    from bot.cli import load_settings
    from bot.kernel.errors import DomainError
    from bot.kernel.outbox import Outbox
    from bot.settings import OncallSettings
    from bot.statuspage.config import ConfigError, load_statuspage_config
    from bot.statuspage.service import StatusPageService

    settings = load_settings(OncallSettings)
    try:
        config = load_statuspage_config(settings.warroom_config)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None
    if not config.components:
        raise SetupError("no components: define them under components: in WARROOM_CONFIG")

    def clock() -> datetime:
        return datetime.now(UTC)

    with checked_engine(settings) as engine:
        # The effects this writes are carried out by the running app's outbox.
        service = StatusPageService(engine, Outbox(engine, clock), config, clock)
        try:
            return asyncio.run(work(service))
        except DomainError as refused:
            raise SetupError(refused.message) from None
