"""`warroom doctor` checks the schedules as `warroom run` loads them."""

from pathlib import Path

from bot.ops.doctor import Outcome, check_schedules
from bot.settings import Settings

SCHEDULE = """\
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - {name: primary, users: [U0A, U0B], rotation: weekly, handoff: "monday 09:00",
         start: 2026-01-05}
      - {name: vendor, ical: "https://calendar.example.com/oncall.ics"}
"""


def settings(config: str | None) -> Settings:
    return Settings(slack_bot_token="xoxb-1", slack_signing_secret="s", warroom_config=config)


def test_schedules_that_load_pass_with_what_they_hold(nowhere: Path) -> None:
    (nowhere / "warroom.yml").write_text(SCHEDULE, encoding="utf-8")
    found = check_schedules(settings("warroom.yml"))
    assert (found.check, found.outcome) == ("on-call schedules", Outcome.PASS)
    assert found.detail == "warroom.yml: 1 schedule (sre), 2 layers"


def test_a_broken_schedule_fails_with_the_line_run_would_print(nowhere: Path) -> None:
    (nowhere / "warroom.yml").write_text(SCHEDULE.replace("09:00", "9"), encoding="utf-8")
    found = check_schedules(settings("warroom.yml"))
    assert found.outcome is Outcome.FAIL
    assert found.detail.startswith("warroom.yml: schedule sre, layer primary: handoff: ")


def test_no_schedules_is_a_skip(nowhere: Path) -> None:
    assert check_schedules(settings(None)).outcome is Outcome.SKIP
    (nowhere / "warroom.yml").write_text("routes: []\n", encoding="utf-8")
    assert check_schedules(settings("warroom.yml")).outcome is Outcome.SKIP


def test_a_file_that_does_not_load_is_failed_once_by_the_routing_check(nowhere: Path) -> None:
    found = check_schedules(settings("missing.yml"))
    assert found.outcome is Outcome.SKIP and "see routing config" in found.detail
