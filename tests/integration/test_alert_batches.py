"""Deliveries that arrive together share one transaction, and end as if stored one by one."""

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from alert_payloads import alertmanager, am_alert, pagerduty
from conftest import MakeHarness
from harness import Harness
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from test_alert_incidents import DECLARE_CRITICAL, start, two_alerts

from bot.alerts.intake_rows import Delivery
from bot.alerts.parsers import PARSERS
from bot.alerts.service import Accepted
from storage.enums import AlertState, EventKind

PD_KEY = "disk-full-db-1"


def ingest_together(app: Harness, deliveries: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Hand every delivery to the alert service at once, as concurrent webhooks would."""
    service = app.warroom.alerts

    async def together() -> list[Any]:
        return await asyncio.gather(
            *(
                service.ingest(PARSERS[source](body), raw=json.dumps(body))
                for source, body in deliveries
            ),
            return_exceptions=True,
        )

    outcomes = app.handle.run(together())
    app.settle()
    return outcomes


def fail_after_merging(app: Harness, failure: Callable[[list[Delivery]], Exception | None]) -> None:
    """Make the intake raise `failure(deliveries)`, when it gives one, after writing everything
    for those deliveries: the transaction must then leave nothing behind."""
    intake = app.warroom.alerts.intake
    real = intake.apply_many

    def failing(session: Any, deliveries: list[Delivery], *, now: Any) -> Any:
        intakes = real(session, deliveries, now=now)
        error = failure(deliveries)
        if error is not None:
            raise error
        return intakes

    intake.apply_many = failing  # type: ignore[method-assign]


def commits_storing_deliveries(engine: Engine) -> list[int]:
    """From now on, one entry per committed transaction that stored webhook deliveries: how
    many INSERT statements into `webhookdelivery` it ran."""
    committed: list[int] = []
    inserts: dict[int, int] = {}

    @event.listens_for(engine, "after_cursor_execute")
    def count(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().lower().startswith("insert into webhookdelivery"):
            inserts[id(conn)] = inserts.get(id(conn), 0) + 1

    @event.listens_for(engine, "commit")
    def commit(conn: Any) -> None:
        if id(conn) in inserts:
            committed.append(inserts.pop(id(conn)))

    @event.listens_for(engine, "rollback")
    def rollback(conn: Any) -> None:
        inserts.pop(id(conn), None)

    return committed


def test_deliveries_arriving_together_share_a_transaction_and_merge_in_order(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path, DECLARE_CRITICAL.format(refire="reopen"))
    committed = commits_storing_deliveries(app.engine)
    outcomes = ingest_together(
        app,
        [
            ("alertmanager", two_alerts()),
            ("alertmanager", two_alerts()),
            ("alertmanager", two_alerts(status_a="resolved")),
            ("alertmanager", two_alerts(status_a="resolved", status_b="resolved")),
            ("pagerduty", pagerduty("trigger", PD_KEY)),
        ],
    )
    assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    assert len(committed) == 1  # one transaction stored all five
    ids = [o.delivery_id for o in outcomes]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [d.id for d in app.deliveries()] == ids
    assert [len(o.incidents) for o in outcomes] == [1, 0, 0, 0, 1]

    by_key = {(a.source, a.key): a for a in app.alerts()}
    assert len(by_key) == 3
    fa, fb = (a for a in by_key.values() if a.key.startswith(("fa@", "fb@")))
    # fa: new, repeat, resolved, resolved again; fb: new, repeat, repeat, resolved.
    assert (fa.state, fa.repeats) == (AlertState.RESOLVED, 2)
    assert (fb.state, fb.repeats) == (AlertState.RESOLVED, 2)
    (paged,) = (a for a in by_key.values() if a.key == PD_KEY)
    assert (paged.state, paged.repeats) == (AlertState.FIRING, 0)

    resolved = [e for e in app.timeline(1) if e.kind == EventKind.ALERT_RESOLVED]
    assert len(resolved) == 2
    assert "2 of 2" in str(app.status_message(1)["blocks"]) or "All 2" in str(
        app.status_message(1)["blocks"]
    )
    assert len(app.incidents()) == 2


def test_a_delivery_that_fails_in_a_shared_transaction_fails_alone(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path)

    def poisoned(deliveries: list[Delivery]) -> Exception | None:
        if any("Poison" in (d.raw or "") for d in deliveries):
            return RuntimeError("a bug met by one delivery")
        return None

    fail_after_merging(app, poisoned)
    outcomes = ingest_together(
        app,
        [
            ("alertmanager", alertmanager("Before", [am_alert("Before", fingerprint="b1")])),
            ("alertmanager", alertmanager("Poison", [am_alert("Poison", fingerprint="p1")])),
            ("alertmanager", alertmanager("After", [am_alert("After", fingerprint="a1")])),
        ],
    )
    assert isinstance(outcomes[0], Accepted) and isinstance(outcomes[2], Accepted)
    assert isinstance(outcomes[1], RuntimeError)
    assert sorted(a.title for a in app.alerts()) == ["After on checkout", "Before on checkout"]
    assert [d.id for d in app.deliveries()] == [outcomes[0].delivery_id, outcomes[2].delivery_id]


def test_concurrent_notifications_over_http_count_every_repeat(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path)
    groups = {
        name: alertmanager(
            name, [am_alert(name, fingerprint=f"{name}-{n}", instance=f"web-{n}") for n in (1, 2)]
        )
        for name in ("Latency", "Errors", "Saturation")
    }
    sends = [name for name in groups for _ in range(12)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda name: app.webhook("alertmanager", groups[name]), sends))
    app.settle()
    assert {r.status_code for r in statuses} == {202}
    assert len(app.deliveries()) == len(sends)
    alerts = app.alerts()
    assert len(alerts) == 6 and len(app.groups()) == 3
    # Each alert was reported 12 times: stored once, repeated 11 times.
    assert sorted(a.repeats for a in alerts) == [11] * 6


class _DeadlockDetected(Exception):
    """What psycopg raises when PostgreSQL breaks a deadlock by failing this transaction."""

    sqlstate = "40P01"


def test_a_delivery_failed_to_break_a_deadlock_is_merged_again(
    make_harness: MakeHarness, tmp_path: Path
) -> None:
    app = start(make_harness, tmp_path)
    failed: list[int] = []

    def deadlocked_once(deliveries: list[Delivery]) -> Exception | None:
        if failed:
            return None
        failed.append(len(deliveries))
        return OperationalError("UPDATE alert …", None, _DeadlockDetected("deadlock"))

    fail_after_merging(app, deadlocked_once)
    response = app.webhook("alertmanager", two_alerts())
    assert response.status_code == 202, response.text
    app.settle()
    assert failed == [1]
    assert len(app.alerts()) == 2 and len(app.deliveries()) == 1
