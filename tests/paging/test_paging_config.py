"""`warroom.yml`'s escalation policies, services, default policy and people load into paging
values, and every mistake in them is named in one line; routes may page by a policy."""

from datetime import timedelta
from pathlib import Path

import pytest

from bot.alerts.config import load_routing_config
from bot.alerts.rules.routing import route
from bot.alerts.rules.signals import AlertSignal, AlertSource, AlertState
from bot.oncall.config import load_schedules
from bot.ops.doctor import Outcome, check_routing
from bot.paging.config import ConfigError, load_paging_config
from bot.paging.definitions import (
    ContactDef,
    ContactRule,
    LevelDef,
    Method,
    PagingConfig,
    PolicyDef,
    UnresolvedRule,
)
from bot.settings import Settings
from storage.enums import Severity

SCHEDULES = """\
schedules:
  - name: sre
    timezone: Europe/Berlin
    layers:
      - {name: primary, users: [U0ALICE], rotation: weekly, handoff: "monday 09:00",
         start: 2026-01-05}
      - {name: secondary, users: [U0BOB], rotation: weekly, handoff: "monday 09:00",
         start: 2026-01-05}
"""
PAGING = """\
escalation_policies:
  - name: production-api
    levels:
      - targets: [schedule:sre/primary]
        timeout: 30m
      - targets: [schedule:sre/secondary, U0MANAGER]
        timeout: 15m
    repeat: 2
    notify_at_once: {sev1: [U0MANAGER]}
    unresolved: {sev2: {after: 30m, escalate_to: [U0MANAGER]}}
  - name: quiet
    levels:
      - targets: [S0DBTEAM, "channel:#db-alerts", schedule:sre]
        timeout: 1h30m
services:
  - name: checkout
    escalation: production-api
  - name: reports
    escalation: quiet
defaults:
  escalation: production-api
people:
  - user: U0CAROL
    phone: "+15550002222"
    email: carol@example.com
    rules: [{method: sms, after: 0s}, {method: voice, after: 5m}, {method: email, after: 1m}]
  - user: W0DAVE
    email: dave@example.com
"""
FILE = SCHEDULES + PAGING


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "warroom.yml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def error_for(tmp_path: Path, text: str) -> str:
    """The one line the file `text` is refused with, without the file's name."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_paging_config(path, schedules=load_schedules(path))
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


def test_a_full_file_parses_into_the_values_it_says(tmp_path: Path) -> None:
    path = write(tmp_path, FILE)
    config = load_paging_config(path, schedules=load_schedules(path))
    api = PolicyDef(
        name="production-api",
        levels=(
            LevelDef(("schedule:sre/primary",), timedelta(minutes=30)),
            LevelDef(("schedule:sre/secondary", "U0MANAGER"), timedelta(minutes=15)),
        ),
        repeat=2,
        notify_at_once={Severity.SEV1: ("U0MANAGER",)},
        unresolved=(UnresolvedRule(Severity.SEV2, timedelta(minutes=30), ("U0MANAGER",)),),
    )
    quiet = PolicyDef(
        name="quiet",
        levels=(
            LevelDef(("S0DBTEAM", "channel:db-alerts", "schedule:sre"), timedelta(minutes=90)),
        ),
    )
    carol = ContactDef(
        user="U0CAROL",
        phone="+15550002222",
        email="carol@example.com",
        rules=(
            ContactRule(Method.SMS, timedelta(0)),
            ContactRule(Method.VOICE, timedelta(minutes=5)),
            ContactRule(Method.EMAIL, timedelta(minutes=1)),
        ),
    )
    assert config == PagingConfig(
        policies={"production-api": api, "quiet": quiet},
        services={"checkout": "production-api", "reports": "quiet"},
        default_policy="production-api",
        people={"U0CAROL": carol, "W0DAVE": ContactDef(user="W0DAVE", email="dave@example.com")},
    )
    assert config.policy_for("reports") == quiet
    assert config.policy_for("unknown") == api
    assert config.policy_for("checkout", named="quiet") == quiet


def test_without_schedules_given_the_file_s_own_are_read(tmp_path: Path) -> None:
    config = load_paging_config(write(tmp_path, FILE))
    assert set(config.policies) == {"production-api", "quiet"}


def test_no_file_or_no_paging_sections_is_empty(tmp_path: Path) -> None:
    assert load_paging_config(None) == PagingConfig()
    assert load_paging_config(write(tmp_path, "")) == PagingConfig()
    assert load_paging_config(write(tmp_path, SCHEDULES + "routes: []\n")) == PagingConfig()


def test_the_same_file_still_loads_as_routing_and_schedules(tmp_path: Path) -> None:
    path = write(tmp_path, FILE)
    assert load_routing_config(path).escalation == "production-api"
    assert [schedule.name for schedule in load_schedules(path)] == ["sre"]


POLICY = "escalation policy production-api"
PERSON = "person U0CAROL"
TARGETS = "a user id (U…/W…), a user group id (S…), schedule:<name>[/<layer>] or channel:<name>"
DURATIONS = "45s, 30m, 1h or 1h30m"
# (what is replaced, by what, the message after the file's name)
MISTAKES = [
    (
        "timeout: 30m",
        "timeout: 30",
        f"{POLICY}: levels[0].timeout: 30 needs a unit: write a duration like {DURATIONS}",
    ),
    ("timeout: 30m", "timeout: 0s", f"{POLICY}: levels[0].timeout: must be longer than 0s"),
    (
        "timeout: 30m",
        "timeout: 30x",
        f"{POLICY}: levels[0].timeout: '30x' is not a duration like {DURATIONS}",
    ),
    ("timeout: 30m", "timeout: 200h", f"{POLICY}: levels[0].timeout: '200h' is longer than 168h"),
    (
        "timeout: 30m",
        "timout: 30m",
        f"{POLICY}: levels[0].timout: is not a known key; did you mean timeout?",
    ),
    (
        "    levels:\n      - targets: [schedule:sre/primary]",
        "    levls:\n      - targets: [schedule:sre/primary]",
        f"{POLICY}: levls: is not a known key; did you mean levels?",
    ),
    (
        "[schedule:sre/primary]",
        "[schedule:sre/third]",
        f"{POLICY}: levels[0].targets[0]: schedule:sre/third: schedule sre has no layer third "
        "(layers: primary, secondary)",
    ),
    (
        "[schedule:sre/primary]",
        "[schedule:ops]",
        f"{POLICY}: levels[0].targets[0]: schedule:ops names no schedule (schedules: sre)",
    ),
    (
        "[schedule:sre/primary]",
        "[X123]",
        f"{POLICY}: levels[0].targets[0]: 'X123' is not {TARGETS}",
    ),
    (
        "[schedule:sre/primary]",
        "[carol@example.com]",
        f"{POLICY}: levels[0].targets[0]: 'carol@example.com' is not {TARGETS}",
    ),
    (
        "[schedule:sre/primary]",
        "[schedule:SRE]",
        f"{POLICY}: levels[0].targets[0]: 'schedule:SRE': a schedule target is schedule:<name> or "
        "schedule:<name>/<layer> (lowercase letters, digits and dashes)",
    ),
    (
        "[schedule:sre/primary]",
        '["channel:Bad Name"]',
        f"{POLICY}: levels[0].targets[0]: 'channel:Bad Name': a channel target is channel:<name> "
        "(lowercase letters, digits, - and _, at most 80)",
    ),
    ("[schedule:sre/primary]", "[]", f"{POLICY}: levels[0].targets: must name at least one target"),
    ("[schedule:sre/primary]", "schedule:sre", f"{POLICY}: levels[0].targets: must be a list"),
    ("repeat: 2", "repeat: 11", f"{POLICY}: repeat: must be a whole number from 0 to 10, got 11"),
    ("repeat: 2", "repeat: -1", f"{POLICY}: repeat: must be a whole number from 0 to 10, got -1"),
    (
        "repeat: 2",
        "repeat: twice",
        f"{POLICY}: repeat: must be a whole number from 0 to 10, got 'twice'",
    ),
    (
        "{sev1: [U0MANAGER]}",
        "{sev5: [U0MANAGER]}",
        f"{POLICY}: notify_at_once: 'sev5' is not a severity (sev1, sev2, sev3, sev4)",
    ),
    (
        "{sev1: [U0MANAGER]}",
        "{SEV1: [bob]}",
        f"{POLICY}: notify_at_once.sev1[0]: 'bob' is not {TARGETS}",
    ),
    (
        "{sev2: {after: 30m",
        "{critical: {after: 30m",
        f"{POLICY}: unresolved: 'critical' is not a severity (sev1, sev2, sev3, sev4)",
    ),
    (
        "after: 30m, escalate_to",
        "after: 0s, escalate_to",
        f"{POLICY}: unresolved.sev2.after: must be longer than 0s",
    ),
    (
        "escalate_to: [U0MANAGER]",
        "escalate_to: []",
        f"{POLICY}: unresolved.sev2.escalate_to: must name at least one target",
    ),
    (
        "escalate_to: [U0MANAGER]",
        "escalate_to: [schedule:dbs]",
        f"{POLICY}: unresolved.sev2.escalate_to[0]: schedule:dbs names no schedule (schedules: "
        "sre)",
    ),
    (
        "{after: 30m, escalate_to: [U0MANAGER]}",
        "{after: 30m}",
        f"{POLICY}: unresolved.sev2.escalate_to: is required",
    ),
    (
        "  - name: production-api",
        "  - name: Production API",
        "escalation policy Production API: name: 'Production API' must be lowercase letters, "
        "digits and dashes ([a-z0-9-]+)",
    ),
    (
        "  - name: quiet",
        "  - name: production-api",
        f"{POLICY}: name: 'production-api' is used twice",
    ),
    (
        "    levels:\n      - targets: [S0DB",
        "    levels: []\n    x:\n      - targets: [S0DB",
        "escalation policy quiet: x: is not a known key; known keys: name, levels, repeat, "
        "notify_at_once, unresolved",
    ),
    (
        "    levels:\n      - targets: [S0DBTEAM, "
        '"channel:#db-alerts", schedule:sre]\n        timeout: 1h30m\n',
        "    levels: []\n",
        "escalation policy quiet: levels: must list at least one level",
    ),
    (
        "escalation_policies:\n",
        "escalation_policies: {}\nunused:\n",
        "escalation_policies: must be a list",
    ),
    (
        "    escalation: quiet",
        "    escalation: nope",
        "service reports: escalation: 'nope' names no escalation policy (escalation_policies: "
        "production-api, quiet)",
    ),
    ("  - name: reports", "  - name: checkout", "service checkout: name: 'checkout' is used twice"),
    (
        "  - name: reports",
        "  - name: reports\n    owner: U0X",
        "service reports: owner: is not a known key; known keys: name, escalation",
    ),
    (
        "  - name: reports\n    escalation: quiet",
        "  - name: reports",
        "service reports: escalation: is required",
    ),
    (
        "  escalation: production-api\npeople",
        "  escalation: nope\npeople",
        "defaults.escalation: 'nope' names no escalation policy (escalation_policies: "
        "production-api, quiet)",
    ),
    ('"+15550002222"', "+15550002222", f'{PERSON}: phone: must be quoted, as in "+15550002222"'),
    (
        '"+15550002222"',
        '"555-1234"',
        f"{PERSON}: phone: '555-1234' is not an E.164 number (+ and 8-15 digits, no spaces)",
    ),
    (
        '"+15550002222"',
        '"+1555"',
        f"{PERSON}: phone: '+1555' is not an E.164 number (+ and 8-15 digits, no spaces)",
    ),
    ("carol@example.com", "carol", f"{PERSON}: email: 'carol' is not an e-mail address"),
    (
        "method: sms",
        "method: pigeon",
        f"{PERSON}: rules[0].method: 'pigeon' is not a method: one of sms, voice, email",
    ),
    (
        "method: sms",
        "method: slack",
        f"{PERSON}: rules[0].method: 'slack' is not a method: one of sms, voice, email",
    ),
    (
        "after: 0s}",
        "after: -1s}",
        f"{PERSON}: rules[0].after: '-1s' is not a duration like {DURATIONS}",
    ),
    (
        "after: 0s}",
        "after: 0s, when: night}",
        f"{PERSON}: rules[0].when: is not a known key; known keys: method, after",
    ),
    (
        "    email: carol@example.com\n",
        "",
        f"{PERSON}: rules[2]: email needs an e-mail address (email:)",
    ),
    (
        '    phone: "+15550002222"\n',
        "",
        f'{PERSON}: rules[0]: sms needs a phone number (phone: "+15550002222")',
    ),
    (
        "  - user: U0CAROL",
        "  - user: carol@example.com",
        "person carol@example.com: user: 'carol@example.com' is not a Slack user id (U…/W…)",
    ),
    ("  - user: W0DAVE", "  - user: U0CAROL", "person U0CAROL: user: 'U0CAROL' is used twice"),
    (
        "  - user: W0DAVE\n",
        "  - user: W0DAVE\n    phon: x\n",
        "person W0DAVE: phon: is not a known key; did you mean phone?",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), MISTAKES, ids=[m[2] for m in MISTAKES])
def test_each_mistake_is_named_in_one_line(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert FILE.count(old) == 1, old
    assert error_for(tmp_path, FILE.replace(old, new)) == expected


def test_a_schedule_target_needs_the_schedules_section(tmp_path: Path) -> None:
    assert error_for(tmp_path, PAGING) == (
        f"{POLICY}: levels[0].targets[0]: schedule:sre/primary names no schedule "
        "(schedules: none are defined under schedules:)"
    )


def alert(service: str = "", **labels: str) -> AlertSignal:
    return AlertSignal(
        source=AlertSource.ALERTMANAGER,
        key="k",
        group="g",
        state=AlertState.FIRING,
        title="t",
        severity="critical",
        service=service,
        labels=labels,
    )


ROUTES = """\
defaults:
  escalation: quiet
