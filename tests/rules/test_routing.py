"""`route()`: the first matching rule decides; what it leaves out comes from the defaults."""

import re

import pytest

from bot.alerts.rules.routing import (
    Matcher,
    Refire,
    Route,
    RouteAction,
    RoutingConfig,
    RoutingRule,
    alert_fields,
    route,
)
from bot.alerts.rules.signals import AlertSignal, AlertSource, AlertState
from storage.enums import Severity


def alert(
    severity: str = "",
    service: str = "",
    source: AlertSource = AlertSource.ALERTMANAGER,
    **labels: str,
) -> AlertSignal:
    """A firing alert with just what routing looks at."""
    return AlertSignal(
        source=source,
        key="k",
        group="g",
        state=AlertState.FIRING,
        title="t",
        severity=severity,
        service=service,
        labels=labels,
    )


def rule(name: str, *match: Matcher, **fields: object) -> RoutingRule:
    """A rule named `name` with these matchers and any other field set."""
    return RoutingRule(name=name, match=match, **fields)  # type: ignore[arg-type]


def test_no_rules_routes_by_the_alerts_own_severity() -> None:
    assert route(alert("critical", "api"), RoutingConfig()) == Route(
        severity=Severity.SEV2, action=RouteAction.OFFER, service="api"
    )


@pytest.mark.parametrize(
    ("word", "severity", "action"),
    [
        ("critical", Severity.SEV2, RouteAction.OFFER),
        ("CRITICAL", Severity.SEV2, RouteAction.OFFER),
        ("p1", Severity.SEV2, RouteAction.OFFER),
        ("error", Severity.SEV3, RouteAction.OFFER),
        ("warning", Severity.SEV4, RouteAction.OFFER),
        ("info", Severity.SEV4, RouteAction.IGNORE),
        ("none", Severity.SEV4, RouteAction.IGNORE),
        ("", Severity.SEV3, RouteAction.OFFER),
        ("disaster", Severity.SEV3, RouteAction.OFFER),
    ],
)
def test_default_severity_table(word: str, severity: Severity, action: RouteAction) -> None:
    decision = route(alert(word), RoutingConfig())
    assert (decision.severity, decision.action, decision.rule) == (severity, action, "default")


def test_first_matching_rule_wins() -> None:
    config = RoutingConfig(
        rules=(
            rule("first", Matcher("team", values=("pay",)), action=RouteAction.DECLARE),
            rule("second", Matcher("team", values=("pay",)), action=RouteAction.IGNORE),
        )
    )
    decision = route(alert("warning", team="pay"), config)
    assert (decision.rule, decision.action) == ("first", RouteAction.DECLARE)


def test_a_rule_that_does_not_fit_is_skipped() -> None:
    config = RoutingConfig(
        rules=(
            rule("other", Matcher("team", values=("search",)), action=RouteAction.IGNORE),
            rule("pay", Matcher("team", values=("pay",)), severity=Severity.SEV1),
        )
    )
    decision = route(alert("warning", team="pay"), config)
    assert (decision.rule, decision.severity) == ("pay", Severity.SEV1)


def test_every_matcher_must_fit() -> None:
    both = rule("both", Matcher("team", values=("pay",)), Matcher("env", values=("prod",)))
    config = RoutingConfig(rules=(both,))
    assert route(alert(team="pay", env="prod"), config).rule == "both"
    assert route(alert(team="pay", env="dev"), config).rule == "default"


def test_list_matcher_takes_any_of_its_values() -> None:
    config = RoutingConfig(rules=(rule("hot", Matcher("severity", values=("critical", "page"))),))
    assert route(alert("page"), config).rule == "hot"
    assert route(alert("critical"), config).rule == "hot"
    assert route(alert("warning"), config).rule == "default"


def test_regex_matcher_must_match_the_whole_value() -> None:
    staging = Matcher("env", pattern=re.compile(r"staging-\w+"))
    config = RoutingConfig(rules=(rule("staging", staging, action=RouteAction.IGNORE),))
    assert route(alert(env="staging-eu"), config).rule == "staging"
    assert route(alert(env="prod-staging-eu"), config).rule == "default"
    assert route(alert(env="staging-eu-1"), config).rule == "default"


def test_a_missing_label_does_not_match() -> None:
    config = RoutingConfig(rules=(rule("any-env", Matcher("env", pattern=re.compile(".*"))),))
    assert route(alert(), config).rule == "default"


def test_an_empty_rule_matches_everything() -> None:
    config = RoutingConfig(rules=(rule("catch-all"),))
    assert route(alert(), config).rule == "catch-all"


def test_source_severity_and_service_can_be_matched() -> None:
    fields = alert_fields(alert("critical", "api", AlertSource.GRAFANA, team="pay"))
    assert fields == {"source": "grafana", "severity": "critical", "service": "api", "team": "pay"}
    config = RoutingConfig(rules=(rule("graf", Matcher("source", values=("grafana",))),))
    assert route(alert(source=AlertSource.GRAFANA), config).rule == "graf"
    assert route(alert(source=AlertSource.SLACK), config).rule == "default"


def test_a_rule_fills_in_only_what_it_leaves_out() -> None:
    config = RoutingConfig(rules=(rule("svc", service="billing", runbook="https://w/b"),))
    decision = route(alert("critical", "api"), config)
    assert decision == Route(
        severity=Severity.SEV2,
        action=RouteAction.OFFER,
        service="billing",
        runbook="https://w/b",
        rule="svc",
    )
    assert route(alert("critical", "api"), RoutingConfig(rules=(rule("x"),))).service == "api"


def test_rule_severity_keeps_the_default_action() -> None:
    config = RoutingConfig(rules=(rule("up", severity=Severity.SEV1),))
    decision = route(alert("info"), config)
    assert (decision.severity, decision.action) == (Severity.SEV1, RouteAction.IGNORE)


def test_page_falls_back_to_the_config_page() -> None:
    config = RoutingConfig(
        rules=(
            rule("named", Matcher("team", values=("pay",)), page=("U0PAY01", "S0PAYGRP")),
            rule("nobody"),
        ),
        page=("U0LEAD01",),
    )
    assert route(alert(team="pay"), config).page == ("U0PAY01", "S0PAYGRP")
    assert route(alert(team="search"), config).page == ("U0LEAD01",)
    assert route(alert(), RoutingConfig(page=("U0LEAD01",))).page == ("U0LEAD01",)


def test_on_refire_is_inherited_unless_the_rule_sets_it() -> None:
    config = RoutingConfig(
        rules=(
            rule("own", Matcher("team", values=("pay",)), on_refire=Refire.REOPEN),
            rule("inherit"),
        ),
        on_refire=Refire.NEW,
    )
    assert route(alert(team="pay"), config).on_refire is Refire.REOPEN
    assert route(alert(team="search"), config).on_refire is Refire.NEW
    assert route(alert(), RoutingConfig(on_refire=Refire.NEW)).on_refire is Refire.NEW
    assert route(alert(), RoutingConfig()).on_refire is Refire.REOPEN
