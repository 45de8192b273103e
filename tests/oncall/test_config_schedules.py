"""The `schedules:` of warroom.yml: the example of the issue loads; each mistake is refused
with one line naming the file, the schedule, the layer where there is one, and the field."""

from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest

from bot.alerts.config import load_routing_config
from bot.oncall.config import ConfigError, HolidayDef, LayerDef, load_schedules

EXAMPLE = """\
schedules:
  - name: sre
    timezone: Europe/Berlin
    handoff_channel: sre
    user_group: sre-oncall
    layers:
      - name: primary
        users: [U0ALICE, U0BOB, carol@example.com]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
        restrict: "mon-fri 09:00-18:00"
      - name: secondary
        users: [U0DAN, U0ERIN]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
    holidays: {country: DE, subdivision: BE, cover: U0FRANK}
  - name: vendor
    timezone: America/New_York
    layers: [{name: imported, ical: "https://calendar.example.com/oncall.ics"}]
"""

LAYER = """\
      - name: primary
        users: [U0ALICE, U0BOB]
        rotation: weekly
        handoff: "monday 09:00"
        start: 2026-01-05
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "warroom.yml"
    path.write_text(dedent(text), encoding="utf-8")
    return str(path)


def schedule(body: str = "", *, layers: str = LAYER, name: str = "sre") -> str:
    """One schedule with `body` (indented 4) added and `layers` as its layers."""
    return f"schedules:\n  - name: {name}\n    timezone: Europe/Berlin\n{body}    layers:\n{layers}"


def error_for(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_schedules(path)
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_the_example_of_the_issue_loads(tmp_path: Path) -> None:
    sre, vendor = load_schedules(write(tmp_path, EXAMPLE))
    assert (sre.name, sre.timezone, sre.handoff_channel, sre.user_group) == (
        "sre",
        "Europe/Berlin",
        "sre",
        "sre-oncall",
    )
    assert sre.layers[0] == LayerDef(
        name="primary",
        users=("U0ALICE", "U0BOB", "carol@example.com"),
        rotation="weekly",
        handoff="monday 09:00",
        start=date(2026, 1, 5),
        restrict="mon-fri 09:00-18:00",
    )
    assert [layer.name for layer in sre.layers] == ["primary", "secondary"]
    assert sre.holidays == HolidayDef(country="DE", subdivision="BE", cover="U0FRANK")
    assert vendor.layers == (
        LayerDef(name="imported", ical="https://calendar.example.com/oncall.ics"),
    )
    assert vendor.holidays is None


def test_the_routing_loader_accepts_a_file_with_schedules(tmp_path: Path) -> None:
    path = write(tmp_path, EXAMPLE + "routes:\n  - match: {service: db}\n    action: declare\n")
    assert len(load_routing_config(path).rules) == 1
    assert len(load_schedules(path)) == 2


def test_no_file_no_schedules_key_or_an_empty_file_means_no_schedules(tmp_path: Path) -> None:
    assert load_schedules(None) == ()
    assert load_schedules(write(tmp_path, "routes: []\n")) == ()
    assert load_schedules(write(tmp_path, "")) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schedules: [\n", "line 2, column 1: invalid YAML"),
        (schedule(name="SRE"), "schedule SRE: name: 'SRE' must be lowercase letters, digits"),
        (
            schedule().replace("Europe/Berlin", "Europe/Atlantis"),
            "schedule sre: timezone: 'Europe/Atlantis' is not an IANA time zone",
        ),
        (
            schedule().replace("Europe/Berlin", "../../etc/passwd"),
            "schedule sre: timezone: '../../etc/passwd' is not an IANA time zone",
        ),
        (
            schedule(layers=LAYER.replace("U0BOB", "bob")),
            "schedule sre, layer primary: users[1]: 'bob' is neither a Slack user id (U…/W…) "
            "nor an e-mail",
        ),
        (
            schedule(layers="      - name: primary\n"),
            "schedule sre, layer primary: users: the layer is empty: list users or give an "
            "ical feed",
        ),
        (
            schedule(layers=LAYER.replace("rotation: weekly", "ical: https://x.example/a.ics")),
            "schedule sre, layer primary: ical: a layer has either users or an ical feed, not both",
        ),
        (
            schedule(layers=LAYER.replace("monday 09:00", "funday 09:00")),
            "schedule sre, layer primary: handoff: 'funday' is not a weekday",
        ),
        (
            schedule(layers=LAYER.replace("monday 09:00", "monday 25:00")),
            "schedule sre, layer primary: handoff: expected a time of day HH:MM",
        ),
        (
            schedule(layers=LAYER.replace("rotation: weekly", "rotation: fortnightly")),
            "schedule sre, layer primary: rotation: ",
        ),
        (
            schedule(layers=LAYER + '        restrict: "someday 09:00-18:00"\n'),
            "schedule sre, layer primary: restrict: ",
        ),
        (
            schedule(layers=LAYER.replace("        start: 2026-01-05\n", "")),
            "schedule sre, layer primary: start: is required",
        ),
        (
            schedule(layers=LAYER.replace("2026-01-05", "next week")),
            "schedule sre, layer primary: start: must be a date like 2026-01-05",
        ),
        (
            schedule("    holidays: {country: XX}\n"),
            "schedule sre: holidays.country: 'XX' is not a country code",
        ),
        (
            schedule("    holidays: {country: DE, subdivision: ZZ}\n"),
            "schedule sre: holidays.subdivision: 'ZZ' is not a subdivision of DE (BB, BE,",
        ),
        (
            schedule(layers=LAYER + LAYER),
            "schedule sre, layer primary: name: is used by an earlier layer of this schedule",
        ),
        (
            schedule(layers="      - name: imported\n        ical: ftp://x.example/a.ics\n"),
            "schedule sre, layer imported: ical: 'ftp://x.example/a.ics' must be an http(s) URL",
        ),
        (
            schedule("    handoff_channel: 'SRE Team'\n"),
            "schedule sre: handoff_channel: 'SRE Team' is not a channel name",
        ),
        (
            schedule() + schedule(layers=LAYER).removeprefix("schedules:\n"),
            "schedule sre: name: 'sre' is used twice",
        ),
        (
            schedule("    timezon: UTC\n"),
            "schedule sre: timezon: is not a known key; did you mean timezone?",
        ),
        (
            schedule(layers=LAYER.replace("rotation:", "rotaton:")),
            "schedule sre, layer primary: rotaton: is not a known key; did you mean rotation?",
        ),
        ("schedules:\n  - timezone: UTC\n    layers: []\n", "schedules[0]: name: is required"),
        (schedule(layers="      []\n"), "schedule sre: layers: must list at least one layer"),
        ("schedules: {sre: {}}\n", "schedules: must be a list of schedules"),
    ],
    ids=[
        "yaml",
        "name",
        "zone",
        "zone-path",
        "user",
        "empty-layer",
        "users-and-ical",
        "weekday",
        "time",
        "rotation",
        "restrict",
        "no-start",
        "bad-start",
        "country",
        "subdivision",
        "layer-twice",
        "ical-url",
        "channel",
        "schedule-twice",
        "unknown-key",
        "unknown-layer-key",
        "no-name",
        "no-layers",
        "not-a-list",
    ],
)
def test_each_mistake_is_one_line_naming_schedule_layer_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    found = error_for(tmp_path, text)
    assert found.startswith(expected), found


def test_the_yaml_error_says_where(tmp_path: Path) -> None:
    found = error_for(tmp_path, "schedules:\n  - name: sre\n   timezone: UTC\n")
    assert found.startswith("line 3, column ")


def test_an_ical_layer_takes_no_rotation(tmp_path: Path) -> None:
    layers = (
        "      - name: vendor\n        ical: https://x.example/a.ics\n        rotation: daily\n"
    )
    found = error_for(tmp_path, schedule(layers=layers))
    assert (
        found
        == "schedule sre, layer vendor: rotation: an ical layer takes its shifts from the feed"
    )


def test_holidays_accept_a_lowercase_country_and_subdivision(tmp_path: Path) -> None:
    (loaded,) = load_schedules(
        write(tmp_path, schedule("    holidays: {country: us, subdivision: ny}\n"))
    )
    assert loaded.holidays == HolidayDef(country="US", subdivision="NY", cover=None)


def test_routing_problems_and_schedule_problems_stay_apart(tmp_path: Path) -> None:
    # A broken schedule is the schedules' business: the routing loader still reads its part.
    path = write(tmp_path, schedule(name="Bad") + "routes: []\n")
    assert load_routing_config(path).rules == ()
    with pytest.raises(ConfigError):
        load_schedules(path)


def test_the_commented_example_in_warroom_example_yml_loads_once_uncommented(
    tmp_path: Path,
) -> None:
    example = Path(__file__).resolve().parents[2] / "warroom.example.yml"
    text = example.read_text(encoding="utf-8")
    assert load_schedules(str(example)) == ()  # commented out: the example pages nobody
    block = text[text.index("# schedules:") :]
    uncommented = "\n".join(line.removeprefix("#").removeprefix(" ") for line in block.splitlines())
    names = [schedule.name for schedule in load_schedules(write(tmp_path, uncommented))]
    assert names == ["sre", "vendor"]
