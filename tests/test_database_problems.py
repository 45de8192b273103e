"""Every database and driver problem, at `warroom run` and in `db upgrade`, `db current` and
`postmortem`, is one line naming the setting and the fix, exit status 2, never a traceback."""

import os
import subprocess
from pathlib import Path

import pytest
from backends import POSTGRES_URL
from processes import ROOT, WARROOM, free_port, warroom_env
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from bot.cli import main
from storage import migrate

RUN = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s", "WARROOM_LOG_LEVEL": "WARNING"}
COMMANDS = [["db", "upgrade"], ["db", "current"], ["postmortem", "1"]]


def _in_process(
    args: list[str], url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """`warroom ARGS` through `bot.cli.main`: its one stderr line (exit status 2 asserted)."""
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(args) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    return lines[0]


def _process(args: list[str], cwd: Path, **env: str) -> str:
    """`warroom ARGS` as its own process: its one stderr line (exit status 2 asserted)."""
    env.setdefault("WARROOM_PORT", str(free_port()))
    result = subprocess.run(
        [*WARROOM, *args],
        cwd=cwd,
        env=warroom_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


pytestmark = pytest.mark.usefixtures("nowhere")


def _postgres_url(**parts: object) -> str:
    return make_url(POSTGRES_URL).set(**parts).render_as_string(hide_password=False)


needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="needs WARROOM_TEST_POSTGRES_URL")


@pytest.mark.parametrize("args", COMMANDS)
def test_postgres_refusing_connections(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    url = f"postgresql+psycopg://warroom:secret@127.0.0.1:{port}/warroom"
    line = _in_process(args, url, monkeypatch, capsys)
    assert line == (
        f"warroom: PostgreSQL at 127.0.0.1:{port} refused the connection: start PostgreSQL "
        "there, or fix the host and port in DATABASE_URL "
        f"(postgresql+psycopg://warroom:***@127.0.0.1:{port}/warroom)"
    )


def test_run_against_postgres_refusing_connections(tmp_path: Path) -> None:
    port = free_port()
    url = f"postgresql+psycopg://warroom@127.0.0.1:{port}/warroom"
    line = _process(["run"], tmp_path, DATABASE_URL=url, **RUN)
    assert line.startswith(f"warroom: PostgreSQL at 127.0.0.1:{port} refused the connection")


@needs_postgres
@pytest.mark.parametrize("args", [*COMMANDS, ["run"]])
def test_a_role_postgres_does_not_know(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    url = _postgres_url(username="no_such_warroom_role", password=None)
    expected = "has no role no_such_warroom_role: create it (createuser no_such_warroom_role)"
    if args == ["run"]:
        line = _process(args, tmp_path, DATABASE_URL=url, **RUN)
    else:
        line = _in_process(args, url, monkeypatch, capsys)
    assert expected in line and "DATABASE_URL" in line


@needs_postgres
@pytest.mark.parametrize("args", COMMANDS)
def test_a_database_that_does_not_exist(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _postgres_url(database="no_such_warroom_database")
    line = _in_process(args, url, monkeypatch, capsys)
    assert "has no database no_such_warroom_database: create it (createdb -O" in line
    assert "DATABASE_URL" in line


@pytest.mark.parametrize("args", [["db", "upgrade"], ["run"]])
def test_a_sqlite_file_in_a_missing_folder(args: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    line = _process(args, tmp_path, DATABASE_URL=f"sqlite:///{folder}/warroom.db", **RUN)
    assert line == (
        f"warroom: DATABASE_URL points at {folder}/warroom.db, but the folder {folder} does "
        f"not exist: create it (mkdir -p {folder}) or fix the path"
    )
    assert not (tmp_path / "no").exists()


@pytest.mark.parametrize("args", [["db", "upgrade"], ["run"]])
def test_a_sqlite_file_under_a_file(args: list[str], tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'notes.txt' / 'warroom.db'}"
    line = _process(args, tmp_path, DATABASE_URL=url, **RUN)
    assert f"but {tmp_path / 'notes.txt'} is not a folder: fix the path" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
@pytest.mark.parametrize("args", [["db", "upgrade"], ["run"]])
def test_a_sqlite_file_this_user_cannot_write(args: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        line = _process(args, tmp_path, DATABASE_URL=f"sqlite:///{folder}/warroom.db", **RUN)
    finally:
        folder.chmod(0o755)
    assert "which this user cannot write" in line


@pytest.mark.parametrize("args", [["db", "upgrade"], ["db", "current"], ["run"]])
def test_the_postgres_driver_missing(args: list[str], tmp_path: Path) -> None:
    # A psycopg that cannot be imported shadows the installed one, as if it never was.
    fake = tmp_path / "without-psycopg" / "psycopg"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise ModuleNotFoundError("No module named \'psycopg\'", name="psycopg")\n'
    )
    line = _process(
        args,
        tmp_path,
        DATABASE_URL="postgresql+psycopg://warroom@127.0.0.1/warroom",
        PYTHONPATH=f"{fake.parent}{os.pathsep}{ROOT}",
        **RUN,
    )
    assert line == (
        "warroom: DATABASE_URL names PostgreSQL but its driver (psycopg) is not installed: "
        "pip install 'warroom[postgres]'"
    )


def _set_revision(url: str, revision: str) -> None:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    engine.dispose()


def test_run_refuses_a_postgres_schema_behind(blank_database_url: str, tmp_path: Path) -> None:
    if not blank_database_url.startswith("postgresql"):
        pytest.skip("run migrates SQLite by itself")
    older = migrate.ScriptDirectory.from_config(migrate.alembic_config()).get_revision(
        migrate.head_revision()
    )
    assert older is not None and isinstance(older.down_revision, str)
    migrate.upgrade(blank_database_url, older.down_revision)
    line = _process(["run"], tmp_path, DATABASE_URL=blank_database_url, **RUN)
    assert f"is at revision {older.down_revision}, not {migrate.head_revision()}" in line
    assert line.endswith("run `warroom db upgrade` first")


@pytest.mark.parametrize("args", [["run"], ["db", "upgrade"], ["postmortem", "1"]])
def test_a_schema_newer_than_this_warroom(
    database_url: str, tmp_path: Path, args: list[str]
) -> None:
    _set_revision(database_url, "f00dfacecafe")
    try:
        line = _process(args, tmp_path, DATABASE_URL=database_url, **RUN)
    finally:  # PostgreSQL's migrated schema is shared by the whole session
        _set_revision(database_url, migrate.head_revision())
    assert "is at revision f00dfacecafe, which this Warroom does not know" in line
    assert "upgrade Warroom, or fix DATABASE_URL" in line