routes:
  - name: api
    match: {service: api}
    escalation: production-api
  - name: direct
    match: {service: web}
    page: [U0WEB]
  - name: unnamed
    match: {service: batch}
"""


def test_a_route_pages_by_a_policy_and_the_defaults_fill_in(tmp_path: Path) -> None:
    config = load_routing_config(
        write(tmp_path, FILE.replace("defaults:\n  escalation: production-api\n", "") + ROUTES)
    )
    by_policy = route(alert("api"), config)
    assert (by_policy.escalation, by_policy.page) == ("production-api", ())
    direct = route(alert("web"), config)
    assert (direct.escalation, direct.page) == (None, ("U0WEB",))
    assert route(alert("batch"), config).escalation == "quiet"
    assert route(alert("other"), config).escalation == "quiet"


def routing_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_routing_config(path)
    return str(caught.value).removeprefix(f"{path}: ")


def test_a_route_names_a_policy_of_the_file_and_never_beside_page(tmp_path: Path) -> None:
    base = FILE.replace("defaults:\n  escalation: production-api\n", "") + ROUTES
    assert routing_error(tmp_path, base.replace("escalation: production-api", "escalation: x")) == (
        "routes[0].escalation: 'x' names no escalation policy "
        "(escalation_policies: production-api, quiet)"
    )
    both = base.replace("    escalation: production-api", "    escalation: quiet\n    page: [U0X]")
    assert routing_error(tmp_path, both) == (
        "routes[0]: page and escalation cannot both be given: "
        "page people directly or by an escalation policy"
    )
    defaults = base.replace(
        "  escalation: quiet\nroutes", "  escalation: quiet\n  page: [U0X]\nroutes"
    )
    assert routing_error(tmp_path, defaults).startswith("defaults: page and escalation cannot")
    assert routing_error(tmp_path, SCHEDULES + ROUTES) == (
        "defaults.escalation: 'quiet' names no escalation policy "
        "(escalation_policies: none are defined)"
    )


def test_doctor_fails_a_bad_policy_with_the_line_run_would_print(tmp_path: Path) -> None:
    def settings(path: str) -> Settings:
        return Settings(slack_bot_token="xoxb-1", slack_signing_secret="s", warroom_config=path)

    path = write(tmp_path, FILE)
    found = check_routing(settings(path))
    assert found.outcome is Outcome.PASS
    assert found.detail == f"{path}: 0 routes, 2 escalation policies (production-api, quiet)"
    write(tmp_path, FILE.replace("repeat: 2", "repeat: 12"))
    found = check_routing(settings(path))
    assert found.outcome is Outcome.FAIL
    assert found.detail == f"{path}: {POLICY}: repeat: must be a whole number from 0 to 10, got 12"
