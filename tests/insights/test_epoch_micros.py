"""Times read as whole microseconds since 1970 by the database (`EpochMicros`) are exactly the
microseconds Python counts, to the last one, on SQLite and PostgreSQL: from 1970 to 2100, at
whole seconds and a microsecond either side of them, and around 2038's 2**31 seconds (where
PostgreSQL's double-precision epoch loses its last spare bit)."""

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.insights.rules.durations import micros_of
from storage.enums import Severity, Status
from storage.models import Incident
from storage.queries.insights import EpochMicros

EDGES = [
    datetime(1970, 1, 1, tzinfo=UTC),
    datetime(2026, 11, 1, 5, 59, 59, 999_999, tzinfo=UTC),
    datetime(2026, 11, 1, 6, 0, 0, 1, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 7, 999_999, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
    datetime(2099, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
]


def instants() -> list[datetime]:
    rng = random.Random(2026)
    span = datetime(2100, 1, 1, tzinfo=UTC) - datetime(1970, 1, 2, tzinfo=UTC)
    drawn = [
        datetime(1970, 1, 2, tzinfo=UTC)
        + timedelta(microseconds=rng.randrange(span // timedelta(microseconds=1)))
        for _ in range(500)
    ]
    return EDGES + drawn + [d.replace(microsecond=m) for d in drawn[:100] for m in (0, 1, 999_999)]


def test_the_database_counts_microseconds_as_python_does(engine: Engine) -> None:
    moments = instants()
    with Session(engine) as session:
        for number, moment in enumerate(moments, start=1):
            session.add(
                Incident(
                    number=number,
                    title="t",
                    severity=Severity.SEV3,
                    status=Status.RESOLVED,
                    declared_by="U1",
                    declared_at=moment,
                )
            )
        session.commit()
        rows = session.exec(
            select(col(Incident.number), EpochMicros(col(Incident.declared_at)))
        ).all()
    counted = dict(rows)
    wrong = [
        (moment, counted[number], micros_of(moment))
        for number, moment in enumerate(moments, start=1)
        if counted[number] != micros_of(moment)
    ]
    assert not wrong, wrong[:5]
