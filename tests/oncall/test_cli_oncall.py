"""`warroom oncall …` and `warroom config check` as people and scripts use them: through
`bot.cli.main` on SQLite and PostgreSQL, and once as a real process."""

import asyncio
import csv
import io
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from processes import WARROOM, warroom_env
from sqlmodel import Session

from bot.cli import main
from bot.oncall.config import load_schedules
from bot.oncall.published import PublishedCalendars
from bot.oncall.service import OncallService
from storage.database import make_engine
from storage.models import Person

BERLIN = ZoneInfo("Europe/Berlin")
CONFIG = """\
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
    holidays: {country: DE, cover: U0CAROL}
  - name: db
    timezone: America/New_York
    layers:
      - name: primary
        users: [U0DAN]
        rotation: daily
        handoff: "08:00"
        start: 2026-01-05
routes:
  - match: {service: db}
    action: declare
"""


@pytest.fixture
def oncall(nowhere: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with warroom.yml and a migrated database, named in the environment."""
    (nowhere / "warroom.yml").write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(nowhere / "warroom.yml"))
    return nowhere


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """The one stderr line of a command that must fail with exit status 2."""
    try:
        code = main(list(args))
    except SystemExit as done:
        code = int(done.code or 0)
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_shifts_json_are_final_shifts_with_offsets_in_the_schedules_zone(
    oncall: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "oncall",
        "shifts",
        "sre",
        "--from",
        "2026-12-21T09:00",
        "--to",
        "2026-12-29",
        "--json",
    )
    assert code == 0
    assert json.loads(out) == [
        {
            "schedule": "sre",
            "layer": "primary",
            "user": "U0ALICE",
            "start": "2026-12-21T09:00:00+01:00",
            "end": "2026-12-25T00:00:00+01:00",
            "source": "rotation",
        },
        {
            "schedule": "sre",
            "layer": "",
            "user": "U0CAROL",
            "start": "2026-12-25T00:00:00+01:00",
            "end": "2026-12-27T00:00:00+01:00",
            "source": "holiday",
        },
        {
            "schedule": "sre",
            "layer": "primary",
            "user": "U0ALICE",
            "start": "2026-12-27T00:00:00+01:00",
            "end": "2026-12-28T09:00:00+01:00",
            "source": "rotation",
        },
        {
            "schedule": "sre",
            "layer": "primary",
            "user": "U0BOB",
            "start": "2026-12-28T09:00:00+01:00",
            "end": "2026-12-30T00:00:00+01:00",
            "source": "rotation",
        },
    ]
    # Across a DST change, the offset follows the zone: summer time in July.
    _, summer, _ = run(
        capsys, "oncall", "shifts", "sre", "--from", "2026-07-06", "--to", "2026-07-06", "--json"
    )
    assert json.loads(summer)[0]["start"] == "2026-07-06T00:00:00+02:00"
    # An offset given wins over the schedule's zone.
    _, given, _ = run(
        capsys,
        "oncall",
        "shifts",
        "db",
        "--from",
        "2026-03-02T12:00Z",
        "--to",
        "2026-03-02T14:00Z",
        "--json",
    )
    assert [(s["start"], s["end"]) for s in json.loads(given)] == [
        ("2026-03-02T07:00:00-05:00", "2026-03-02T09:00:00-05:00")
    ]


def test_shifts_text_shows_names_the_people_directory_knows(
    oncall: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(database_url)
    with Session(engine) as session:
        session.add(Person(id="U0BOB", handle="bob", real_name="Bob Baker"))
        session.commit()
    engine.dispose()
    code, out, _ = run(
        capsys, "oncall", "shifts", "sre", "--from", "2026-12-28", "--to", "2027-01-04"
    )
    assert code == 0
    assert out.splitlines()[0] == (
        "2026-12-28 00:00 +01:00 → 2026-12-28 09:00 +01:00  U0ALICE  primary (rotation)"
    )
    assert "2026-12-28 09:00 +01:00 → 2027-01-01 00:00 +01:00  Bob Baker (U0BOB)" in out
    assert "U0CAROL  all layers (holiday)" in out  # New Year's Day


def test_who_at_an_instant_names_the_person_until_when_and_the_next(
    oncall: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "oncall", "who", "sre", "--at", "2026-12-23T12:00", "--json")
    assert code == 0
    (sre,) = json.loads(out)
    assert sre["on_call"]["user"] == "U0ALICE"
    assert sre["on_call"]["end"] == "2026-12-25T00:00:00+01:00"
    assert (sre["next"]["user"], sre["next"]["source"]) == ("U0CAROL", "holiday")
    assert sre["layers"] == {"primary": "U0ALICE"}
    code, text, _ = run(capsys, "oncall", "who", "--at", "2026-12-23T12:00")
    assert code == 0
    lines = text.splitlines()
    assert lines[:2] == [
        "sre: U0ALICE until 2026-12-25 00:00 +01:00 (rotation); next U0CAROL from "
        "2026-12-25 00:00 +01:00",
        "  primary: U0ALICE",
    ]
    # Dan is alone in his rotation: on call as far as Warroom looks, nobody next.
    assert lines[2].startswith("db: U0DAN until ") and "next" not in lines[2]
    assert lines[3:] == ["  primary: U0DAN"]


def test_override_is_stored_and_shows_in_shifts(
    oncall: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    day = (datetime.now(BERLIN) + timedelta(days=3)).date()
    start, end = f"{day}T18:00", f"{day + timedelta(days=1)}T08:00"
    code, out, _ = run(
        capsys, "oncall", "override", "sre", "--user", "U0ERIN", "--from", start, "--to", end
    )
    assert code == 0
    assert out.startswith("override 1: U0ERIN takes schedule sre (every layer) from ")
    _, shifts, _ = run(capsys, "oncall", "shifts", "sre", "--from", start, "--to", end, "--json")
    assert [(s["user"], s["source"], s["layer"]) for s in json.loads(shifts)] == [
        ("U0ERIN", "override", "")
    ]
    code, out, _ = run(
        capsys,
        "oncall",
        "override",
        "sre",
        "--user",
        "U0FRANK",
        "--from",
        start,
        "--to",
        end,
        "--layer",
        "primary",
    )
    assert code == 0 and "(layer primary)" in out


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (("oncall", "who", "payments"), "warroom: No schedule 'payments' (schedules: sre, db)."),
        (
            ("oncall", "shifts", "sre", "--from", "monday", "--to", "2026-01-01"),
            "warroom: --from 'monday' is not an ISO-8601 date or date and time",
        ),
        (
            ("oncall", "shifts", "sre", "--from", "2026-02-01", "--to", "2026-01-01"),
            "warroom: --to (2026-01-01) must be after --from (2026-02-01)",
        ),
        (
            (
                "oncall",
                "override",
                "sre",
                "--user",
                "erin",
                "--from",
                "2099-01-01",
                "--to",
                "2099-01-02",
            ),
            "warroom: 'erin' is not a Slack user id (U…/W…).",
        ),
        (
            (
                "oncall",
                "override",
                "sre",
                "--user",
                "U0E",
                "--from",
                "2099-01-01",
                "--to",
                "2099-06-01",
            ),
            "warroom: An override lasts at most 90 days;",
        ),
        (
            (
                "oncall",
                "override",
                "sre",
                "--user",
                "U0E",
                "--from",
                "2020-01-01",
                "--to",
                "2020-01-02",
            ),
            "warroom: The override ends in the past.",
        ),
        (
            (
                "oncall",
                "override",
                "sre",
                "--user",
                "U0E",
                "--from",
                "2099-01-01",
                "--to",
                "2099-01-02",
                "--layer",
                "night",
            ),
            "warroom: Schedule sre has no layer 'night' (layers: primary).",
        ),
        (("oncall", "feed-url"), "warroom: name a schedule or give --user U (one of them)"),
        (("oncall", "feed-url", "--user", "bob"), "warroom: --user 'bob' is not a Slack user id"),
        (
            ("oncall", "shifts", "sre", "--from", "2026-01-01"),
            "warroom oncall shifts: the following arguments are required: --to (see warroom "
            "oncall shifts --help)",
        ),
    ],
    ids=[
        "schedule",
        "time",
        "backwards",
        "user",
        "too-long",
        "past",
        "layer",
        "feed-none",
        "feed-user",
        "usage",
    ],
)
def test_every_mistake_is_one_line_and_exit_2(
    oncall: Path, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], line: str
) -> None:
    assert refused(capsys, *args).startswith(line)


def test_no_schedules_or_a_broken_file_is_one_line(
    oncall: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (oncall / "warroom.yml").write_text("routes: []\n", encoding="utf-8")
    assert refused(capsys, "oncall", "who") == (
        "warroom: no schedules: define them under schedules: in WARROOM_CONFIG"
    )
    (oncall / "warroom.yml").write_text(CONFIG.replace("U0BOB", "bob"), encoding="utf-8")
    assert refused(capsys, "oncall", "who").endswith(
        "warroom.yml: schedule sre, layer primary: users[1]: 'bob' is neither a Slack user id "
        "(U…/W…) nor an e-mail"
    )


def test_hours_split_a_week_by_kind_of_hour(
    oncall: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # An override made earlier (stored through the service, whose clock says December 1st).
    engine = make_engine(database_url)
    service = OncallService(
        engine,
        load_schedules(str(oncall / "warroom.yml")),
        clock=lambda: datetime(2026, 12, 1, tzinfo=UTC),
    )
    at = datetime(2026, 12, 24, 18, tzinfo=BERLIN)
    asyncio.run(service.add_override("sre", "U0ERIN", at, at + timedelta(hours=4), by="U0BOB"))
    engine.dispose()
    code, out, _ = run(
        capsys, "oncall", "hours", "--from", "2026-12-21T09:00", "--to", "2026-12-28T09:00", "--csv"
    )
    assert code == 0
    rows = {(r["schedule"], r["user"]): r for r in csv.DictReader(io.StringIO(out))}
    kinds = ("business", "evening", "night", "weekend", "holiday", "total")
    # Mon 21 09:00 → Mon 28 09:00 for Bob: four weekdays less Erin's Thursday evening,
    # Christmas (Fri) and Boxing Day (Sat) held by the holiday cover, Sunday, Monday's night.
    assert [rows[("sre", "U0ALICE")][k] for k in kinds] == [
        "36.00",
        "12.00",
        "44.00",
        "24.00",
        "0.00",
        "116.00",
    ]
    assert [rows[("sre", "U0ERIN")][k] for k in kinds] == [
        "0.00",
        "4.00",
        "0.00",
        "0.00",
        "0.00",
        "4.00",
    ]
    assert [rows[("sre", "U0CAROL")][k] for k in kinds] == [
        "0.00",
        "0.00",
        "0.00",
        "0.00",
        "48.00",
        "48.00",
    ]
    assert rows[("db", "U0DAN")]["total"] == "168.00"
    code, text, _ = run(capsys, "oncall", "hours", "--from", "2026-12-21", "--to", "2026-12-27")
    assert code == 0
    assert text.splitlines()[0].split() == ["schedule", "person", *kinds]


async def no_names(ids: list[str]) -> dict[str, str]:
    return {}


def test_feed_url_prints_the_same_secret_link_each_time(
    oncall: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_PUBLIC_URL", "https://warroom.example.com/")
    _, first, _ = run(capsys, "oncall", "feed-url", "sre")
    _, again, _ = run(capsys, "oncall", "feed-url", "sre")
    assert first == again
    assert first.startswith("https://warroom.example.com/oncall/sre.ics?token=")
    _, user, _ = run(capsys, "oncall", "feed-url", "--user", "U0ALICE")
    assert user.startswith("https://warroom.example.com/oncall/users/U0ALICE.ics?token=")
    token = first.strip().split("token=")[1]
    engine = make_engine(database_url)
    service = OncallService(engine, [], clock=lambda: datetime.now(UTC))
    calendars = PublishedCalendars(service, no_names, clock=service.clock)
    assert asyncio.run(calendars.opens("schedule:sre", token))
    engine.dispose()


def test_config_check_says_what_the_file_holds_or_what_is_wrong(
    oncall: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "config", "check")
    assert code == 0
    assert out == f"{oncall / 'warroom.yml'}: valid: 1 route, 2 schedules with 2 layers\n"
    broken = oncall / "broken.yml"
    broken.write_text(CONFIG.replace("monday 09:00", "monday 9am"), encoding="utf-8")
    assert refused(capsys, "config", "check", "--config", str(broken)) == (
        f"warroom: {broken}: schedule sre, layer primary: handoff: expected a time of day "
        "HH:MM (00:00-23:59), got '9am'"
    )
    broken.write_text(CONFIG.replace("action: declare", "action: shout"), encoding="utf-8")
    assert refused(capsys, "config", "check", "--config", str(broken)).startswith(
        f"warroom: {broken}: routes[0].action must be one of"
    )
    policy = (
        "escalation_policies:\n  - {name: db, levels: [{targets: [schedule:db], timeout: 30m}]}\n"
    )
    broken.write_text(CONFIG + policy, encoding="utf-8")
    code, out, _ = run(capsys, "config", "check", "--config", str(broken))
    assert code == 0
    assert out == f"{broken}: valid: 1 route, 2 schedules with 2 layers, 1 escalation policy\n"
    broken.write_text(
        CONFIG + policy.replace("schedule:db", "schedule:db/backup"), encoding="utf-8"
    )
    assert refused(capsys, "config", "check", "--config", str(broken)) == (
        f"warroom: {broken}: escalation policy db: levels[0].targets[0]: schedule:db/backup: "
        "schedule db has no layer backup (layers: primary)"
    )


def test_config_check_needs_a_file(nowhere: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert refused(capsys, "config", "check") == (
        "warroom: no file to check: pass --config PATH or set WARROOM_CONFIG"
    )


@pytest.mark.parametrize(
    ("command", "words"),
    [
        (("oncall",), ["WARROOM_CONFIG", "DATABASE_URL", "next handoff"]),
        (("oncall", "who"), ["--at", "--json", "schedule's own zone", "WARROOM_CONFIG"]),
        (("oncall", "shifts"), ['"schedule", "layer", "user", "start", "end", "source"', "--from"]),
        (("oncall", "override"), ["--user", "--layer", "90 days", "DATABASE_URL"]),
        (("oncall", "hours"), ["--csv", "business", "holiday", "weekend"]),
        (("oncall", "feed-url"), ["WARROOM_PUBLIC_URL", "--user", ".ics?token="]),
        (("config", "check"), ["--config", "WARROOM_CONFIG", "exit status 2"]),
    ],
    ids=lambda c: " ".join(c) if isinstance(c, tuple) else None,
)
def test_each_help_lists_what_the_command_needs(
    command: tuple[str, ...], words: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    shown = capsys.readouterr().out
    for word in words:
        assert word in shown, f"{' '.join(command)} --help does not say {word!r}"


def test_the_installed_command_prints_shifts_as_json(tmp_path: Path) -> None:
    (tmp_path / "warroom.yml").write_text(CONFIG, encoding="utf-8")
    env = warroom_env(DATABASE_URL="sqlite:///warroom.db", WARROOM_CONFIG="warroom.yml")

    def warroom(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*WARROOM, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )

    before = warroom("oncall", "who")
    assert before.returncode == 2 and "warroom db upgrade" in before.stderr  # not migrated
    assert warroom("db", "upgrade").returncode == 0
    done = warroom("oncall", "shifts", "db", "--from", "2026-03-07", "--to", "2026-03-08", "--json")
    assert done.returncode == 0, done.stderr
    # Dan alone holds it: one shift, 47 hours long, since clocks go forward on March 8.
    assert [(s["user"], s["start"], s["end"]) for s in json.loads(done.stdout)] == [
        ("U0DAN", "2026-03-07T00:00:00-05:00", "2026-03-09T00:00:00-04:00")
    ]
