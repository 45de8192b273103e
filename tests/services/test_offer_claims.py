"""An offer is claimed by one process at a time, so two processes never post it twice."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import Barrier

from alert_rows import add_alert_group
from sqlalchemy.engine import Engine
from sqlmodel import Session

from storage import alert_queries
from storage.models import AlertGroup

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


def _group(engine: Engine, *, channel: str | None = "C0ALERTS") -> int:
    return add_alert_group(engine, offer_channel_id=channel, offer_dirty=True)


def _claim(engine: Engine, group_id: int, now: datetime) -> bool:
    with Session(engine) as session:
        taken = alert_queries.claim_offer(session, group_id=group_id, now=now, until=now + MINUTE)
        session.commit()
        return taken


def test_a_claim_holds_until_it_runs_out_and_clears_the_dirty_mark(engine: Engine) -> None:
    group_id = _group(engine)
    assert _claim(engine, group_id, NOW)
    with Session(engine) as session:
        group = session.get(AlertGroup, group_id)
        assert group is not None and group.offer_dirty is False
        assert group.offer_claimed_until == NOW + MINUTE
    assert not _claim(engine, group_id, NOW + timedelta(seconds=59))
    assert _claim(engine, group_id, NOW + MINUTE)


def test_a_group_without_an_offer_channel_is_never_claimed(engine: Engine) -> None:
    assert not _claim(engine, _group(engine, channel=None), NOW)


def test_of_many_sessions_claiming_at_once_exactly_one_wins(engine: Engine) -> None:
    group_id = _group(engine)
    contenders = 8
    start = Barrier(contenders)

    def contend(_: int) -> bool:
        start.wait()
        return _claim(engine, group_id, NOW)

    with ThreadPoolExecutor(contenders) as pool:
        results = list(pool.map(contend, range(contenders)))
    assert results.count(True) == 1
