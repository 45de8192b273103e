"""`warroom postmortem N` and the template check of `warroom run`, as real processes."""

import subprocess
from pathlib import Path

import pytest
from postmortem_samples import Rows, full_incident
from processes import WARROOM, warroom_env
from sqlmodel import Session

from bot.incidents.postmortem.render import load_postmortem_renderer
from storage import migrate
from storage.database import make_engine
from storage.models import IncidentSurface

RUN_SETTINGS = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "s"}


def _warroom(args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*WARROOM, *args], cwd=cwd, env=warroom_env(**env), capture_output=True, timeout=60
    )


def _one_line_error(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 2, result.stderr
    stderr = result.stderr.decode()
    assert "Traceback" not in stderr and not result.stdout
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def _store(url: str, rows: Rows) -> None:
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            session.add(rows.incident)
            session.flush()
            session.add_all([*rows.roles, *rows.timeline, *rows.updates, *rows.action_items])
            if rows.room is not None:  # the channel the Slack surface made and named
                room = {"name": rows.room}
                session.add(IncidentSurface(incident_id=1, surface="slack", kind="room", data=room))
            session.commit()
    finally:
        engine.dispose()


@pytest.fixture
def database(tmp_path: Path) -> str:
    """A migrated SQLite file holding incident 42 (the full sample)."""
    url = f"sqlite:///{tmp_path / 'warroom.db'}"
    migrate.upgrade(url)
    _store(url, full_incident())
    return url


def test_prints_the_postmortem_read_from_the_database(database: str, tmp_path: Path) -> None:
    result = _warroom(["postmortem", "42"], tmp_path, DATABASE_URL=database)
    assert result.returncode == 0, result.stderr
    # Without Slack, people are shown by id; otherwise the document is the in-memory one.
    expected = load_postmortem_renderer(None).render(full_incident().context(people=None))
    assert result.stdout == expected.encode("utf-8")
    assert result.stdout.startswith(b"# Incident Post-Mortem: #inc-42-checkout-api-returning-502s")


def test_writes_the_postmortem_to_a_file(database: str, tmp_path: Path) -> None:
    result = _warroom(["postmortem", "42", "-o", "pm.md"], tmp_path, DATABASE_URL=database)
    assert result.returncode == 0, result.stderr
    printed = _warroom(["postmortem", "42"], tmp_path, DATABASE_URL=database).stdout
    assert (tmp_path / "pm.md").read_bytes() == printed
    assert b"pm.md" in result.stdout


def test_uses_the_configured_template(database: str, tmp_path: Path) -> None:
    (tmp_path / "short.md.j2").write_text("{{ reference }}: {{ title | md }}\n")
    result = _warroom(
        ["postmortem", "42"],
        tmp_path,
        DATABASE_URL=database,
        WARROOM_POSTMORTEM_TEMPLATE="short.md.j2",
    )
    assert result.stdout == b"#inc-42-checkout-api-returning-502s: Checkout API returning 502s\n"


def test_an_unknown_incident_is_one_line(database: str, tmp_path: Path) -> None:
    result = _warroom(["postmortem", "99"], tmp_path, DATABASE_URL=database)
    assert _one_line_error(result) == "warroom: no incident 99"


def test_a_missing_database_is_one_line_and_not_created(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    line = _one_line_error(_warroom(["postmortem", "1"], tmp_path, DATABASE_URL=url))
    assert "run `warroom db upgrade` first" in line
    assert not (tmp_path / "absent.db").exists()


def test_bad_settings_are_one_line(tmp_path: Path) -> None:
    result = _warroom(["postmortem", "1"], tmp_path, DATABASE_URL="mysql://x")
    assert _one_line_error(result).startswith("warroom: invalid settings: DATABASE_URL")


BROKEN = {
    "syntax": ("# {{ title }}\n{% for e in timeline %}\n- {{ e.text }\n", ":3: syntax error"),
    "undefined": ("# {{ title }}\n{{ no_such_thing }}\n", ":2: rendering a sample incident"),
    "missing": (None, ": no such file"),
}


@pytest.mark.parametrize("command", [["postmortem", "42"], ["run"]])
@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_broken_template_stops_the_command_with_one_line(
    database: str, tmp_path: Path, command: list[str], kind: str
) -> None:
    text, problem = BROKEN[kind]
    template = tmp_path / f"{kind}.md.j2"
    if text is not None:
        template.write_text(text)
    env = {"DATABASE_URL": database, "WARROOM_POSTMORTEM_TEMPLATE": str(template)}
    if command == ["run"]:
        env |= RUN_SETTINGS | {"DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}"}
    line = _one_line_error(_warroom(command, tmp_path, **env))
    assert line.startswith(f"warroom: postmortem template {template}")
    assert problem in line
    assert not (tmp_path / "run.db").exists()  # `run` stopped before touching the database
