"""What `warroom report` imports to start: the Markdown, CSV and JSON forms need neither
matplotlib nor Jinja2 nor Slack's client stack (nor on-call's modules without warroom.yml);
each of those cost a good part of the command's start (bench/insights_report.py times it).
Checked in a real process, as people run the command."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from golden_data import ZONE, store_golden
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("matplotlib", "jinja2", "slack_sdk", "slack_bolt", "aiohttp", "bot.oncall.config")
PROBE = """
import sys
from bot.cli import main
code = main(["report", "--month", "2026-11", "--format", sys.argv[1]])
heavy = [name for name in sys.argv[2:] if name in sys.modules]
print("imported:", ",".join(heavy), file=sys.stderr)
sys.exit(code)
"""


def imported(database_url: str, form: str, folder: Path) -> tuple[str, list[str]]:
    """The report's text and which of HEAVY the process imported to print it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "WARROOM_"))}
    env.update(DATABASE_URL=database_url, WARROOM_TIMEZONE=ZONE, PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", PROBE, form, *HEAVY],
        capture_output=True,
        text=True,
        env=env,
        cwd=folder,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stderr.splitlines() if x.startswith("imported:"))
    return done.stdout, [name for name in line.removeprefix("imported:").strip().split(",") if name]


@pytest.mark.parametrize("form", ["md", "csv", "json"])
def test_text_forms_start_light(
    engine: Engine, database_url: str, tmp_path: Path, form: str
) -> None:
    store_golden(engine)
    text, heavy = imported(database_url, form, tmp_path)
    assert "52" in text  # the month's incidents: the report was really read and printed
    assert heavy == []


def test_html_brings_the_charts(engine: Engine, database_url: str, tmp_path: Path) -> None:
    store_golden(engine)
    text, heavy = imported(database_url, "html", tmp_path)
    assert "<svg" in text
    assert set(heavy) == {"matplotlib", "jinja2"}


def test_the_app_starts_without_matplotlib() -> None:
    """`warroom run` builds its app without matplotlib (0.4 s of every start, and of every
    restart of a crashed process): it is imported when the first chart is drawn, or by the
    dashboard's drawing thread in the background."""
    probe = "import sys, bot.app; print('matplotlib' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "False"
