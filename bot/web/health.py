"""Liveness and readiness.

`GET /healthz` (liveness) says the process answers; it never asks the database, so that an
orchestrator does not restart every replica when PostgreSQL blips. `GET /readyz` (readiness)
asks whether this replica can do its work: the database answers (within two seconds, always)
and its schema is the one this version expects. When Slack was last seen is reported too, but
a Slack outage leaves the replica ready: webhooks are still stored, and stored work waits.
"""

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from bot.observability.probe import BoundedRead
from storage import revisions
from storage.database import Timeouts

HEALTH_DEADLINE = 2.0  # seconds; load balancers and orchestrators give up soon after
REVISION_TTL = 30.0  # seconds a migrations verdict is reused before the database is asked again
READY_MIGRATIONS = frozenset({"current", "ahead"})
SlackStatus = Callable[[], dict[str, Any]]


def _ping(connection: Connection) -> None:
    connection.execute(text("SELECT 1"))


def _revision(connection: Connection) -> str | None:
    return revisions.revision_on(connection)


class DatabaseHealth:
    """Pings the database on a connection of its own, one ping at a time, within a deadline
    (see `BoundedRead`)."""

    def __init__(
        self, engine: Engine, timeouts: Timeouts, *, deadline: float = HEALTH_DEADLINE
    ) -> None:
        self.deadline = deadline
        self.ping = BoundedRead(
            engine, timeouts, _ping, deadline=deadline, name="warroom-health-ping"
        )

    async def check(self) -> dict[str, Any]:
        """`{"ok": True}` when the database answered within the deadline, else why not."""
        try:
            await self.ping()
        except Exception as error:
            return {"ok": False, "database": type(error).__name__}
        return {"ok": True, "database": "ok"}


class Readiness:
    """The database answers, its migrations are current (asked again every 30 seconds at
    most), and when Slack last answered."""

    def __init__(
        self,
        engine: Engine,
        timeouts: Timeouts,
        *,
        slack: SlackStatus | None = None,
        deadline: float = HEALTH_DEADLINE,
        revision_ttl: float = REVISION_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.database = DatabaseHealth(engine, timeouts, deadline=deadline)
        self.revision = BoundedRead(
            engine, timeouts, _revision, deadline=deadline, name="warroom-migrations-check"
        )
        self.slack = slack
        self.revision_ttl = revision_ttl
        self.clock = clock
        self._verdict: tuple[float, dict[str, Any]] | None = None

    async def check(self) -> dict[str, Any]:
        """`ok` and a field per check: `database`, `migrations`, `slack`."""
        report = await self.database.check()
        if report["ok"]:
            report.update(await self._migrations())
        else:
            report["migrations"] = "unknown"
        report["ok"] = report["ok"] and report["migrations"] in READY_MIGRATIONS
        if self.slack is not None:
            report["slack"] = self.slack()
        return report

    async def _migrations(self) -> dict[str, Any]:
        now = self.clock()
        if self._verdict is not None and now - self._verdict[0] < self.revision_ttl:
            return self._verdict[1]
        try:
            revision = await self.revision()
        except Exception as error:
            return {"migrations": "unknown", "database": type(error).__name__}
        verdict = migrations_verdict(revision)
        self._verdict = (now, verdict)
        return verdict


def migrations_verdict(revision: str | None) -> dict[str, Any]:
    """`current`; `behind` (run `warroom db upgrade`) or `empty`: not ready; `ahead` (a newer
    Warroom migrated it, as in a rolling upgrade): still ready, this version keeps serving."""
    head, known = _scripts()
    if revision == head:
        return {"migrations": "current"}
    if revision is None:
        state = "empty"
    elif revision in known:
        state = "behind"
    else:
        state = "ahead"
    return {"migrations": state, "revision": revision, "head": head}


def _scripts() -> tuple[str, frozenset[str]]:
    """The newest revision this version ships and every revision it knows."""
    return revisions.head_revision(), revisions.known_revisions()
