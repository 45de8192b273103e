"""The `warroom` command as a user runs it: real processes, real HTTP."""

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from processes import WARROOM, running_warroom, warroom_env
from sqlalchemy import create_engine, inspect
from sqlmodel import Session, col, select

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver
from storage.enums import AlertState, EventKind, Status
from storage.models import (
    Alert,
    AlertGroup,
    Effect,
    Incident,
    OncallHandoff,
    OncallOverride,
    PageAcknowledgement,
    StatusUpdate,
    TimelineEvent,
)


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


def test_a_broken_escalation_policy_stops_run_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "warroom.yml").write_text(
        "escalation_policies:\n  - name: api\n    levels:\n      - targets: [U0BOB]\n"
        "        timeout: soon\n"
    )
    result = _run(
        ["run"],
        tmp_path,
        SLACK_BOT_TOKEN="xoxb-1",
        SLACK_SIGNING_SECRET="s",
        WARROOM_CONFIG="warroom.yml",
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "warroom: warroom.yml: escalation policy api: levels[0].timeout: 'soon' is not a "
        "duration like 45s, 30m, 1h or 1h30m"
    ]
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
    assert httpx.get(f"{url}/healthz").json() == {"ok": True}
    assert httpx.get(f"{url}/readyz").json()["database"] == "ok"
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


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`warroom demo` run once for the tests that read its transcript and database."""
    folder = tmp_path_factory.mktemp("demo")
    temporary = tmp_path_factory.mktemp("tmp")
    result = _run(["demo"], folder, TMPDIR=str(temporary))
    assert result.returncode == 0, result.stderr
    assert list(folder.iterdir()) == []  # nothing left where it was started
    return temporary / "warroom-demo", result.stdout


def test_demo_plays_a_whole_incident(demo_run: tuple[Path, str]) -> None:
    folder, out = demo_run
    for step in ("declare sev2", "[Acknowledge]", "severity sev1", "status mitigated", "close"):
        assert step in out
    assert "#inc-1-checkout-api-returning-502s" in out and "#incidents" in out
    assert "(only alice sees) 🚨 Incident INC-1 is declared: #inc-1-checkout-api" in out
    assert "Closed" in out and "Rollback done" in out
    # mrkdwn as Slack shows it: emoji, and bold without its asterisks (plain text in a file).
    assert "⏰" in out and "[Snooze 15 min]" in out
    assert "a status update and a stakeholder update for INC-1 are due" in out
    assert "*Severity*" not in out and "_unassigned_" not in out and ":memo:" not in out
    assert "update_missed" in out
    assert "the postmortem drafted on close" in out
    assert "# Incident Post-Mortem: #inc-1-checkout-api-returning-502s" in out
    assert f"Data stored in the SQLite file {folder / 'warroom-demo.db'}" in out


def test_demo_plays_an_alert_born_incident_through_the_webhook(
    demo_run: tuple[Path, str],
) -> None:
    _, out = demo_run
    story = out[out.index("born from an alert") :]
    assert story.count("▶ Alertmanager POSTs") == 3
    assert story.count("← HTTP 202 {") == 3 and '"alerts":2' in story
    assert "#inc-2-higherrorrate created" in story and "Alerts · 2 firing" in story
    assert "You are paged for INC-2" in story and "[Acknowledge]  [Open channel]" in story
    assert "▶ bob clicks [Acknowledge] on the page" in story
    assert "@bob is commander; INC-2 moved triage → investigating" in story
    assert "time to acknowledge" in story and "Acknowledged by @bob" in story
    assert "deduplicated: still 2 alerts, seen 2 times, seen 2 times" in story
    assert "(2 incidents in all)" in story
    assert story.count("Alert resolved: HighErrorRate on checkout") >= 4  # events and timeline
    assert "All 2 alerts resolved" in story and "[Mark resolved]" in story
    assert "▶ bob clicks [Mark resolved]" in story and "INC-2 resolved" in story
    assert "━━━ #inc-2-higherrorrate ━━━" in story and "Status Resolved" in story
    assert "INC-2 alerts (from the database)" in story and "resolved  seen 2 times" in story
    assert "HighErrorRate on checkout web-1" in story.split("INC-2 alerts")[1]
    assert "INC-2 timeline (from the database)" in story and "alert_resolved" in story


def test_demo_signs_in_with_slack_and_reads_the_dashboard(demo_run: tuple[Path, str]) -> None:
    _, out = demo_run
    story = out[out.index("insights: the web app") :]
    assert "is sent to Sign in with Slack (the sandbox's), picks herself" in story
    assert "last 30 days · 8 Feb 2026 \N{EN DASH} 10 Mar 2026" in story
    assert "Incidents 2 (drills left out: 0)" in story
    # The demo's clock runs at real speed: its seconds vary a little from run to run.
    took = r"\d[\ddhms ]*"  # 4s, 1m 05s, 2h 00m
    shown = rf"MTTA {took} · MTTI \N{{EM DASH}} · MTTM {took} · MTTR {took} \(medians\)"
    assert re.search(shown, story)
    assert "3 charts drawn on the server as SVG images" in story


def test_demo_database_holds_the_alert_incident_resolved(demo_run: tuple[Path, str]) -> None:
    folder, _ = demo_run
    engine = create_engine(f"sqlite:///{folder / 'warroom-demo.db'}")
    with Session(engine) as session:
        incidents = list(session.exec(select(Incident).order_by(col(Incident.number))))
        alerts = list(session.exec(select(Alert).order_by(col(Alert.id))))
        groups = list(session.exec(select(AlertGroup)))
    engine.dispose()
    assert [i.status for i in incidents] == [Status.CLOSED, Status.RESOLVED]
    born = incidents[1]
    assert born.acknowledged_at is not None and born.acknowledged_by == "U0BOB"
    assert [g.incident_id for g in groups] == [born.id]
    assert len(alerts) == 2 and all(a.group_id == groups[0].id for a in alerts)
    assert all(a.state == AlertState.RESOLVED and a.repeats >= 1 for a in alerts)


def test_demo_shows_who_is_on_call_pages_them_and_hands_over(demo_run: tuple[Path, str]) -> None:
    _, out = demo_run
    assert "targets: [schedule:sre]" in out and 'restrict: "mon-fri 09:00-18:00"' in out
    assert "the page climbs to level 2" in out and "alice, the SRE lead, gets the page" in out
    assert "Checkout: major outage" in out and "All Systems Operational" in out
    assert ":mega: Stakeholder update · INC-2 · HighErrorRate" in out
    assert "Page 1, level 2: paged @alice; next level in 10m" in out
    assert "The demo's clock reads Tuesday 10 March 2026, 08:40 in London" in out
    before, after = out.split("━━━━━━━━ on call: an override, then a handoff ━━━━━━━━")
    # /oncall before the alert: bob's primary week, the daytime layer not yet begun.
    assert "▶ alice in #general: /oncall\n  (only alice sees)" in before
    assert "sre: @bob until Tue 10 Mar 09:00, then @carol from Tue 10 Mar 09:00" in before
    assert "primary: @bob · daytime: nobody" in before
    assert "schedule:sre pages bob, who is on call; he gets a page by DM" in before
    assert "You are paged for INC-2" in before and "Acknowledged by @bob" in before
    # The override, by command, listed with its Remove button.
    assert "/oncall override sre @dan 2026-03-10 12:00 2026-03-10 13:00" in after
    assert "@dan takes sre from Tue 10 Mar 12:00 to Tue 10 Mar 13:00 (Europe/London)" in after
    assert "@dan takes the whole schedule" in after and "[Remove]" in after
    # The clock passes 09:00: DMs, one post, the user group.
    assert after.count(" gets a DM:") == 2 and after.count("#sre gets one post:") == 1
    assert "You are on call for sre from 2026-03-10 09:00 UTC until 2026-03-10 12:00 UTC, " in after
    assert "then @dan.\n    Handed over by @bob." in after
    assert "2 fired" in after and "alert: HighErrorRate → INC-2" in after
    assert "Your on-call shift in sre ended at 2026-03-10 09:00 UTC" in after
    assert "sre handoff at 2026-03-10 09:00 UTC: @bob → @carol" in after
    assert "@sre-oncall (usergroups.users.update) now names @carol" in after
    assert "sre: @carol until Tue 10 Mar 12:00, then @dan from Tue 10 Mar 12:00" in after
    assert "primary: @bob · daytime: @carol" in after
    assert ":pager:" not in out and "📟" in after  # emoji as Slack shows them


def test_demo_database_holds_the_page_override_and_handoffs(demo_run: tuple[Path, str]) -> None:
    folder, _ = demo_run
    engine = create_engine(f"sqlite:///{folder / 'warroom-demo.db'}")
    with Session(engine) as session:
        acks = list(session.exec(select(PageAcknowledgement)))
        overrides = list(session.exec(select(OncallOverride)))
        handoffs = list(session.exec(select(OncallHandoff).order_by(col(OncallHandoff.at))))
        dms = list(session.exec(select(Effect).where(Effect.kind == "oncall.handoff.dm")))
    engine.dispose()
    assert [(a.user, a.via) for a in acks] == [("U0BOB", "slack")]
    (override,) = overrides
    assert (override.schedule, override.layer, override.user, override.created_by) == (
        "sre",
        "",
        "U0DAN",
        "U0CAROL",
    )
    assert override.start_at is not None and override.end_at is not None
    assert (override.start_at.isoformat(), override.end_at.isoformat()) == (
        "2026-03-10T12:00:00+00:00",
        "2026-03-10T13:00:00+00:00",
    )
    # The first seen at start-up (told to nobody), then the 09:00 handoff, once.
    assert [(h.at and h.at.isoformat(), h.outgoing, h.incoming) for h in handoffs] == [
        ("2026-03-09T18:00:00+00:00", [], ["U0BOB"]),
        ("2026-03-10T09:00:00+00:00", ["U0BOB"], ["U0CAROL"]),
    ]
    assert sorted(e.payload["user"] for e in dms) == ["U0BOB", "U0CAROL"]
    assert all(e.state == "done" for e in dms)


SLACK_MARKUP = re.compile(r"<[@!#]|&(?:amp|lt|gt);")


def test_after_the_demo_no_stored_text_holds_slack_markup(demo_run: tuple[Path, str]) -> None:
    folder, _ = demo_run
    engine = create_engine(f"sqlite:///{folder / 'warroom-demo.db'}")
    with Session(engine) as session:
        events = list(session.exec(select(TimelineEvent)))
        updates = list(session.exec(select(StatusUpdate)))
        incidents = list(session.exec(select(Incident)))
    engine.dispose()
    texts = [e.text for e in events] + [u.text for u in updates]
    texts += [i.title for i in incidents] + [i.resolution for i in incidents]
    assert len(events) > 15 and updates
    assert [t for t in texts if SLACK_MARKUP.search(t)] == []
    # People are plain `@U…` mentions, listed beside the text so each surface can render them.
    acknowledged = [e for e in events if e.kind == EventKind.ACKNOWLEDGED]
    assert [(e.text, e.mentions) for e in acknowledged] == [
        ("Acknowledged by @U0BOB", ["U0BOB"]),
        ("Acknowledged by @U0BOB", ["U0BOB"]),
    ]
