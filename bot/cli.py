"""The `warroom` command: run, db upgrade, demo."""

import argparse
import asyncio
import logging
import sys
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from bot import __version__
from bot.settings import DatabaseSettings, Settings, describe_settings_error

S = TypeVar("S", bound=BaseSettings)


class SetupError(Exception):
    """Something outside the code is not ready; the message says what to do."""


def load_settings(kind: type[S]) -> S:
    """Read settings, or print one line naming what is wrong and exit 2."""
    try:
        return kind()
    except ValidationError as error:
        print(f"warroom: {describe_settings_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None


def prepare_database(url: str) -> None:
    """Migrate a SQLite file in place; refuse to start on an out-of-date PostgreSQL."""
    from storage import migrate

    if url.startswith("sqlite"):
        migrate.upgrade(url)
    elif not migrate.is_up_to_date(url):
        raise SetupError("the database schema is not up to date: run `warroom db upgrade` first")


def cmd_run(_args: argparse.Namespace) -> int:
    """Serve Slack (Socket Mode or HTTP) until interrupted."""
    settings = load_settings(Settings)
    logging.basicConfig(
        level=settings.warroom_log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    prepare_database(settings.database_url)
    from bot.app import build_warroom
    from bot.serve import serve

    asyncio.run(serve(build_warroom(settings)))
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    """Migrate the database or show its revision."""
    from storage import migrate

    settings = load_settings(DatabaseSettings)
    if args.action == "upgrade":
        migrate.upgrade(settings.database_url)
        print(f"database at revision {migrate.current_revision(settings.database_url)}")
    else:
        print(migrate.current_revision(settings.database_url) or "empty")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Play a whole incident offline against the built-in sandbox."""
    from bot.demo import run_demo

    return run_demo(database=args.database)


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="warroom", description="Slack-first incident bot")
    parser.add_argument("--version", action="version", version=f"warroom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", help="serve Slack and webhooks").set_defaults(func=cmd_run)
    db = commands.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "current"])
    db.set_defaults(func=cmd_db)
    demo = commands.add_parser("demo", help="run a whole incident offline")
    demo.add_argument(
        "--database",
        default="warroom-demo.db",
        help="SQLite file for the demo's data (replaced on every run)",
    )
    demo.set_defaults(func=cmd_demo)
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
