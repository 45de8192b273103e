"""`warroom.yml` loads into routing rules, and every mistake in it is named in one line."""

from pathlib import Path

import pytest

from bot.alerts import config as config_module
from bot.alerts.config import ConfigError, load_routing_config
from bot.alerts.rules.routing import Refire, RouteAction, RoutingConfig, route
from bot.alerts.rules.signals import AlertSignal, AlertSource, AlertState
from storage.enums import Severity

EXAMPLE = Path(__file__).resolve().parents[2] / "warroom.example.yml"

GOOD = """
defaults:
  on_refire: new
  page: [U0LEAD01]
routes:
  - name: payments-critical
    match:
      service: payments
      severity: [critical, page]
    severity: SEV1
    action: Declare
    runbook: https://wiki.example.com/pay
    page: [U0123ABC, S0456DEF, W0789GHI]
    on_refire: reopen
  - match:
      env: "~(staging|dev)-.*"
    action: ignore
  - name: catch-all
    match: {}
    service: unowned
"""


def write(tmp_path: Path, text: str, name: str = "warroom.yml") -> str:
    """The routing file `text`, written where the test can load it."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def alert(severity: str = "", service: str = "", **labels: str) -> AlertSignal:
    """A firing alert with just what routing looks at."""
    return AlertSignal(
        source=AlertSource.ALERTMANAGER,
        key="k",
        group="g",
        state=AlertState.FIRING,
        title="t",
        severity=severity,
        service=service,
        labels=labels,
    )


def error_for(tmp_path: Path, text: str) -> str:
    """The one-line message the file `text` is rejected with."""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_routing_config(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message.removeprefix(f"{path}: ")


# --- loading --------------------------------------------------------------------------------


def test_no_path_gives_the_defaults() -> None:
    assert load_routing_config(None) == RoutingConfig()


def test_an_empty_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_routing_config(write(tmp_path, "# nothing yet\n")) == RoutingConfig()


def test_the_example_file_loads() -> None:
    config = load_routing_config(str(EXAMPLE))
    assert config.rules
    assert config.page


def test_the_documented_format_loads(tmp_path: Path) -> None:
    doc = config_module.__doc__ or ""
    documented = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    config = load_routing_config(write(tmp_path, documented))
    (only,) = config.rules
    assert (only.name, only.severity, only.page) == (
        "payments-critical",
        Severity.SEV1,
        ("U0123ABC", "S0456DEF"),
    )


def test_good_file_becomes_rules(tmp_path: Path) -> None:
    config = load_routing_config(write(tmp_path, GOOD))
    assert config.on_refire is Refire.NEW
    assert config.page == ("U0LEAD01",)
    first, second, third = config.rules
    assert first.name == "payments-critical"
    assert first.severity is Severity.SEV1  # any case accepted
    assert first.action is RouteAction.DECLARE
    assert first.runbook == "https://wiki.example.com/pay"
    assert first.page == ("U0123ABC", "S0456DEF", "W0789GHI")
    assert first.on_refire is Refire.REOPEN
    assert [(m.label, m.values, m.pattern) for m in first.match] == [
        ("service", ("payments",), None),
        ("severity", ("critical", "page"), None),
    ]
    assert second.name == "routes[1]"
    (env,) = second.match
    assert env.pattern is not None and env.pattern.pattern == "(staging|dev)-.*"
    assert (second.severity, second.on_refire, second.page) == (None, None, ())
    assert third.match == ()


# --- the loaded file routes alerts ----------------------------------------------------------


def test_loaded_rules_route_alerts(tmp_path: Path) -> None:
    config = load_routing_config(write(tmp_path, GOOD))
    paying = route(alert("critical", "payments"), config)
    assert (paying.severity, paying.action, paying.rule) == (
        Severity.SEV1,
        RouteAction.DECLARE,
        "payments-critical",
    )
    assert paying.on_refire is Refire.REOPEN  # the rule's own choice beats the default
    staging = route(alert("critical", "payments", env="staging-eu"), config)
    assert staging.rule == "payments-critical"  # first match wins, even over a later ignore
    noise = route(alert("critical", "search", env="staging-eu"), config)
    assert (noise.action, noise.rule) == (RouteAction.IGNORE, "routes[1]")
    assert route(alert("critical", "search", env="prod-staging-eu"), config).rule == "catch-all"


def test_catch_all_keeps_severity_defaults(tmp_path: Path) -> None:
    config = load_routing_config(write(tmp_path, GOOD))
    critical = route(alert("critical"), config)
    assert (critical.severity, critical.action) == (Severity.SEV2, RouteAction.OFFER)
    assert critical.service == "unowned"
    assert critical.page == ("U0LEAD01",)  # nobody named: the default pager
    assert critical.on_refire is Refire.NEW  # inherited from defaults
    info = route(alert("info"), config)
    assert (info.severity, info.action) == (Severity.SEV4, RouteAction.IGNORE)


def test_example_routes_a_payments_page(tmp_path: Path) -> None:
    config = load_routing_config(str(EXAMPLE))
    decision = route(alert("page", "payments"), config)
    assert (decision.severity, decision.action) == (Severity.SEV1, RouteAction.DECLARE)


# --- every mistake, named -------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = str(tmp_path / "warroom.yml")
    with pytest.raises(ConfigError, match=r"warroom\.yml: file not found$"):
        load_routing_config(path)


def test_unreadable_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_routing_config(str(tmp_path))


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "warroom.yml"
    path.write_bytes(b"routes: [\xff]\n")
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_routing_config(str(path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("routes:\n  - match: {a: b\n", "line 3, column 1: invalid YAML"),
        ("routes:\n\tfoo\n", "line 2, column 1: invalid YAML (found character '\\t'"),
        ("- a\n- b\n", "the top level must be a mapping with defaults and routes"),
        ("routes: {a: 1}\n", "routes must be a list"),
        ("defaults: [reopen]\n", "defaults must be a mapping"),
        ("routes:\n  - service: [a]\n", "routes[0].service must be a string"),
        ("routes:\n  - name: 7\n", "routes[0].name must be a string (quote numbers)"),
    ],
)
def test_shape_errors(tmp_path: Path, text: str, message: str) -> None:
    assert error_for(tmp_path, text).startswith(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "routes:\n  - {}\n  - {}\n  - severity: sev9\n",
            "routes[2].severity must be one of sev1, sev2, sev3, sev4",
        ),
        ("routes:\n  - action: page\n", "routes[0].action must be one of declare, offer, ignore"),
        ("defaults:\n  on_refire: always\n", "defaults.on_refire must be one of reopen, new"),
    ],
)
def test_enum_errors_name_the_place_and_the_choices(
    tmp_path: Path, text: str, message: str
) -> None:
    assert error_for(tmp_path, text) == message


def test_unknown_key_suggests_the_right_one(tmp_path: Path) -> None:
    found = error_for(tmp_path, "routes:\n  - sevrity: sev1\n")
    assert found == "routes[0].sevrity is not a known key; did you mean severity?"


def test_unknown_top_level_key_lists_the_known_ones(tmp_path: Path) -> None:
    found = error_for(tmp_path, "alerting: []\n")
    assert found == (
        "alerting is not a known key; known keys: defaults, routes, schedules, "
        "escalation_policies, services, people, components, status_page, stakeholders"
    )


def test_unknown_key_in_defaults(tmp_path: Path) -> None:
    found = error_for(tmp_path, "defaults:\n  pages: [U0123ABC]\n")
    assert found == "defaults.pages is not a known key; did you mean page?"


def test_bad_regex(tmp_path: Path) -> None:
    found = error_for(tmp_path, 'routes:\n  - match:\n      env: "~(a"\n')
    assert found.startswith("routes[0].match.env is not a valid regular expression (missing )")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"~"', 'needs a pattern after "~"'),
        ("500", 'must be a string, a list of strings or "~regex" (quote numbers)'),
        ("[]", "must not be an empty list: it would never match"),
        ('[a, "~b.*"]', 'cannot list "~regex" items: write one regex with | instead'),
    ],
)
def test_bad_match_values(tmp_path: Path, value: str, message: str) -> None:
    found = error_for(tmp_path, f"routes:\n  - match:\n      code: {value}\n")
    assert found == f"routes[0].match.code {message}"


@pytest.mark.parametrize(
    "target", ["bob", "C0123ABC", "u0123abc", "@oncall", "schedule:", "schedule:SRE", "sre"]
)
def test_page_must_be_users_or_groups(tmp_path: Path, target: str) -> None:
    found = error_for(tmp_path, f'routes:\n  - page: [U0123ABC, "{target}"]\n')
    assert found == (
        "routes[0].page[1] is not a Slack user id (U…/W…), user group id (S…) "
        "or schedule:<name>[/<layer>]"
    )


def test_default_page_checked_too(tmp_path: Path) -> None:
    found = error_for(tmp_path, "defaults:\n  page: [oncall]\n")
    assert found.startswith("defaults.page[0] is not a Slack user id")


def test_runbook_must_be_http(tmp_path: Path) -> None:
    found = error_for(tmp_path, "routes:\n  - runbook: wiki/pay\n")
    assert found == "routes[0].runbook must be an http(s) URL"


def test_more_problems_are_counted(tmp_path: Path) -> None:
    found = error_for(tmp_path, "routes:\n  - severity: sev9\n    action: nope\n")
    assert found.endswith("(and 1 more)")
