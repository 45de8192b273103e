"""The database as `warroom run`, `db` and `postmortem` meet it: each problem in one line that
names DATABASE_URL (or the setting at fault) and the fix, never a traceback."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.ops.problems import SetupError
from storage import revisions
from storage.revisions import MigrationError

POSTGRES_DRIVERS = frozenset({"psycopg", "psycopg2", "psycopg_binary", "psycopg_c"})
POSTGRES_EXTRA = "pip install 'warroom[postgres]'"


def shown(url: str) -> str:
    """The URL with its password hidden."""
    return make_url(url).render_as_string(hide_password=True)


def _first_line(error: BaseException) -> str:
    detail = str(getattr(error, "orig", None) or error)
    return " ".join(detail.split()).removeprefix("(sqlite3.OperationalError) ")


def describe_database_error(error: BaseException, url: str, *, connect_timeout: float) -> str:
    """One line on why the database at `url` cannot be used, and what to do."""
    if isinstance(error, ModuleNotFoundError):
        return (
            f"DATABASE_URL names PostgreSQL but its driver ({error.name}) is not installed: "
            f"{POSTGRES_EXTRA}"
        )
    parsed = make_url(url)
    detail = _first_line(error)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_problem(parsed.database, detail)
    return _postgres_problem(parsed, detail, connect_timeout)


def sqlite_place_problem(url: str) -> str | None:
    """Why a SQLite file cannot be made or written where DATABASE_URL puts it, or None."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database or "").resolve()
    folder = path.parent
    if not folder.exists():
        return (
            f"DATABASE_URL points at {path}, but the folder {folder} does not exist: "
            f"create it (mkdir -p {folder}) or fix the path"
        )
    if not folder.is_dir():
        return f"DATABASE_URL points at {path}, but {folder} is not a folder: fix the path"
    if not _writable(path):
        return _unwritable(path)
    return None


def _unwritable(path: Path) -> str:
    return (
        f"DATABASE_URL points at {path}, which this user cannot write: let it write the "
        f"file and its folder {path.parent} (SQLite keeps its journal there), or fix the path"
    )


def _sqlite_problem(database: str | None, detail: str) -> str:
    path = Path(database or "").resolve()
    lowered = detail.lower()
    place = sqlite_place_problem(f"sqlite:///{path}")
    if place is not None:
        return place
    if "readonly" in lowered or "read-only" in lowered:
        return _unwritable(path)
    if "not a database" in lowered:
        return f"DATABASE_URL points at {path}, which is not a SQLite database: fix the path"
    if "locked" in lowered:
        return (
            f"the SQLite database {path} stayed locked by another process longer than "
            "WARROOM_DB_LOCK_TIMEOUT: stop that process, or move to PostgreSQL for several"
        )
    return f"cannot use the SQLite database {path} (DATABASE_URL): {detail}"


def _writable(path: Path) -> bool:
    if path.exists() and not os.access(path, os.W_OK):
        return False
    return os.access(path.parent, os.W_OK | os.X_OK)


def _postgres_problem(url: URL, detail: str, connect_timeout: float) -> str:
    where = f"PostgreSQL at {url.host or 'localhost'}:{url.port or 5432}"
    lowered = detail.lower()
    user = url.username or os.environ.get("PGUSER") or "(your login name)"
    if "connection refused" in lowered:
        return (
            f"{where} refused the connection: start PostgreSQL there, or fix the host and port "
            f"in DATABASE_URL ({url.render_as_string(hide_password=True)})"
        )
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return f"{where} refused user {user} (wrong password): fix the password in DATABASE_URL"
    if role := re.search(r'role "([^"]+)" does not exist', detail):
        return (
            f"{where} has no role {role.group(1)}: create it (createuser {role.group(1)}) or "
            "fix the user in DATABASE_URL"
        )
    if database := re.search(r'database "([^"]+)" does not exist', detail):
        name = database.group(1)
        return (
            f"{where} has no database {name}: create it (createdb -O {user} {name}) or fix "
            "the database name in DATABASE_URL"
        )
    if "pg_hba.conf" in lowered:
        return (
            f"{where} does not let {user} in from this host (pg_hba.conf): allow it there, or "
            "fix the user in DATABASE_URL"
        )
    if "resolve host" in lowered or "translate host name" in lowered:
        return f"cannot find the host {url.host} of DATABASE_URL: fix the host name"
    if "timeout expired" in lowered or "timed out" in lowered:
        return (
            f"{where} did not answer within {connect_timeout:g} s "
            "(WARROOM_DB_CONNECT_TIMEOUT): check the host, the port and any firewall between"
        )
    if "permission denied" in lowered:
        return f"{where}: user {user} lacks a permission ({detail}): grant it, or use another user"
    return f"cannot use the database at {url.render_as_string(hide_password=True)}: {detail}"


