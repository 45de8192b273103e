"""The `warroom` command as a user runs it: real processes, real HTTP."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from processes import WARROOM, running_warroom, warroom_env
from sqlalchemy import create_engine, inspect

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver


def _run(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WARROOM, *args],
        cwd=cwd,
        env=warroom_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN is not set"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "WARROOM_PORT": "abc"},
            "WARROOM_PORT",
        ),
        ({"SLACK_BOT_TOKEN": "xoxp-1", "SLACK_SIGNING_SECRET": "s"}, "SLACK_BOT_TOKEN must be"),
        (
            {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "DATABASE_URL": "mysql://x"},
            "DATABASE_URL",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_SIGNING_SECRET": "s",
                "WARROOM_UPDATE_INTERVAL": "soon",
            },
            "WARROOM_UPDATE_INTERVAL",
        ),
    ],
)
def test_bad_settings_print_one_line_and_exit_2(
    tmp_path: Path, env: dict[str, str], named: str
) -> None:
    result = _run(["run"], tmp_path, **env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    result = _run(["db", "upgrade"], tmp_path, DATABASE_URL="sqlite:///warroom.db")
    assert result.returncode == 0, result.stderr
    tables = set(inspect(create_engine(f"sqlite:///{tmp_path / 'warroom.db'}")).get_table_names())
    assert {"incident", "timelineevent", "incidentrole", "statusupdate"} <= tables


def test_run_refuses_an_unmigrated_postgres(blank_database_url: str, tmp_path: Path) -> None:
    if not blank_database_url.startswith("postgresql"):
        pytest.skip("run migrates SQLite by itself; this is about PostgreSQL")
    result = _run(
        ["run"],
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        DATABASE_URL=blank_database_url,
    )
    assert result.returncode == 2
    assert "warroom db upgrade" in result.stderr and "Traceback" not in result.stderr


@pytest.fixture
def running_app(tmp_path: Path) -> Iterator[tuple[str, SandboxServer]]:
    """`warroom run` in HTTP mode as its own process, talking to an in-process sandbox."""
    with (
        SandboxServer() as sandbox,
        running_warroom(
            tmp_path,
            SLACK_BOT_TOKEN="xoxb-sandbox-token",
            SLACK_SIGNING_SECRET="process-secret",
            SLACK_API_URL=sandbox.api_url.rstrip("/"),
            WARROOM_LOG_LEVEL="WARNING",
        ) as app,
    ):
        yield app.url, sandbox


def test_run_serves_health_and_signed_slack_requests(
    running_app: tuple[str, SandboxServer], tmp_path: Path
) -> None:
    url, sandbox = running_app
    assert httpx.get(f"{url}/healthz").json() == {"ok": True, "database": "ok"}
    with SlackDriver(f"{url}/slack/events", "process-secret", sandbox.url) as driver:
        assert (
            driver.slash("alice", "general", "declare sev2 From a real process").status_code == 200
        )
        channel = driver.wait_for(
            lambda: driver.channel_by_name("inc-1-from-a-real-process"), timeout=10
        )
        driver.wait_for(lambda: driver.pins(channel["id"]), timeout=10)
        forged = driver.slash("alice", "general", "declare sev1 Forged", signature="v0=00")
        assert forged.status_code == 401
    assert (tmp_path / "warroom.db").exists()  # run migrated the SQLite file by itself


def test_demo_plays_a_whole_incident(tmp_path: Path) -> None:
    result = _run(["demo"], tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for step in ("declare sev2", "[Acknowledge]", "severity sev1", "status mitigated", "close"):
        assert step in out
    assert "#inc-1-checkout-api-returning-502s" in out and "#incidents" in out
    assert "Closed" in out and "Rollback done" in out
    assert "a status update for *INC-1* is due" in out and "[Snooze 15 min]" in out
    assert "update_missed" in out
    assert f"Data stored in the SQLite file {tmp_path / 'warroom-demo.db'}" in out
