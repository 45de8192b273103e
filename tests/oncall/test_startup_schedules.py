"""`warroom run` and its schedules, as an operator meets them: a broken schedule or a person
Slack does not know stops the start with one line; e-mails are resolved through
users.lookupByEmail and remembered; an unreachable Slack is a warning. Real processes against
the sandbox."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from processes import WARROOM, free_port, own_session, running_warroom, warroom_env
from sqlmodel import select

from bot.sandbox import SandboxServer
from bot.sandbox.driver import SlackDriver
from bot.sandbox.model import DEFAULT_TOKEN
from storage.models import OncallRoster, Person

SECRET = "0123456789abcdef0123456789abcdef"


def schedules(*users: str, cover: str = "U0CAROL") -> str:
    listed = ", ".join(users)
    return (
        "schedules:\n"
        "  - name: sre\n"
        "    timezone: Europe/Berlin\n"
        "    layers:\n"
        "      - name: primary\n"
        f"        users: [{listed}]\n"
        "        rotation: weekly\n"
        '        handoff: "monday 09:00"\n'
        "        start: 2026-01-05\n"
        f"    holidays: {{country: DE, cover: {cover}}}\n"
    )


@pytest.fixture
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer() as server:
        yield server


def _settings(api_url: str, tmp_path: Path, config: str) -> dict[str, str]:
    (tmp_path / "warroom.yml").write_text(config, encoding="utf-8")
    return {
        "SLACK_BOT_TOKEN": DEFAULT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'warroom.db'}",
        "WARROOM_CONFIG": "warroom.yml",
        "WARROOM_LOG_LEVEL": "WARNING",
    }


def _run_until_exit(cwd: Path, env: dict[str, str]) -> str:
    """`warroom run` that is expected to stop: its one line on stderr (exit status 2)."""
    result = subprocess.run(
        [*WARROOM, "run"],
        cwd=cwd,
        env=warroom_env(WARROOM_PORT=str(free_port()), **env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("users", "cover", "named"),
    [
        (
            ("U0ALICE", "U0ZED"),
            "U0CAROL",
            "schedule sre, layer primary: user U0ZED is not a member of the Slack workspace",
        ),
        (
            ("U0ALICE", "zed@example.com"),
            "U0CAROL",
            "schedule sre, layer primary: user zed@example.com: no member of the Slack "
            "workspace has this e-mail",
        ),
        (
            ("U0ALICE",),
            "U0ZED",
            "schedule sre, holidays.cover: user U0ZED is not a member",
        ),
    ],
    ids=["user-id", "e-mail", "holiday-cover"],
)
def test_a_person_slack_does_not_know_stops_run_with_one_line(
    sandbox: SandboxServer, tmp_path: Path, users: tuple[str, ...], cover: str, named: str
) -> None:
    env = _settings(sandbox.api_url, tmp_path, schedules(*users, cover=cover))
    line = _run_until_exit(tmp_path, env)
    assert line.startswith(f"warroom: warroom.yml: {named}"), line
    with own_session(env["DATABASE_URL"]) as session:
        assert session.exec(select(OncallRoster)).all() == []  # nothing stored from it


def test_a_broken_schedule_stops_run_before_slack_is_asked(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = schedules("U0ALICE").replace("Europe/Berlin", "Europe/Atlantis")
    line = _run_until_exit(tmp_path, _settings(sandbox.api_url, tmp_path, config))
    assert line == (
        "warroom: warroom.yml: schedule sre: timezone: 'Europe/Atlantis' is not an IANA time "
        "zone (e.g. Europe/Berlin)"
    )
    assert sandbox.world.calls == []


def test_emails_are_resolved_remembered_and_the_rosters_stored(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = _settings(sandbox.api_url, tmp_path, schedules("U0ALICE", "bob@sandbox.example"))
    with running_warroom(tmp_path, **env) as app:
        output = app.output()
    assert "Traceback" not in output and "could not be checked" not in output
    methods = [call.method for call in sandbox.world.calls]
    assert methods.count("users.lookupByEmail") == 1
    assert methods.count("users.info") == 2  # U0ALICE and the holiday cover U0CAROL
    with own_session(env["DATABASE_URL"]) as session:
        bob = session.get(Person, "U0BOB")
        assert bob is not None and bob.email == "bob@sandbox.example" and bob.handle == "bob"
        (roster,) = session.exec(select(OncallRoster)).all()
    assert (roster.users, roster.effective_from) == (["U0ALICE", "bob@sandbox.example"], None)
    # The rules see the id: `warroom oncall shifts` (its own process) names U0BOB.
    shifts = subprocess.run(
        [*WARROOM, "oncall", "shifts", "sre", "--from", "2026-01-12", "--to", "2026-01-12"],
        cwd=tmp_path,
        env=warroom_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shifts.returncode == 0, shifts.stderr
    assert "bob (U0BOB)" in shifts.stdout or "Bob Baker (U0BOB)" in shifts.stdout


@pytest.mark.slow
def test_an_unreachable_slack_is_a_warning_and_the_check_is_made_once_it_answers(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    env = _settings(sandbox.api_url, tmp_path, schedules("U0ALICE", "bob@sandbox.example"))
    with SlackDriver("http://unused", SECRET, sandbox.url) as control:
        control.outage(True)
        with running_warroom(tmp_path, **env) as app:
            assert "the people named in on-call schedules could not be checked" in app.output()
            with own_session(env["DATABASE_URL"]) as session:
                assert session.get(Person, "U0BOB") is None
                assert len(session.exec(select(OncallRoster)).all()) == 1  # stored all the same
            control.outage(False)
            control.wait_for(
                lambda: "are checked now: 1 e-mail(s) resolved" in app.output(),
                40,
                description="the check made again",
            )
            output = app.output()
    assert "Traceback" not in output
    with own_session(env["DATABASE_URL"]) as session:
        bob = session.get(Person, "U0BOB")
        assert bob is not None and bob.email == "bob@sandbox.example"