def _is_driver_missing(error: BaseException) -> bool:
    return isinstance(error, ModuleNotFoundError) and (error.name or "") in POSTGRES_DRIVERS


@contextmanager
def database_problems(url: str, *, connect_timeout: float) -> Iterator[None]:
    """Turn what the database, its driver or the file system raise into a SetupError."""
    try:
        yield
    except (SQLAlchemyError, OSError) as error:
        raise SetupError(
            describe_database_error(error, url, connect_timeout=connect_timeout)
        ) from None
    except ModuleNotFoundError as error:
        if not _is_driver_missing(error):
            raise
        raise SetupError(
            describe_database_error(error, url, connect_timeout=connect_timeout)
        ) from None
    except MigrationError as error:
        raise SetupError(f"cannot migrate the database at {shown(url)}: {error}") from None


def schema_problem(url: str, revision: str | None) -> str | None:
    """Why the schema at `url` (at `revision`) is not the one this Warroom needs, or None."""
    head = revisions.head_revision()
    if revision == head:
        return None
    if revision is None:
        return f"no Warroom schema in the database at {shown(url)}: run `warroom db upgrade` first"
    if not revisions.knows_revision(revision):
        return (
            f"the database at {shown(url)} is at revision {revision}, which this Warroom does "
            "not know (a newer Warroom migrated it): upgrade Warroom, or fix DATABASE_URL"
        )
    return (
        f"the database schema at {shown(url)} is at revision {revision}, not {head}: "
        "run `warroom db upgrade` first"
    )


def require_current_schema(url: str, *, connect_timeout: float) -> None:
    """Refuse (SetupError) unless the database at `url` is reachable and fully migrated."""
    with database_problems(url, connect_timeout=connect_timeout):
        revision = revisions.current_revision(url, connect_timeout=connect_timeout)
    problem = schema_problem(url, revision)
    if problem is not None:
        raise SetupError(problem)


def prepare_database(url: str, *, connect_timeout: float) -> None:
    """Before serving: migrate a SQLite file in place; refuse an out-of-date PostgreSQL (several
    processes may start at once, so migrating it is `warroom db upgrade`'s job)."""
    if make_url(url).get_backend_name() == "sqlite":
        # A file it may read but not write would only fail at the first request.
        if (problem := sqlite_place_problem(url)) is not None:
            raise SetupError(problem)
        upgrade_database(url, connect_timeout=connect_timeout)
    else:
        require_current_schema(url, connect_timeout=connect_timeout)


def upgrade_database(url: str, *, connect_timeout: float) -> str | None:
    """Migrate to the newest revision; the revision the database is at afterwards."""
    with database_problems(url, connect_timeout=connect_timeout):
        revision = revisions.current_revision(url, connect_timeout=connect_timeout)
        if revision is not None and not revisions.knows_revision(revision):
            raise SetupError(str(schema_problem(url, revision)))
        from storage import migrate  # Alembic, loaded only to migrate

        migrate.upgrade(url, connect_timeout=connect_timeout)
        return revisions.current_revision(url, connect_timeout=connect_timeout)


def current_revision(url: str, *, connect_timeout: float) -> str | None:
    """The revision the database is at (None: never migrated)."""
    with database_problems(url, connect_timeout=connect_timeout):
        return revisions.current_revision(url, connect_timeout=connect_timeout)
