"""Shared by bench/paging.py: the app on real HTTP against its Slack sandbox, and what the
database and the sandbox say happened to the pages."""

from __future__ import annotations

import json
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _harness import Stack, wait_until
from _sandbox_process import SandboxProcess, cpu_seconds, own_cpu_seconds
from _split_stack import split_app_stack
from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.kernel.outbox import Policy as OutboxPolicy
from bot.sandbox import payloads as slack_payloads
from bot.slack.ids import ActionId

TOKEN = "bench-webhook-token-0123456789"
WAIT_SECONDS = 180.0  # the longest any stage may take before the run counts as broken


# -- the app and its sandbox -------------------------------------------------------------


def paging_stack(
    database_url: str,
    config: Path,
    *,
    sandbox: str,
    workers: int | None = None,
    outbox: int | None = None,
) -> AbstractContextManager[Stack]:
    """The app on the real clock reading `config`, webhooks on, against a sandbox where
    `sandbox` says; the inbox's slots and the outbox's concurrency as shipped unless given."""
    settings: dict[str, Any] = {"warroom_config": str(config), "warroom_webhook_token": TOKEN}
    if workers is not None:
        settings["warroom_workers"] = workers
    policy = OutboxPolicy() if outbox is None else OutboxPolicy(concurrency=outbox)
    return split_app_stack(database_url, sandbox=sandbox, outbox_policy=policy, **settings)


def cpu_now(stack: Stack) -> tuple[float, float | None, float]:
    """CPU seconds used so far by this process (the app, and the bench's few threads) and by
    the sandbox when it runs in a process of its own, and the monotonic clock."""
    server: object = stack.sandbox
    other = cpu_seconds(server.pid) if isinstance(server, SandboxProcess) else None
    return own_cpu_seconds(), other, time.monotonic()


def settle(stack: Stack, *, horizon: float = 2.0) -> None:
    """Wait until the sandbox has no event left to deliver and the app has carried out every
    stored request and every effect due within `horizon` seconds."""
    stack.driver.wait_for_deliveries(timeout=WAIT_SECONDS)
    work = stack.warroom.settle(timeout=WAIT_SECONDS, horizon=horizon)
    stack.handle.run(work, timeout=WAIT_SECONDS + 5)
    stack.driver.wait_for_deliveries(timeout=WAIT_SECONDS)


# -- reading what happened ---------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One notification row."""

    escalation: int
    level: int
    method: str
    state: str
    due_at: float
    sent_at: float | None


@dataclass
class Pages:
    """A policy's pages as stored: each one's level-1 timeout, steps and notifications."""

    timeout_at: dict[int, float] = field(default_factory=dict)  # escalation → next_at
    state: dict[int, str] = field(default_factory=dict)
    acknowledged_at: dict[int, float] = field(default_factory=dict)
    steps: dict[int, list[tuple[int, str, float]]] = field(default_factory=dict)
    notifications: list[Sent] = field(default_factory=list)

    def sent(self, level: int, method: str = "slack") -> int:
        """How many notifications of `level` by `method` were sent."""
        return sum(
            1 for n in self.notifications if (n.level, n.method, n.state) == (level, method, "sent")
        )


def wall(value: Any) -> float:
    """A stored timestamp as wall-clock seconds (SQLite hands back text, PostgreSQL datetimes)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def read_pages(engine: Engine, policy: str) -> Pages:
    """Every page of `policy`, its steps and its notifications."""
    pages = Pages()
    mine = "SELECT id FROM escalation WHERE policy = :policy"
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT id, state, levels, acknowledged_at FROM escalation WHERE policy = :policy"
            ),
            {"policy": policy},
        ).all()
        steps = connection.execute(
            text(
                "SELECT escalation_id, level, outcome, at FROM escalationstep "
                f"WHERE escalation_id IN ({mine}) ORDER BY id"
            ),
            {"policy": policy},
        ).all()
        notifications = connection.execute(
            text(
                "SELECT escalation_id, level, method, state, due_at, sent_at FROM notification "
                f"WHERE escalation_id IN ({mine}) ORDER BY id"
            ),
            {"policy": policy},
        ).all()
    timeouts: dict[int, float] = {}
    for escalation, state, levels, acknowledged_at in rows:
        levels = json.loads(levels) if isinstance(levels, str) else levels
        timeouts[escalation] = float(levels[0]["timeout"])
        pages.state[escalation] = state
        if acknowledged_at is not None:
            pages.acknowledged_at[escalation] = wall(acknowledged_at)
    for escalation, level, outcome, at in steps:
        pages.steps.setdefault(escalation, []).append((level, outcome, wall(at)))
        if level == 0:
            pages.timeout_at[escalation] = wall(at) + timeouts[escalation]
    pages.notifications = [
        Sent(e, lv, m, s, wall(due), wall(sent) if sent is not None else None)
        for e, lv, m, s, due, sent in notifications
    ]
    return pages


def page_dms(stack: Stack, user: str) -> dict[int, list[dict[str, Any]]]:
    """The page DMs a person got, by escalation (the Acknowledge button's value)."""
    found: dict[int, list[dict[str, Any]]] = {}
    for message in stack.driver.dm_messages(user):
        for _block, element in slack_payloads.iter_elements(message.get("blocks") or []):
            if element.get("action_id") == ActionId.ACKNOWLEDGE_PAGE:
                found.setdefault(int(element["value"]), []).append(message)
    return found


def count_sent(engine: Engine, policy: str, level: int) -> int:
    """How many Slack notifications of `policy`'s pages at `level` are recorded as sent."""
    with engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "SELECT count(*) FROM notification n JOIN escalation e "
                    "ON e.id = n.escalation_id WHERE e.policy = :policy AND n.level = :level "
                    "AND n.method = 'slack' AND n.state = 'sent'"
                ),
                {"policy": policy, "level": level},
            ).scalar_one()
        )


def wait_for_sent(stack: Stack, policy: str, level: int, count: int) -> None:
    """Wait until `count` pages of `policy` have their `level` sent in Slack."""
    engine = stack.reader()
    try:
        wait_until(
            lambda: count_sent(engine, policy, level) >= count,
            timeout=WAIT_SECONDS,
            interval=0.2,
            what=f"{count} level-{level + 1} pages of {policy}",
        )
    finally:
        engine.dispose()


if __name__ == "__main__":
    print("bench/_paging_app.py is shared setup of bench/paging.py; it measures nothing.")
