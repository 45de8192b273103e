"""The migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

import ast
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, pool
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel, select

from storage import migrate, revisions
from storage.enums import Severity, Status
from storage.models import InboxItem, Incident


def _tables(url: str) -> set[str]:
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(blank_database_url: str) -> None:
    migrate.upgrade(blank_database_url)

    assert _tables(blank_database_url) == {*SQLModel.metadata.tables, "alembic_version"}
    assert migrate.current_revision(blank_database_url) == migrate.head_revision()
    assert migrate.is_up_to_date(blank_database_url)


def test_models_and_migrations_do_not_drift(database_url: str) -> None:
    differences = migrate.pending_changes(database_url)

    assert differences == [], (
        "the models differ from the migrated schema; write a revision with "
        "`python -m storage.migrate revision 'what changed'` and review it"
    )


def test_downgrade_to_base_and_upgrade_again(blank_database_url: str) -> None:
    migrate.upgrade(blank_database_url)
    migrate.downgrade(blank_database_url, "base")

    assert _tables(blank_database_url) <= {"alembic_version"}
    assert migrate.current_revision(blank_database_url) is None

    migrate.upgrade(blank_database_url)
    assert migrate.is_up_to_date(blank_database_url)


def test_never_migrated_database_is_not_up_to_date(blank_database_url: str) -> None:
    assert migrate.current_revision(blank_database_url) is None
    assert not migrate.is_up_to_date(blank_database_url)


def test_asking_about_a_missing_sqlite_file_does_not_create_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"

    assert migrate.current_revision(f"sqlite:///{path}") is None
    assert not path.exists()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    migrate.upgrade(database_url)

    assert migrate.is_up_to_date(database_url)


def test_revisions_form_a_single_line() -> None:
    scripts = ScriptDirectory.from_config(migrate.alembic_config())

    assert scripts.get_heads() == [migrate.head_revision()]
    assert len(scripts.get_bases()) == 1


def test_the_revisions_read_without_alembic_are_alembics() -> None:
    # storage.revisions reads the files' headers so that starting Warroom loads no Alembic.
    scripts = ScriptDirectory.from_config(migrate.alembic_config())
    chain = {script.revision: script.down_revision for script in scripts.walk_revisions()}
    assert revisions.known_revisions() == frozenset(chain)
    assert revisions.head_revision() == scripts.get_current_head()
    assert all(revisions.knows_revision(r) for r in chain)
    assert not revisions.knows_revision("0123456789ab")


def test_starting_warroom_loads_no_alembic() -> None:
    code = (
        "import sys, bot.cli, bot.app, bot.ops.database, bot.web.health;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('alembic', 'mako')))"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert found.stdout.strip() == "[]", found.stdout


def test_no_revision_is_written_while_models_match_the_migrations() -> None:
    before = sorted((migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    written: list[Path] = []
    try:
        written = migrate.make_revision("nothing changed")
        assert written == []
        assert sorted((migrate.MIGRATIONS_DIR / "versions").glob("*.py")) == before
    finally:
        # A failure must not leave a stray revision behind for every later run to apply.
        for path in written:
            path.unlink(missing_ok=True)


def test_revisions_import_no_application_code() -> None:
    versions = migrate.MIGRATIONS_DIR / "versions"
    for path in sorted(versions.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not [name for name in names if name.split(".")[0] in {"bot", "storage"}], (
                f"{path.name}:{node.lineno} imports application code; a revision must keep "
                "working after the models change"
            )


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_gets_an_empty_database_with_fresh_ids(engine: Engine, round_: int) -> None:
    with Session(engine) as session:
        assert session.exec(select(Incident.id)).all() == []
        assert session.exec(select(InboxItem.key)).all() == []
        incident = Incident(
            number=1,
            title=f"round {round_}",
            severity=Severity.SEV2,
            status=Status.TRIAGE,
            declared_by="U1",
        )
        session.add(incident)
        session.add(InboxItem(key="Ev1", kind="test", received_at=datetime.now(UTC)))
        session.commit()

        assert incident.id == 1


def test_a_subprocess_given_the_url_sees_the_same_database(database_url: str) -> None:
    code = (
        "import sys\n"
        "from sqlalchemy import create_engine, inspect\n"
        "inspector = inspect(create_engine(sys.argv[1]))\n"
        "print(inspector.default_schema_name)\n"
        "print(sorted(inspector.get_table_names()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, database_url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    schema, tables = result.stdout.splitlines()

    assert tables == str(sorted({*SQLModel.metadata.tables, "alembic_version"}))
    if make_url(database_url).get_backend_name() == "postgresql":
        assert schema.startswith("warroom_test_")
    else:
        assert schema == "main"


def test_later_revisions_upgrade_a_database_that_holds_incidents(blank_database_url: str) -> None:
    migrate.upgrade(blank_database_url, "d596ceb575cb")
    engine = create_engine(blank_database_url, poolclass=pool.NullPool)
    declared = datetime(2026, 11, 1, tzinfo=UTC).replace(tzinfo=None)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO incident (number, title, summary, severity, status, services, private,"
            " declared_by, status_pinned, resolution, missed_updates, declared_at)"
            " VALUES (1, 'Old', '', 'sev2', 'closed', '[]', false, 'U1', true, '', 0, %s)"
            if engine.dialect.name == "postgresql"
            else "INSERT INTO incident (number, title, summary, severity, status, services,"
            " private, declared_by, status_pinned, resolution, missed_updates, declared_at)"
            " VALUES (1, 'Old', '', 'sev2', 'closed', '[]', 0, 'U1', 1, '', 0, ?)",
            (declared,),
        )
    migrate.upgrade(blank_database_url)
    with Session(engine) as session:
        old = session.exec(select(Incident)).one()
        assert (old.title, old.impact, old.root_cause, old.estimated_cost) == ("Old", "", "", "")
    engine.dispose()
