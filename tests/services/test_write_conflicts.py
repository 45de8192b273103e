"""Which failed transactions are worth running again, and the intake's row locks."""

import threading
from datetime import UTC, datetime

import pytest
from alert_rows import add_alert_group
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from bot.kernel.transactions import is_write_conflict
from storage.enums import AlertSource, AlertState
from storage.models import Alert, Counter
from storage.queries import alerts as alert_queries

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _postgres_only(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("row locks and deadlocks are PostgreSQL's; SQLite has one writer at a time")


def _error_of(engine: Engine, work: str) -> Exception:
    with Session(engine) as session:
        return _error_of_in(session, work)


def test_a_unique_key_taken_first_is_a_conflict_and_other_failures_are_not(
    engine: Engine,
) -> None:
    with Session(engine) as session:
        session.add(Counter(name="Ev1", value=0))
        session.commit()
    taken = _error_of(engine, "INSERT INTO counter (name, value) VALUES ('Ev1', 0)")
    assert isinstance(taken, IntegrityError) and is_write_conflict(taken)
    assert not is_write_conflict(_error_of(engine, "SELECT * FROM no_such_table"))
    assert not is_write_conflict(ValueError("not a database error"))


def test_a_deadlock_broken_by_postgresql_is_a_conflict(engine: Engine) -> None:
    _postgres_only(engine)
    with Session(engine) as session:
        session.add_all([Counter(name=f"Ev{n}", value=0) for n in (1, 2)])
        session.commit()
    both_hold_one = threading.Barrier(2)
    failures: list[BaseException] = []

    def cross(first: str, second: str) -> None:
        with Session(engine) as session:
            try:
                touch = "UPDATE counter SET value = value + 1 WHERE name = :id"
                session.execute(text(touch), {"id": first})
                both_hold_one.wait(timeout=10)
                session.execute(text(touch), {"id": second})
                session.commit()
            except DBAPIError as error:
                failures.append(error)
                session.rollback()

    threads = [
        threading.Thread(target=cross, args=("Ev1", "Ev2")),
        threading.Thread(target=cross, args=("Ev2", "Ev1")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(failures) == 1, failures  # PostgreSQL fails one of the two, the other commits
    assert is_write_conflict(failures[0]), failures[0]


def test_the_intake_locks_the_alerts_it_reads_until_it_commits(engine: Engine) -> None:
    _postgres_only(engine)
    group_id = add_alert_group(engine)
    with Session(engine) as session:
        session.add(
            Alert(
                source=AlertSource.ALERTMANAGER,
                key="k1",
                group_id=group_id,
                state=AlertState.FIRING,
                title="k1",
            )
        )
        session.commit()
    with Session(engine) as intake:
        found = alert_queries.map_latest_alerts(
            intake, source=AlertSource.ALERTMANAGER, keys=["k1"]
        )
        assert list(found) == ["k1"]
        with Session(engine) as other:
            refused = _error_of_in(other, "SELECT id FROM alert WHERE key = 'k1' FOR UPDATE NOWAIT")
        assert getattr(getattr(refused, "orig", None), "sqlstate", None) == "55P03"
        intake.rollback()


def _error_of_in(session: Session, work: str) -> Exception:
    try:
        session.execute(text(work))
        session.commit()
    except Exception as error:
        session.rollback()
        return error
    raise AssertionError(f"{work!r} did not fail")
