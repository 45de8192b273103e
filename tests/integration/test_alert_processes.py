"""Two `warroom run` processes behind one address take the same alerts: each stored once."""

import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from alert_payloads import alertmanager, am_alert
from processes import running_warroom
from sqlalchemy import func
from sqlmodel import Session, select

from bot.sandbox import SandboxServer
from bot.sandbox.client import SandboxClient
from bot.slack.ids import ActionId
from storage.database import make_engine
from storage.models import Alert, AlertGroup, WebhookDelivery

TOKEN = "process-test-webhook-token-0123"
GROUPS, ALERTS, SENDS = 8, 5, 8


def _notification(group: int, resolved: int) -> dict[str, Any]:
    """Group `group`'s whole state, with its first `resolved` alerts resolved."""
    name = f"Saturation{group}"
    return alertmanager(
        name,
        [
            am_alert(
                name,
                fingerprint=f"{group:04x}{n:04x}",
                status="resolved" if n < resolved else "firing",
                instance=f"web-{n}",
            )
            for n in range(ALERTS)
        ],
    )


def _send_all(urls: list[str], *, rng: random.Random) -> list[int]:
    """Every group's every round to every process, from 12 senders at once; the statuses.

    Rounds go out in order but overlap, and within a round the copies are shuffled, so each
    process stores several groups (and rounds) together in an order the other does not.
    """
    sends = [
        (url, group, max(0, round_ - 1))
        for round_ in range(SENDS)
        for group in range(GROUPS)
        for url in urls
    ]
    rng.shuffle(sends)
    sends.sort(key=lambda send: send[2])

    def post(send: tuple[str, int, int]) -> int:
        url, group, resolved = send
        answer = httpx.post(
            f"{url}/webhooks/alertmanager",
            json=_notification(group, resolved),
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=30,
        )
        return answer.status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        return list(pool.map(post, sends))


def _count(engine: Any, model: Any) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(model)).one())


def test_two_processes_store_each_alert_once_and_post_each_offer_once(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share one database on PostgreSQL; SQLite is one host's")
    with SandboxServer() as sandbox:
        SandboxClient(sandbox.url).create_channel("alice", "alerts")
        env = {
            "SLACK_BOT_TOKEN": "xoxb-sandbox-token",
            "SLACK_SIGNING_SECRET": "process-test-signing-secret",
            "SLACK_API_URL": sandbox.api_url,
            "DATABASE_URL": database_url,
            "WARROOM_LOG_LEVEL": "WARNING",
            "WARROOM_WEBHOOK_TOKEN": TOKEN,
            "WARROOM_ALERT_CHANNELS": "alerts",
            "WARROOM_TICK_INTERVAL": "1s",
        }
        with (
            running_warroom(tmp_path, name="a", **env) as a,
            running_warroom(tmp_path, name="b", **env) as b,
        ):
            # Each group goes to both processes every round, as to two replicas behind a load
            # balancer: both store the same new alerts and group, count the same repeats and
            # resolve the same alerts. From the third round on, one more alert has resolved.
            statuses = _send_all([a.url, b.url], rng=random.Random(20261129))
            sends = len(statuses)
            client = SandboxClient(sandbox.url)

            def offers() -> list[dict[str, Any]]:
                return [
                    m for m in client.messages("alerts") if ActionId.DECLARE_FROM_ALERT in str(m)
                ]

            client.wait_for(lambda: len(offers()) >= GROUPS, timeout=20, description="offers")
            client.wait_for(
                lambda: all("resolved" in str(m).lower() for m in offers()),
                timeout=20,
                description="every offer showing its resolved alerts",
            )
            shown = offers()
            logs = a.output() + b.output()

    assert statuses == [202] * sends, logs
    engine = make_engine(database_url)
    try:
        assert _count(engine, WebhookDelivery) == sends
        assert _count(engine, AlertGroup) == GROUPS
        assert _count(engine, Alert) == GROUPS * ALERTS
    finally:
        engine.dispose()
    assert len(shown) == GROUPS, [m.get("text") for m in shown]
    assert "Traceback" not in logs, logs
