"""Schema migrations: upgrade a database to the newest revision and ask where it stands."""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError as AlembicError
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for Warroom's migrations, aimed at `url`; no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["url"] = url
    return config


def with_connect_timeout(url: str, seconds: float | None) -> str:
    """`url` with a PostgreSQL connect timeout (unless it names one): an unreachable server
    fails within it instead of waiting for the operating system to give up."""
    parsed = make_url(url)
    if seconds is None or parsed.get_backend_name() != "postgresql":
        return url
    if "connect_timeout" in parsed.query:
        return url
    # libpq reads whole seconds, and waits at least 2.
    timeout = str(max(2, round(seconds)))
    return parsed.update_query_dict({"connect_timeout": timeout}).render_as_string(
        hide_password=False
    )


def upgrade(url: str, revision: str = "head", *, connect_timeout: float | None = None) -> None:
    """Migrate the database at `url` forward to `revision` (the newest by default)."""
    command.upgrade(alembic_config(with_connect_timeout(url, connect_timeout)), revision)


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` back to `revision` (`base` empties it)."""
    command.downgrade(alembic_config(url), revision)


def current_revision(url: str, *, connect_timeout: float | None = None) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_file_exists(parsed.database):
        return None
    engine = create_engine(with_connect_timeout(url, connect_timeout), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _sqlite_file_exists(database: str | None) -> bool:
    # Connecting would create an empty file where there was none; memory databases always exist.
    if not database or database == ":memory:" or database.startswith("file:"):
        return True
    return Path(database).exists()


def head_revision() -> str:
    """The newest revision shipped with this version of Warroom."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations found in {MIGRATIONS_DIR}")
    return head


def is_up_to_date(url: str, *, connect_timeout: float | None = None) -> bool:
    """Whether the database at `url` is at the newest revision."""
    return current_revision(url, connect_timeout=connect_timeout) == head_revision()


def knows_revision(revision: str) -> bool:
    """Whether `revision` is one of this version's migrations (a newer Warroom's is not)."""
    try:
        return ScriptDirectory.from_config(alembic_config()).get_revision(revision) is not None
    except AlembicError:
        return False


def pending_changes(url: str) -> list[Any]:
    """How the models differ from the database at `url`, as Alembic diff entries; [] if none."""
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, SQLModel.metadata))
    finally:
        engine.dispose()


def make_revision(message: str) -> list[Path]:
    """Autogenerate a revision from the models' drift against a scratch database at head."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'scratch.db'}"
        upgrade(url)
        if not pending_changes(url):
            return []
        result = command.revision(alembic_config(url), message=message, autogenerate=True)
    scripts = result if isinstance(result, list) else [result]
    paths = [Path(script.path) for script in scripts if script is not None]
    for args in (["format", "--quiet"], ["check", "--fix", "--quiet"], ["format", "--quiet"]):
        subprocess.run([sys.executable, "-m", "ruff", *args, *map(str, paths)], check=False)
    return paths


def main(argv: list[str] | None = None) -> None:
    """`python -m storage.migrate revision MESSAGE` writes a new, reviewed-by-you revision."""
    parser = argparse.ArgumentParser(prog="python -m storage.migrate")
    commands = parser.add_subparsers(dest="command", required=True)
    revision = commands.add_parser("revision", help="autogenerate a new revision")
    revision.add_argument("message")
    args = parser.parse_args(argv)
    if args.command == "revision":
        paths = make_revision(args.message)
        if not paths:
            print("the models match the migrations; no revision written")
        for path in paths:
            print(f"wrote {path}; read it before committing it")


if __name__ == "__main__":
    main()
