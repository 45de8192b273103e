"""Where a database stands against this version's migrations, without loading Alembic: the
revisions shipped are read from the migration files' headers, the database's from its
`alembic_version` table. Alembic itself (`storage.migrate`) is loaded only to migrate: with
the migration scripts it reads, it cost every command and every `warroom run` start about a
quarter of a second. tests/test_migrations.py holds this reading to Alembic's own.
"""

import functools
import re
from pathlib import Path

from sqlalchemy import create_engine, inspect, pool, text
from sqlalchemy.engine import Connection, make_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_REVISION = re.compile(r'^revision(?:: str)? = "([0-9a-f]+)"$', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:: [^=]+)? = (?:"([0-9a-f]+)"|None)$', re.MULTILINE)


class MigrationError(RuntimeError):
    """A migration could not be carried out (Alembic's complaint, in words)."""


@functools.cache
def _chain() -> dict[str, str | None]:
    """Each shipped revision and the one it revises (None: the first)."""
    chain: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS_DIR / "versions").glob("*.py")):
        header = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(header), _DOWN.search(header)
        if revision is None or down is None:
            raise RuntimeError(f"{path.name} names no revision and down_revision")
        chain[revision.group(1)] = down.group(1)
    return chain


def known_revisions() -> frozenset[str]:
    """Every revision this version ships."""
    return frozenset(_chain())


def head_revision() -> str:
    """The newest revision shipped with this version of Warroom."""
    chain = _chain()
    revised = set(chain.values())
    heads = [revision for revision in chain if revision not in revised]
    if len(heads) != 1:
        raise RuntimeError(f"the migrations in {MIGRATIONS_DIR} have heads {heads}, not one")
    return heads[0]


def knows_revision(revision: str) -> bool:
    """Whether `revision` is one of this version's migrations (a newer Warroom's is not)."""
    return revision in _chain()


def revision_on(connection: Connection) -> str | None:
    """The revision the database behind `connection` is at (None: never migrated)."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalars().first()


def current_revision(url: str, *, connect_timeout: float | None = None) -> str | None:
    """The revision the database at `url` is at, or None when it was never migrated."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not _sqlite_file_exists(parsed.database):
        return None
    engine = create_engine(with_connect_timeout(url, connect_timeout), poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return revision_on(connection)
    finally:
        engine.dispose()


def is_up_to_date(url: str, *, connect_timeout: float | None = None) -> bool:
    """Whether the database at `url` is at the newest revision."""
    return current_revision(url, connect_timeout=connect_timeout) == head_revision()


def _sqlite_file_exists(database: str | None) -> bool:
    # Connecting would create an empty file where there was none; memory databases always exist.
    if not database or database == ":memory:" or database.startswith("file:"):
        return True
    return Path(database).exists()


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
