"""Schema migrations with Alembic: upgrade a database to the newest revision, write a new one.
Where a database stands is `storage.revisions` (re-exported here), which loads no Alembic."""

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
from alembic.script import ScriptDirectory  # noqa: F401  (tests read the scripts through here)
from alembic.util import CommandError as AlembicError
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from storage.revisions import (  # noqa: F401  (where a database stands, re-exported)
    MIGRATIONS_DIR,
    MigrationError,
    current_revision,
    head_revision,
    is_up_to_date,
    known_revisions,
    knows_revision,
    with_connect_timeout,
)


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for Warroom's migrations, aimed at `url`; no ini file needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head", *, connect_timeout: float | None = None) -> None:
    """Migrate the database at `url` forward to `revision` (the newest by default);
    MigrationError when Alembic cannot."""
    try:
        command.upgrade(alembic_config(with_connect_timeout(url, connect_timeout)), revision)
    except AlembicError as error:
        raise MigrationError(str(error)) from error


def downgrade(url: str, revision: str) -> None:
    """Migrate the database at `url` back to `revision` (`base` empties it)."""
    command.downgrade(alembic_config(url), revision)


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
