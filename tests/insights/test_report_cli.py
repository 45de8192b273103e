"""`warroom report` run for real on a database file holding the golden data set: each format
parses, the CSV has one row per counted incident, bad input is one line and exit 2."""

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from golden_data import NOW, ZONE, store_golden
from sqlalchemy.engine import Engine

from bot.cli import main
from bot.insights.charts import all_charts, png_bytes, svg_text
from bot.insights.service import InsightsService


@pytest.fixture
def report_env(
    engine: Engine, database_url: str, nowhere: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    store_golden(engine)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("WARROOM_TIMEZONE", ZONE)
    return database_url


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["report", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_json_has_the_published_keys(report_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--month", "2026-11", "--json")
    assert code == 0
    body = json.loads(out)
    assert {"period", "incidents", "by_severity", "metrics"} <= set(body)
    assert set(body["metrics"]) == {"mtta", "mtti", "mttm", "mttr"}
    assert body["metrics"]["mtta"] == {
        "n": 48,
        "mean_s": 1560.0,
        "median_s": 1500.0,
        "p90_s": 2820.0,
    }
    assert body["incidents"] == 52 and body["drills"] == 6
    assert body["by_severity"] == {"sev1": 6, "sev2": 11, "sev3": 20, "sev4": 15}
    assert body["period"]["start"] == "2026-11-01T04:00:00Z"
    assert body["previous"]["incidents"] == 3
    assert json.loads(main_output(capsys, "--format", "json")) == body


def main_output(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, "--month", "2026-11", *args)
    assert code == 0, err
    return out


def test_csv_is_one_row_per_incident_in_utc(
    report_env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(main_output(capsys, "--format", "csv"))))
    assert len(rows) == 52
    first = next(r for r in rows if r["number"] == "47")
    assert first["impact_start"] == "2026-11-01T05:10:00Z"
    assert first["resolved_at"] == "2026-11-01T08:28:00Z"
    assert first["mttr_s"] == "11880"
    assert all(r["resolved_at"] == "" for r in rows if r["number"] in {"13", "26", "39", "52"})


def test_markdown_and_html(report_env: str, capsys: pytest.CaptureFixture[str]) -> None:
    markdown = main_output(capsys)
    assert markdown.startswith("# Incident report: November 2026")
    assert "| MTTA | 48 | 26m 00s | 25m 00s | 47m 00s |" in markdown
    html = main_output(capsys, "--format", "html")
    assert html.startswith("<!doctype html>") and html.count("<svg") == 3
    assert "INC-47 Golden incident 47" in html and "<script" not in html


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--month", "2026-13"], "--month: '2026-13' is not a month"),
        (["--month", "November"], "is not a month"),
        (["--month", "2026-11", "--format", "pdf"], "--format 'pdf' is not one of"),
        (["--month", "2026-11", "--json", "--format", "csv"], "disagree"),
        ([], "--month YYYY-MM is required"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    report_env: str, capsys: pytest.CaptureFixture[str], args: list[str], says: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert says in err and err.count("\n") == 1


def test_a_real_process_prints_the_report(report_env: str, nowhere: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--month", "2026-11", "--json"],
        capture_output=True,
        text=True,
        cwd=nowhere,
        env=dict(os.environ),
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["incidents"] == 52
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--month", "2026-11", "--format", "xml"],
        capture_output=True,
        text=True,
        cwd=nowhere,
        env=dict(os.environ),
        timeout=120,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1


async def test_charts_are_the_same_bytes_for_the_same_data(engine: Engine) -> None:
    store_golden(engine)
    service = InsightsService(engine, clock=lambda: NOW, zone=ZONE)
    report = await service.monthly_report(2026, 11)
    first = all_charts(report.trend.current, report.history)
    again = all_charts(report.trend.current, report.history)
    for name, figure in first.items():
        assert png_bytes(figure) == png_bytes(again[name]), name
        assert svg_text(figure) == svg_text(again[name]), name
        assert png_bytes(figure).startswith(b"\x89PNG")
    other = all_charts(report.previous)
    assert svg_text(other["severity-mix"]) != svg_text(first["severity-mix"])
