"""Routing: which severity, service and response an alert gets. Pure rules over labels."""

import re
from collections.abc import Mapping
from dataclasses import dataclass

from bot.alerts.rules.signals import AlertSignal
from storage.enums import Refire, RouteAction, Severity


@dataclass(frozen=True)
class Matcher:
    """One label condition: any of `values` exactly, or a full regular-expression match."""

    label: str
    values: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    def matches(self, fields: Mapping[str, str]) -> bool:
        """Whether the label is present and fits."""
        value = fields.get(self.label)
        if value is None:
            return False
        if self.pattern is not None:
            return self.pattern.fullmatch(value) is not None
        return value in self.values


@dataclass(frozen=True)
class Route:
    """The decision for an alert group: severity, service, action and whom to page."""

    severity: Severity
    action: RouteAction
    service: str = ""
    runbook: str = ""
    page: tuple[str, ...] = ()  # Slack user ids (U…/W…) and user group ids (S…)
    on_refire: Refire = Refire.REOPEN
    rule: str = "default"
    escalation: str | None = None  # an escalation policy's name, instead of `page`


@dataclass(frozen=True)
class RoutingRule:
    """A rule from `warroom.yml`: when every matcher fits, its route applies."""

    name: str
    match: tuple[Matcher, ...]
    severity: Severity | None = None  # None: derive from the alert's severity word
    action: RouteAction | None = None  # None: the default for that severity
    service: str = ""  # "" : the alert's own service
    runbook: str = ""
    page: tuple[str, ...] = ()
    on_refire: Refire | None = None
    escalation: str | None = None  # never together with `page`


# An alert's own severity word → (incident severity, default action); documented in README.
DEFAULT_SEVERITIES: dict[str, tuple[Severity, RouteAction]] = {
    "critical": (Severity.SEV2, RouteAction.OFFER),
    "page": (Severity.SEV2, RouteAction.OFFER),
    "p1": (Severity.SEV2, RouteAction.OFFER),
    "error": (Severity.SEV3, RouteAction.OFFER),
    "high": (Severity.SEV3, RouteAction.OFFER),
    "major": (Severity.SEV3, RouteAction.OFFER),
    "p2": (Severity.SEV3, RouteAction.OFFER),
    "warning": (Severity.SEV4, RouteAction.OFFER),
    "warn": (Severity.SEV4, RouteAction.OFFER),
    "minor": (Severity.SEV4, RouteAction.OFFER),
    "p3": (Severity.SEV4, RouteAction.OFFER),
    "p4": (Severity.SEV4, RouteAction.IGNORE),
    "p5": (Severity.SEV4, RouteAction.IGNORE),
    "info": (Severity.SEV4, RouteAction.IGNORE),
    "low": (Severity.SEV4, RouteAction.IGNORE),
    "none": (Severity.SEV4, RouteAction.IGNORE),
}
UNKNOWN_SEVERITY: tuple[Severity, RouteAction] = (Severity.SEV3, RouteAction.OFFER)


@dataclass(frozen=True)
class RoutingConfig:
    """Rules in order (the first that matches wins), then the defaults."""

    rules: tuple[RoutingRule, ...] = ()
    on_refire: Refire = Refire.REOPEN
    page: tuple[str, ...] = ()  # whom to page when no rule names anyone
    escalation: str | None = None  # or the policy to page by, then


def alert_fields(alert: AlertSignal) -> dict[str, str]:
    """What a matcher can test: the labels, then `source`, `severity` and `service`."""
    fields = {"source": alert.source.value}
    if alert.severity:
        fields["severity"] = alert.severity
    if alert.service:
        fields["service"] = alert.service
    return {**fields, **alert.labels}


def route(alert: AlertSignal, config: RoutingConfig) -> Route:
    """The route for `alert`: the first rule that matches, filled in from the defaults."""
    derived, default_action = DEFAULT_SEVERITIES.get(alert.severity.lower(), UNKNOWN_SEVERITY)
    fields = alert_fields(alert)
    for rule in config.rules:
        if all(m.matches(fields) for m in rule.match):
            # a rule naming whom to page (people or a policy) leaves the defaults' out
            names = bool(rule.page or rule.escalation)
            return Route(
                severity=rule.severity or derived,
                action=rule.action or default_action,
                service=rule.service or alert.service,
                runbook=rule.runbook,
                page=rule.page if names else config.page,
                on_refire=rule.on_refire or config.on_refire,
                rule=rule.name,
                escalation=rule.escalation if names else config.escalation,
            )
    return Route(
        severity=derived,
        action=default_action,
        service=alert.service,
        page=config.page,
        on_refire=config.on_refire,
        escalation=config.escalation,
    )
