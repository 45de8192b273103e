"""Webhook subscribers end to end: a local HTTP receiver gets the page's summary JSON, signed with
its own secret (HMAC-SHA256 of the body); a 5xx is tried again, a refusal for good counts, and
five in a row disable the webhook. Added, listed and removed from the command line."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from servers.smtp_server import SmtpServer, smtp_server
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from statuspage_core import write_config
from subscribers_stack import Stack, subscriber_stack
from webhook_receiver import webhook_receiver

from bot.cli import main
from bot.statuspage.definitions import ComponentStatus, PublicStatus
from storage.models import Effect, StatusWebhook


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


def webhook(engine: Engine, webhook_id: int) -> StatusWebhook:
    with Session(engine) as session:
        found = session.get(StatusWebhook, webhook_id)
        assert found is not None
        return found


def effect_states(engine: Engine) -> list[str]:
    with Session(engine) as session:
        query = select(Effect.state).where(Effect.kind == "statuspage.webhook")
        return list(session.exec(query.order_by(col(Effect.id))))


async def publish_and_drain(stack: Stack, title: str = "Checkout errors") -> int:
    update_id = await stack.publish(title=title)
    await stack.drain()
    return update_id


async def test_a_publication_posts_the_summary_signed_with_the_secret(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with webhook_receiver() as receiver, subscriber_stack(engine, tmp_path, smtp) as stack:
        hook_id, secret = await stack.webhooks.add(f"{receiver.url}/hooks/status")
        other_id, other_secret = await stack.webhooks.add(
            f"{receiver.url}/hooks/mail", ["Email delivery"]
        )
        update_id = await publish_and_drain(stack)

        [post] = receiver.posts
        assert post.path == "/hooks/status"
        assert post.signed_with(secret) and not post.signed_with(other_secret)
        assert post.headers["Content-Type"] == "application/json"
        assert post.headers["X-Warroom-Event"] == "incident.update"
        assert (
            post.headers["X-Warroom-Delivery"] == f"statuspage.webhook:update:{update_id}:{hook_id}"
        )
        summary = json.loads(post.body)
        assert summary["page"]["name"] == "Acme Status"
        assert summary["page"]["url"] == f"{stack.url}/status"
        assert [i["name"] for i in summary["incidents"]] == ["Checkout errors"]
        api = next(c for c in summary["components"] if c["name"] == "API")
        assert api["status"] == "major_outage"
        assert summary["status"]["indicator"] in ("major", "critical")
        assert webhook(engine, hook_id).last_success_at is not None
        assert webhook(engine, other_id).last_success_at is None
        served = await stack.http.get("/status/api/v2/summary.json")
        assert summary == served.json()  # the same document the page serves


async def test_a_5xx_is_tried_again_and_the_retry_is_signed_the_same(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with webhook_receiver() as receiver, subscriber_stack(engine, tmp_path, smtp) as stack:
        receiver.answers = [500, 503, 200]
        hook_id, secret = await stack.webhooks.add(receiver.url)
        await publish_and_drain(stack)
        assert len(receiver.posts) == 1 and effect_states(engine) == ["pending"]
        for tries in (2, 3):
            stack.clock.advance(minutes=1)
            await stack.drain()
            assert len(receiver.posts) == tries
        assert effect_states(engine) == ["done"]
        assert all(p.signed_with(secret) for p in receiver.posts)
        assert len({p.headers["X-Warroom-Delivery"] for p in receiver.posts}) == 1
        found = webhook(engine, hook_id)
        assert (found.failures, found.disabled_at) == (0, None)


async def test_a_timeout_is_tried_again(engine: Engine, tmp_path: Path, smtp: SmtpServer) -> None:
    async with webhook_receiver() as receiver, subscriber_stack(engine, tmp_path, smtp) as stack:
        receiver.stall = 3.0  # the poster waits 2 s
        await stack.webhooks.add(receiver.url)
        await publish_and_drain(stack)
        assert effect_states(engine) == ["pending"]
        receiver.stall = 0.0
        stack.clock.advance(minutes=1)
        await stack.drain()
        assert effect_states(engine) == ["done"] and len(receiver.posts) == 2


async def test_five_refusals_in_a_row_disable_the_webhook(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with webhook_receiver() as receiver, subscriber_stack(engine, tmp_path, smtp) as stack:
        receiver.answers = [410]
        hook_id, _secret = await stack.webhooks.add(receiver.url)
        for n in range(1, 5):
            await publish_and_drain(stack, title=f"Incident {n}")
            found = webhook(engine, hook_id)
            assert (found.failures, found.disabled_at) == (n, None)
        assert found.last_error == "webhook answered HTTP 410"
        await publish_and_drain(stack, title="Incident 5")
        assert webhook(engine, hook_id).disabled_at is not None
        assert effect_states(engine) == ["failed"] * 5  # each refusal given up, not retried
        await publish_and_drain(stack, title="Incident 6")
        assert len(receiver.posts) == 5
        [listed] = await stack.webhooks.list_webhooks()
        assert listed.disabled_at is not None and listed.failures == 5


async def test_a_success_between_refusals_starts_the_count_again(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    async with webhook_receiver() as receiver, subscriber_stack(engine, tmp_path, smtp) as stack:
        receiver.answers = [404, 404, 404, 404, 200, 404]
        hook_id, _secret = await stack.webhooks.add(receiver.url)
        for n in range(6):
            await publish_and_drain(stack, title=f"Incident {n}")
        found = webhook(engine, hook_id)
        assert (found.failures, found.disabled_at) == (1, None)


async def test_maintenance_posts_say_which_phase(
    engine: Engine, tmp_path: Path, smtp: SmtpServer
) -> None:
    from datetime import timedelta

    async with webhook_receiver() as receiver, subscriber_stack(engine, tmp_path, smtp) as stack:
        await stack.webhooks.add(receiver.url, ["Payments"])
        now = stack.clock.now
        await stack.page.add_maintenance(
            "Database upgrade", "", ["Payments"], now, now + timedelta(minutes=30), by="U0ALICE"
        )
        await stack.drain()
        stack.clock.advance(minutes=31)
        await stack.page.tick()
        await stack.drain()
        events = [p.headers["X-Warroom-Event"] for p in receiver.posts]
        assert events == ["maintenance.started", "maintenance.completed"]
        await stack.page.publish(
            None,
            title="Mail is slow",
            status=PublicStatus.INVESTIGATING,
            message="Looking.",
            components={"Email delivery": ComponentStatus.DEGRADED_PERFORMANCE},
            by="U0ALICE",
        )
        await stack.drain()
        assert len(receiver.posts) == 2  # it follows Payments only


def test_the_command_line_adds_lists_and_removes_webhooks(
    database_url: str,
    nowhere: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(write_config(nowhere)))

    assert (
        main(
            [
                "status-webhooks",
                "add",
                "https://hooks.example.com/x",
                "--components",
                "API,Payments",
            ]
        )
        == 0
    )
    added = capsys.readouterr().out.splitlines()
    assert added[0] == "webhook subscriber 1 added: https://hooks.example.com/x (API, Payments)"
    secret = added[-1]
    assert len(secret) == 64 and int(secret, 16) >= 0

    assert main(["status-webhooks", "list"]) == 0
    listed = capsys.readouterr().out
    assert listed == "1\tactive\tAPI,Payments\thttps://hooks.example.com/x\n"
    assert secret not in listed
    assert main(["status-webhooks", "list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["components"] == ["API", "Payments"]

    assert main(["status-webhooks", "remove", "1"]) == 0
    assert capsys.readouterr().out == "webhook subscriber 1 removed\n"
    assert main(["status-webhooks", "list"]) == 0
    assert "no webhook subscribers" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["add", "ftp://example.com/x"], "is not an http(s) URL"),
        (["add", "https://example.com/x", "--components", "Billing"], "no component 'Billing'"),
        (["remove", "7"], "no webhook subscriber 7"),
    ],
    ids=["bad-url", "unknown-component", "unknown-id"],
)
def test_command_line_mistakes_are_one_line_and_exit_2(
    database_url: str,
    nowhere: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    said: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(write_config(nowhere)))
    assert main(["status-webhooks", *argv]) == 2
    err = capsys.readouterr().err
    assert said in err and len(err.strip().splitlines()) == 1


def test_a_bad_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["status-webhooks", "remove", "seven"])
    assert done.value.code == 2
    assert "invalid int value" in capsys.readouterr().err
