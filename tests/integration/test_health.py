"""`/healthz` (the process answers) and `/readyz` (the database answers, the schema is current;
when Slack was last seen) over real HTTP, with every request's id on its response."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from harness import Harness
from sqlalchemy.engine import make_url

from bot.slack.ids import ActionId
from storage import migrate


def get(app: Harness, path: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{app.handle.url}{path}", headers=headers, timeout=10)


@contextmanager
def sqlite_gone(url: str) -> Iterator[None]:
    """The SQLite file replaced by a folder, so that no new connection can open it."""
    path = Path(make_url(url).database or "")
    aside = path.with_name(path.name + ".aside")
    path.rename(aside)
    path.mkdir()
    try:
        yield
    finally:
        path.rmdir()
        aside.rename(path)


def test_ready_reports_each_check(harness: Harness) -> None:
    harness.declare("sev2 Checkout is failing")
    response = get(harness, "/readyz")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True
    assert report["database"] == "ok"
    assert report["migrations"] == "current"
    assert report["slack"]["last_seen"] is not None and report["slack"]["failing"] is False
    assert get(harness, "/healthz").json() == {"ok": True}


def test_without_its_database_the_replica_is_alive_but_not_ready(
    harness: Harness, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("PostgreSQL going away is tests/test_stalled_database.py's, through a proxy")
    with sqlite_gone(database_url):
        ready = get(harness, "/readyz")
        assert ready.status_code == 503, ready.text
        assert ready.json()["ok"] is False
        assert ready.json()["database"] == "OperationalError"
        assert ready.json()["migrations"] == "unknown"
        alive = get(harness, "/healthz")
        assert alive.status_code == 200 and alive.json() == {"ok": True}
    assert get(harness, "/readyz").status_code == 200


def test_a_schema_behind_this_version_is_not_ready(harness: Harness, database_url: str) -> None:
    head = migrate.head_revision()
    migrate.downgrade(database_url, "-1")
    try:
        response = get(harness, "/readyz")
        assert response.status_code == 503, response.text
        report = response.json()
        assert report["database"] == "ok"
        assert report["migrations"] == "behind"
        assert report["head"] == head and report["revision"] != head
    finally:
        migrate.upgrade(database_url)


def test_slack_failing_is_reported_but_leaves_the_replica_ready(harness: Harness) -> None:
    incident = harness.declare("sev2 Checkout is failing")
    harness.driver.inject("chat.update", "service_unavailable", times=10_000)
    channel, ts = incident.channel_id or "", incident.status_ts or ""
    harness.driver.click("bob", channel, ts, ActionId.ACKNOWLEDGE)  # the status edit fails
    harness.driver.wait_for(
        lambda: get(harness, "/readyz").json()["slack"]["failing"],
        description="a Slack call failing",
    )
    response = get(harness, "/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["slack"]["last_failure"] is not None
    harness.driver.clear_faults()
    harness.settle()
    assert get(harness, "/readyz").json()["slack"]["failing"] is False


def test_every_response_carries_a_request_id(harness: Harness) -> None:
    made = get(harness, "/healthz").headers["x-request-id"]
    assert len(made) == 32 and made != get(harness, "/healthz").headers["x-request-id"]
    kept = get(harness, "/healthz", **{"x-request-id": "lb-7f3a.01_x"})
    assert kept.headers["x-request-id"] == "lb-7f3a.01_x"
    for insane in ("a b", "x" * 129, "<script>", ""):
        replaced = get(harness, "/healthz", **{"x-request-id": insane}).headers["x-request-id"]
        assert replaced != insane and len(replaced) == 32
    refused = httpx.post(f"{harness.handle.url}/slack/events", content=b"x=1")
    assert refused.status_code == 401 and len(refused.headers["x-request-id"]) == 32
    signed = harness.driver.slash("alice", "general", "help")
    assert len(signed.headers["x-request-id"]) == 32
