"""`warroom maintenance add|list` on SQLite and PostgreSQL: what is stored, what is printed,
and one line with exit 2 for every mistake."""

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from statuspage_core import STATUS_YML, effects

from bot.cli import maintenance
from bot.ops.problems import SetupError
from storage.database import make_engine
from storage.models import ComponentState, Maintenance


@pytest.fixture
def folder(nowhere: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with warroom.yml and a migrated database, named in the environment."""
    (nowhere / "warroom.yml").write_text(STATUS_YML, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_CONFIG", str(nowhere / "warroom.yml"))
    return nowhere


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command as `warroom` runs it: a SetupError is one line and exit 2."""
    parser = argparse.ArgumentParser(prog="warroom")
    maintenance.add_commands(parser.add_subparsers(dest="command", required=True))
    try:
        parsed = parser.parse_args(list(args))
        code = int(parsed.func(parsed))
    except SetupError as error:
        print(f"warroom: {error}", file=sys.stderr)
        code = 2
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def stored(database_url: str) -> list[Maintenance]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return list(session.exec(select(Maintenance).order_by(col(Maintenance.id))))
    finally:
        engine.dispose()


def hour(offset: timedelta) -> datetime:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now + offset


def test_add_stores_maintenance_in_utc(
    folder: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = hour(timedelta(days=2)), hour(timedelta(days=2, hours=2))
    code, out, err = run(
        capsys,
        "maintenance",
        "add",
        "--components",
        "API, Payments",
        "--from",
        f"{start:%Y-%m-%d %H:%M}",
        "--to",
        f"{end:%Y-%m-%dT%H:%M}+01:00",
        "--title",
        "Database upgrade",
        "--body",
        "Writes pause for a minute.",
    )

    assert (code, err) == (0, "")
    assert out == (
        f"maintenance 1: API, Payments from {start:%Y-%m-%d %H:%M} UTC "
        f"to {end - timedelta(hours=1):%Y-%m-%d %H:%M} UTC\n"
    )
    [row] = stored(database_url)
    assert (row.title, row.body, row.components, row.status) == (
        "Database upgrade",
        "Writes pause for a minute.",
        ["API", "Payments"],
        "scheduled",
    )
    assert (row.starts_at, row.ends_at) == (start, end - timedelta(hours=1))


def test_maintenance_already_due_starts_at_once(
    folder: Path, database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    start, end = hour(timedelta(hours=-1)), hour(timedelta(hours=3))
    code, out, _ = run(
        capsys,
        "maintenance",
        "add",
        "--components=Email delivery",
        f"--from={start:%Y-%m-%d %H:%M}Z",
        f"--to={end:%Y-%m-%d %H:%M}",
        "--title=Mail relay",
    )

    assert code == 0 and out.endswith("(in progress now)\n")
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            states = session.exec(select(ComponentState.component, ComponentState.status)).all()
        assert states == [("Email delivery", "under_maintenance")]
        assert effects(engine) == [
            (
                "statuspage.published:maintenance:1:started",
                {"maintenance_id": 1, "phase": "started"},
            )
        ]
    finally:
        engine.dispose()


def test_list_shows_the_newest_first_as_text_and_json(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for days, title in [(1, "First"), (3, "Second")]:
        start = hour(timedelta(days=days))
        run(
            capsys,
            "maintenance",
            "add",
            "--components=API",
            f"--from={start:%Y-%m-%d %H:%M}",
            f"--to={start + timedelta(hours=1):%Y-%m-%d %H:%M}",
            f"--title={title}",
        )

    code, out, _ = run(capsys, "maintenance", "list")
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0:2] for line in lines] == [["2", "scheduled"], ["1", "scheduled"]]
    assert lines[0].endswith("API  Second")
    code, out, _ = run(capsys, "maintenance", "list", "--json")
    listed = json.loads(out)
    assert [(m["id"], m["title"], m["components"]) for m in listed] == [
        (2, "Second", ["API"]),
        (1, "First", ["API"]),
    ]


def test_list_says_when_there_is_none(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "maintenance", "list") == (0, "no maintenance scheduled\n", "")


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--from", "tomorrow"],
            "warroom: --from 'tomorrow' is not a date and time "
            '("2026-12-05 10:00" in UTC, or 2026-12-05T10:00+01:00)',
        ),
        (["--from", "2030-01-01"], "warroom: --from '2030-01-01' is not a date and time"),
        (["--to", "2030-01-01 09:00"], "warroom: The end must be after the start."),
        (["--components", "API,Billing"], "warroom: No component 'Billing' (components: API, "),
        (["--components", " , "], "warroom: --components: name at least one component"),
        (["--title", "  "], "warroom: Give a title of 1 to 200 characters."),
        (
            ["--from", "2020-01-01 09:00", "--to", "2020-01-01 10:00"],
            "warroom: That maintenance would be over already.",
        ),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(
    folder: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    line: str,
) -> None:
    given = {
        "--components": "API",
        "--from": "2030-01-01 10:00",
        "--to": "2030-01-01 12:00",
        "--title": "Upgrade",
    }
    given.update(dict(zip(args[::2], args[1::2], strict=True)))
    code, out, err = run(capsys, "maintenance", "add", *[x for kv in given.items() for x in kv])

    assert (code, out) == (2, "")
    assert err.startswith(line) and err.count("\n") == 1
    assert stored(database_url) == []


def test_a_missing_option_is_one_line(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "maintenance", "add", "--components", "API")

    assert (code, out) == (2, "")
    assert err == (
        "warroom maintenance add: the following arguments are required: --from, --to, --title "
        "(see warroom maintenance add --help)\n"
    )


def test_without_components_it_says_where_to_define_them(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (folder / "warroom.yml").write_text("routes: []\n")

    assert run(capsys, "maintenance", "list") == (
        2,
        "",
        "warroom: no components: define them under components: in WARROOM_CONFIG\n",
    )
