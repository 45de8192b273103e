"""Engine creation and one session per unit of work."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import event
from sqlalchemy.engine import CursorResult, Engine, make_url
from sqlmodel import Session, create_engine

WRITE = "warroom_write"


@dataclass(frozen=True)
class Timeouts:
    """How long the database may take before we give up and answer 503 instead of hanging."""

    connect: float = 5.0  # seconds to open a connection
    statement: float = 15.0  # seconds one statement may run (PostgreSQL)
    lock: float = 10.0  # seconds a statement may wait for a lock (busy timeout on SQLite)
    pool: float = 5.0  # seconds to wait for a free pooled connection


def make_engine(url: str, *, timeouts: Timeouts = Timeouts(), **kwargs: Any) -> Engine:
    """Create an engine with every wait bounded; SQLite gets WAL and foreign keys.

    On SQLite a write unit of work begins with `BEGIN IMMEDIATE`: it takes the one write lock
    before it reads, so a read-modify-write never works from a stale read (SQLite's answer to
    PostgreSQL's `SELECT … FOR UPDATE`).
    """
    if "poolclass" not in kwargs:  # NullPool, say, has no queue to wait in
        kwargs["pool_timeout"] = timeouts.pool
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": timeouts.lock}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we say when transactions begin
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get(WRITE)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    return create_engine(
        url, pool_pre_ping=True, connect_args=_postgres_timeouts(url, timeouts), **kwargs
    )


def _postgres_timeouts(url: str, timeouts: Timeouts) -> dict[str, Any]:
    """libpq's connect timeout and server-side statement and lock timeouts, merged with any
    `options` the URL already carries (the tests' search_path, say).

    The server's timeouts cannot help when the server (or the network) goes silent on a
    connection already open: keepalives and a TCP user timeout make the kernel drop such a
    connection, so a thread waiting on it gets an error instead of waiting for minutes.
    """
    existing = make_url(url).query.get("options", "")
    existing = " ".join(existing) if isinstance(existing, tuple) else existing
    ours = (
        f"-c statement_timeout={_milliseconds(timeouts.statement)} "
        f"-c lock_timeout={_milliseconds(timeouts.lock)}"
    )
    return {
        "connect_timeout": max(1, round(timeouts.connect)),  # psycopg waits at least 2 s
        "options": " ".join(filter(None, [existing, ours])),
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        "tcp_user_timeout": _milliseconds(max(timeouts.connect, timeouts.statement)),
    }


def _milliseconds(seconds: float) -> int:
    # PostgreSQL reads 0 as "no timeout": never round a tiny one down to that.
    return max(1, round(seconds * 1000))


def affected_rows(session: Session, statement: Any) -> int:
    """Run an UPDATE or DELETE in the session; how many rows it changed."""
    result = cast(CursorResult[Any], session.execute(statement))
    return result.rowcount


@contextmanager
def unit_of_work(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    bind = engine.execution_options(**{WRITE: True}) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
