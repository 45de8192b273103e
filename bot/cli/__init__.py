"""The `warroom` command: run, db upgrade|current, postmortem, oncall, config check, demo,
doctor."""

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bot import __version__
from bot.cli import maintenance, oncall, report, status_webhooks
from bot.cli.oncall_startup import (
    check_schedule_people,
    load_communication_or_stop,
    load_paging_or_stop,
    load_schedules_or_stop,
)
from bot.observability.logs import configure_logging
from bot.ops import usage
from bot.ops.problems import SetupError
from bot.settings import DatabaseSettings, Settings, database_timeouts, describe_settings_error

if TYPE_CHECKING:
    from bot.alerts.rules.routing import RoutingConfig
    from bot.app import Warroom
    from bot.incidents.postmortem.render import PostmortemRenderer
    from bot.incidents.rules.postmortem import PostmortemContext
    from storage.database import Timeouts

S = TypeVar("S", bound=BaseSettings)
RAW = argparse.RawDescriptionHelpFormatter


def load_settings(kind: type[S]) -> S:
    """Read settings, or print one line naming what is wrong and exit 2."""
    try:
        return kind()
    except ValidationError as error:
        print(f"warroom: {describe_settings_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None


def connect_timeout(settings: DatabaseSettings) -> float:
    """Seconds to wait for the database server to answer (WARROOM_DB_CONNECT_TIMEOUT)."""
    return settings.warroom_db_connect_timeout.total_seconds()


def prepare_database(settings: DatabaseSettings) -> None:
    """Migrate a SQLite file in place; refuse to start on an out-of-date PostgreSQL."""
    from bot.ops.database import prepare_database as prepare

    prepare(settings.database_url, connect_timeout=connect_timeout(settings))


def load_postmortem_template(path: str | None) -> "PostmortemRenderer":
    """The post-mortem renderer, checked by a sample render; a broken template is a SetupError."""
    from bot.incidents.postmortem.render import TemplateProblem, load_postmortem_renderer

    try:
        return load_postmortem_renderer(path)
    except TemplateProblem as problem:
        raise SetupError(str(problem)) from None


def load_routing(path: str | None) -> "RoutingConfig":
    """The alert routing file, checked at start-up; a broken one is a SetupError."""
    from bot.alerts.config import ConfigError, load_routing_config

    try:
        return load_routing_config(path)
    except ConfigError as problem:
        raise SetupError(str(problem)) from None


def cmd_run(_args: argparse.Namespace) -> int:
    """Serve Slack (Socket Mode or HTTP) until interrupted."""
    settings = load_settings(Settings)
    # A broken post-mortem template would only show when an incident closes: refuse to start.
    renderer = load_postmortem_template(settings.warroom_postmortem_template)
    configure_logging(settings.warroom_log_level, settings.warroom_log_format)
    routing = load_routing(settings.warroom_config)
    schedules = load_schedules_or_stop(settings.warroom_config)
    paging = load_paging_or_stop(settings.warroom_config, schedules)
    statuspage, comms = load_communication_or_stop(settings.warroom_config)
    prepare_database(settings)
    from bot.app import build_warroom

    warroom = build_warroom(
        settings,
        renderer=renderer,
        routing=routing,
        schedules=schedules,
        paging_config=paging,
        statuspage_config=statuspage,
        comms_config=comms,
    )
    asyncio.run(serve_checked(warroom))
    return 0


async def serve_checked(warroom: "Warroom") -> None:
    """Check the people the on-call schedules name (an unknown one stops the start), then
    serve."""
    from bot.serve import serve

    retry = await check_schedule_people(warroom)
    try:
        await serve(warroom)
    finally:
        if retry is not None:
            retry.cancel()


def cmd_db_upgrade(_args: argparse.Namespace) -> int:
    """Migrate the database to the newest revision."""
    from bot.ops.database import upgrade_database

    settings = load_settings(DatabaseSettings)
    # Each migration actually run is logged ("Running upgrade A -> B"), in the chosen format.
    configure_logging(settings.warroom_log_level, settings.warroom_log_format)
    revision = upgrade_database(settings.database_url, connect_timeout=connect_timeout(settings))
    print(f"database at revision {revision}")
    return 0


def cmd_db_current(_args: argparse.Namespace) -> int:
    """Print the revision the database is at, or `empty`."""
    from bot.ops.database import current_revision

    settings = load_settings(DatabaseSettings)
    print(
        current_revision(settings.database_url, connect_timeout=connect_timeout(settings))
        or "empty"
    )
    return 0


def cmd_postmortem(args: argparse.Namespace) -> int:
    """Print the post-mortem of incident N as Markdown, or write it to a file."""
    from bot.incidents.postmortem.render import TemplateProblem

    settings = load_settings(DatabaseSettings)
    renderer = load_postmortem_template(settings.warroom_postmortem_template)
    context = read_postmortem_context(
        settings.database_url, args.number, timeouts=database_timeouts(settings)
    )
    try:
        markdown = renderer.render(context).encode("utf-8")
    except TemplateProblem as problem:
        raise SetupError(str(problem)) from None
    if args.output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(markdown)
        sys.stdout.buffer.flush()
        return 0
    try:
        Path(args.output).write_bytes(markdown)
    except OSError as error:
        raise SetupError(f"cannot write {args.output}: {error.strerror}") from None
    print(f"postmortem of incident {args.number} written to {args.output}")
    return 0


def read_postmortem_context(
    url: str, number: int, *, timeouts: "Timeouts | None" = None
) -> "PostmortemContext":
    """What incident `number`'s post-mortem shows, from the rows the database holds now."""
    from bot.incidents.postmortem.service import people_in, postmortem_context
    from bot.ops.database import database_problems, require_current_schema
    from storage.database import Timeouts, make_engine, unit_of_work
    from storage.queries import incidents as queries
    from storage.queries import people

    timeouts = timeouts or Timeouts()
    require_current_schema(url, connect_timeout=timeouts.connect)
    with database_problems(url, connect_timeout=timeouts.connect):
        engine = make_engine(url, timeouts=timeouts)
        try:
            with unit_of_work(engine) as session:
                incident = queries.get_incident_by_number(session, number=number)
                if incident is None or incident.id is None:
                    raise SetupError(f"no incident {number}")
                # Names as the people directory holds them: the same the shared draft used.
                ids = people_in(session, incident.id)
                names = {i: p.name for i, p in people.map_people(session, ids=ids).items()}
                return postmortem_context(session, incident.id, names)
        finally:
            engine.dispose()


def cmd_doctor(_args: argparse.Namespace) -> int:
    """Check the deployment end to end; 0 when nothing failed, 1 otherwise."""
    from bot.ops.doctor import run_doctor

    return run_doctor(sys.stdout)


def cmd_demo(args: argparse.Namespace) -> int:
    """Play a whole incident offline against the built-in sandbox."""
    from bot.demo import run_demo

    return run_demo(database=args.database)


EXAMPLES = {
    "env": (".env.example", "settings, to save as .env beside where `warroom run` starts"),
    "config": ("warroom.example.yml", "alert routing, to save as warroom.yml (WARROOM_CONFIG)"),
    "manifest": ("manifest.yml", "the Slack app manifest: paste it at api.slack.com/apps"),
    "postmortem-template": (
        "templates/postmortem.md.j2",
        "the built-in postmortem template, to adapt (WARROOM_POSTMORTEM_TEMPLATE)",
    ),
}


def cmd_example(args: argparse.Namespace) -> int:
    """Print a file Warroom ships with, so an installed copy needs no checkout."""
    from bot.kernel.bundled import BundledFileMissing, bundled

    name, _meaning = EXAMPLES[args.what]
    try:
        data = bundled(name).read_bytes()
    except BundledFileMissing as missing:
        raise SetupError(str(missing)) from None
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="warroom",
        description="Warroom: a self-hosted, Slack-first incident bot.",
        epilog=usage.MAIN,
        formatter_class=RAW,
    )
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, epilog: str) -> argparse.ArgumentParser:
        return commands.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=epilog,
            formatter_class=RAW,
        )

    command("run", "serve Slack and the alert webhooks", usage.RUN).set_defaults(func=cmd_run)
    db = command("db", "create, migrate or inspect the database", usage.DB)
    db_commands = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, summary, epilog, func in (
        (
            "upgrade",
            "migrate the database to this version's schema",
            usage.DB_UPGRADE,
            cmd_db_upgrade,
        ),
        ("current", "print the revision the database is at", usage.DB_CURRENT, cmd_db_current),
    ):
        db_commands.add_parser(
            name,
            help=summary,
            description=summary[0].upper() + summary[1:] + ".",
            epilog=epilog,
            formatter_class=RAW,
        ).set_defaults(func=func)
    postmortem = command(
        "postmortem", "print an incident's post-mortem as Markdown", usage.POSTMORTEM
    )
    postmortem.add_argument("number", type=int, help="the incident number (N in INC-N)")
    postmortem.add_argument("-o", "--output", metavar="FILE", help="write to FILE, not stdout")
    postmortem.set_defaults(func=cmd_postmortem)
    demo = command("demo", "play incidents, on-call paging and a handoff offline", usage.DEMO)
    demo.add_argument(
        "--database",
        default=None,
        help="SQLite file for the demo's data, replaced on every run "
        "(default: warroom-demo.db in the system's temporary folder, never the current one)",
    )
    demo.set_defaults(func=cmd_demo)
    command(
        "doctor", "check settings, database, Slack and config files", usage.DOCTOR
    ).set_defaults(func=cmd_doctor)
    example = commands.add_parser(
        "example",
        help="print a bundled example file (warroom example env > .env)",
        description="Print a file Warroom ships with, for an installation without a checkout:\n"
        + "\n".join(f"  {what:<20} {meaning}" for what, (_, meaning) in EXAMPLES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    example.add_argument("what", choices=list(EXAMPLES))
    example.set_defaults(func=cmd_example)
    oncall.add_commands(commands)
    maintenance.add_commands(commands)
    status_webhooks.add_commands(commands)
    report.add_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `warroom` console script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SetupError as error:
        print(f"warroom: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
