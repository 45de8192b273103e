"""Shared test fixtures."""

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from backends import DATABASE_BACKENDS, POSTGRES_URL, POSTGRES_URL_ENV
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table on SQLModel.metadata)
from storage import migrate
from storage.database import make_engine

# ---------------------------------------------------------------------------------------------
# Databases
#
# `database_url` is a fresh, migrated, empty database for one test, once per available backend:
# SQLite always, PostgreSQL when WARROOM_TEST_POSTGRES_URL names a server to use. `engine` is an
# engine on it. `blank_database_url` is an empty database that was never migrated.
# ---------------------------------------------------------------------------------------------


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database backends this run covers."""
    if POSTGRES_URL:
        shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        return f"database backends: sqlite, postgres ({shown})"
    return (
        "database backends: sqlite only; set "
        f"{POSTGRES_URL_ENV}=postgresql+psycopg://user@host:5432/db to also test on PostgreSQL"
    )


def _schema_url(schema: str) -> str:
    """The PostgreSQL test URL with every connection's search_path set to `schema`."""
    url = make_url(POSTGRES_URL)
    existing = url.query.get("options", "")
    existing = " ".join(existing) if isinstance(existing, tuple) else existing
    options = " ".join(filter(None, [existing, f"-csearch_path={schema}"]))
    return url.update_query_dict({"options": options}).render_as_string(hide_password=False)


def _server_engine() -> Engine:
    """An engine on the PostgreSQL test database itself, failing loudly when it is unreachable."""
    engine = create_engine(POSTGRES_URL, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        shown = make_url(POSTGRES_URL).render_as_string(hide_password=True)
        pytest.fail(
            f"{POSTGRES_URL_ENV} is set but PostgreSQL at {shown} cannot be reached: {exc}. "
            f"Start the server or unset {POSTGRES_URL_ENV} to test on SQLite only.",
            pytrace=False,
        )
    return engine


def _create_schema(server: Engine) -> tuple[str, str]:
    """Create an empty, uniquely named schema; return its name and a URL that lands in it."""
    schema = f"warroom_test_{secrets.token_hex(4)}"
    with server.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _schema_url(schema)
    probe = create_engine(url, poolclass=pool.NullPool)
    try:
        with probe.connect() as connection:
            landed = connection.execute(text("SELECT current_schema()")).scalar()
    finally:
        probe.dispose()
    if landed != schema:
        _drop_schema(server, schema)
        pytest.fail(f"search_path in the URL was ignored: landed in {landed!r}, not {schema!r}")
    return schema, url


def _drop_schema(server: Engine, schema: str) -> None:
    with server.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated once per session; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite-template") / "warroom.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def _postgres_server() -> Iterator[Engine]:
    """An engine on the PostgreSQL test database, for creating and dropping test schemas."""
    engine = _server_engine()
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _postgres_migrated(_postgres_server: Engine) -> Iterator[tuple[str, Engine]]:
    """A schema migrated once per session, dropped at the end; yields its URL and an engine."""
    schema, url = _create_schema(_postgres_server)
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        migrate.upgrade(url)
        yield url, engine
    finally:
        engine.dispose()
        _drop_schema(_postgres_server, schema)


def _truncate_all(engine: Engine) -> None:
    """Empty every model table and restart its ids; fail rather than hang on a leaked lock."""
    tables = ", ".join(f'"{table.name}"' for table in SQLModel.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f"TRUNCATE TABLE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=DATABASE_BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated, empty database for this test (SQLite copy or truncated PG schema)."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("_sqlite_template")
        path = tmp_path / "warroom.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url, engine = request.getfixturevalue("_postgres_migrated")
    _truncate_all(engine)
    return str(url)


@pytest.fixture(params=DATABASE_BACKENDS)
def blank_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database that was never migrated (SQLite path or a new PG schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'blank.db'}"
        return
    server: Engine = request.getfixturevalue("_postgres_server")
    schema, url = _create_schema(server)
    try:
        yield url
    finally:
        _drop_schema(server, schema)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An application engine (`make_engine`) on this test's fresh database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def nowhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder (no .env), with no Warroom settings from the outside."""
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith(("SLACK_", "WARROOM_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)
    return tmp_path
