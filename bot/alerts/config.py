"""The routing file, `warroom.yml`: which severity, service, action and pager an alert gets.

```yaml
defaults:            # optional
  on_refire: reopen  # reopen | new
  page: [U0123ABC]   # paged when a route names nobody
  # escalation: production-api   # or page by this escalation policy (not with page:)
routes:              # first match wins
  - name: payments-critical        # optional; default "routes[i]"
    match:                         # every label must fit; each value is a string,
                                   # a list (any of), or "~regex" (a full match)
      service: payments
      severity: [critical, page]
    severity: sev1                 # optional; default from the alert's severity word (README table)
    action: declare                # declare | offer | ignore; optional
    service: payments              # optional
    runbook: https://wiki/pay      # optional http(s) URL
    page: [U0123ABC, S0456DEF]     # users, user groups, and schedule:<name>[/<layer>]
                                   # (who is on call in a schedule of this file, or in one
                                   # of its layers, when the page is made)
    on_refire: new                 # optional
    # escalation: production-api   # instead of page: an escalation policy of this file
```

A matcher can test any alert label plus `source`, `severity` and `service`. An empty (or absent)
`match` matches every alert: a catch-all, best placed last. Label values are strings: quote
numbers (`code: "500"`). A list cannot hold `~regex` items; write one regex with `|` instead.
Every problem is a `ConfigError` whose one line names the file, the place and the fault.
"""

import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError
from pydantic_core import ErrorDetails

from bot.alerts.rules.routing import Matcher, Refire, RouteAction, RoutingConfig, RoutingRule
from bot.kernel.config_file import ConfigError, describe_problem, read_yaml
from storage.enums import Severity

_SLACK_TARGET = re.compile(r"[UWS][A-Z0-9]{2,}")
_SCHEDULE_TARGET = re.compile(r"schedule:([a-z0-9-]+)(?:/([a-z0-9-]+))?")
_HTTP_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_ENUMS: dict[str, type[StrEnum]] = {
    "severity": Severity,
    "action": RouteAction,
    "on_refire": Refire,
}


def _lower(value: Any) -> Any:
    # `SEV1` and `Declare` mean what they say: accept any case for the enum words
    return value.lower() if isinstance(value, str) else value


def _slack_target(value: str) -> str:
    if not (_SLACK_TARGET.fullmatch(value) or _SCHEDULE_TARGET.fullmatch(value)):
        raise ValueError(
            "is not a Slack user id (U…/W…), user group id (S…) or schedule:<name>[/<layer>]"
        )
    return value


def _http_url(value: str) -> str:
    if not _HTTP_URL.fullmatch(value):
        raise ValueError("must be an http(s) URL")
    return value


def _match_value(value: Any) -> str | list[str]:
    if isinstance(value, str):
        if value.startswith("~"):
            _compile(value[1:])
        return value
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError('must be a string, a list of strings or "~regex" (quote numbers)')
    if not value:
        raise ValueError("must not be an empty list: it would never match")
    if any(item.startswith("~") for item in value):
        raise ValueError('cannot list "~regex" items: write one regex with | instead')
    return value


def _compile(pattern: str) -> re.Pattern[str]:
    if not pattern:
        raise ValueError('needs a pattern after "~"')
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ValueError(f"is not a valid regular expression ({error})") from None


_Target = Annotated[str, AfterValidator(_slack_target)]
_Url = Annotated[str, AfterValidator(_http_url)]
_MatchValue = Annotated[Any, AfterValidator(_match_value)]
_Severity = Annotated[Severity, BeforeValidator(_lower)]
_Action = Annotated[RouteAction, BeforeValidator(_lower)]
_Refire = Annotated[Refire, BeforeValidator(_lower)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Defaults(_Strict):
    on_refire: _Refire = Refire.REOPEN
    page: list[_Target] = []
    escalation: str | None = None  # also the paging config's default policy


class _Route(_Strict):
    name: str | None = None
    match: dict[str, _MatchValue] | None = None
    severity: _Severity | None = None
    action: _Action | None = None
    service: str = ""
    runbook: _Url | None = None
    page: list[_Target] = []
    on_refire: _Refire | None = None
    escalation: str | None = None


class _File(_Strict):
    defaults: _Defaults | None = None
    routes: list[_Route] | None = None
    schedules: Any = None  # on-call schedules: read and checked by bot/oncall/config.py
    # paging: read and checked by bot/paging/config.py
    escalation_policies: Any = None
    services: Any = None
    people: Any = None
    # the status page and stakeholders: read by bot/statuspage/config.py and bot/comms/config.py
    components: Any = None
    status_page: Any = None
    stakeholders: Any = None


def load_routing_config(path: str | None) -> RoutingConfig:
    """The routing rules in the YAML file at `path`; the defaults when `path` is None."""
    if path is None:
        return RoutingConfig()
    data = read_yaml(path)
    if data is None:
        return RoutingConfig()  # an empty file asks for nothing
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the top level must be a mapping with defaults and routes")
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {_describe(error)}") from None
    _check_schedule_targets(parsed, path)
    _check_escalations(parsed, path)
    return _build(parsed)


def _check_schedule_targets(parsed: "_File", path: str) -> None:
    """Every `schedule:<name>[/<layer>]` page target names a schedule (and layer) of the same
    file; the schedules themselves are checked by the on-call config."""
    known: dict[str, list[str]] = {}
    entries: list[Any] = parsed.schedules if isinstance(parsed.schedules, list) else []
    for entry in entries:
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            given = entry.get("layers")
            layers: list[Any] = given if isinstance(given, list) else []
            names = [layer.get("name") for layer in layers if isinstance(layer, dict)]
            known[entry["name"]] = [str(name) for name in names if isinstance(name, str)]
    places = [("defaults.page", (parsed.defaults or _Defaults()).page)]
    places += [(f"routes[{i}].page", route.page) for i, route in enumerate(parsed.routes or [])]
    for place, targets in places:
        for target in targets:
            match = _SCHEDULE_TARGET.fullmatch(target)
            if match is None:
                continue
            name, layer = match.group(1), match.group(2)
            if name not in known:
                listed = ", ".join(known) or "none are defined under schedules:"
                raise ConfigError(
                    f"{path}: {place}: {target} names no schedule (schedules: {listed})"
                )
            if layer is not None and layer not in known[name]:
                raise ConfigError(
                    f"{path}: {place}: {target}: schedule {name} has no layer {layer} "
                    f"(layers: {', '.join(known[name])})"
                )


def _check_escalations(parsed: "_File", path: str) -> None:
    """`escalation:` is never beside `page:`, and names a policy of the same file (the
    policies themselves are checked by the paging config)."""
    entries: list[Any] = (
        parsed.escalation_policies if isinstance(parsed.escalation_policies, list) else []
    )
    known = [e["name"] for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]
    places: list[tuple[str, _Defaults | _Route]] = [("defaults", parsed.defaults or _Defaults())]
    places += [(f"routes[{i}]", route) for i, route in enumerate(parsed.routes or [])]
    for place, entry in places:
        if entry.escalation is None:
            continue
        if entry.page:
            raise ConfigError(
                f"{path}: {place}: page and escalation cannot both be given: "
                "page people directly or by an escalation policy"
            )
        if entry.escalation not in known:
            listed = ", ".join(known) or "none are defined"
            raise ConfigError(
                f"{path}: {place}.escalation: {entry.escalation!r} names no escalation policy "
                f"(escalation_policies: {listed})"
            )


def _build(parsed: _File) -> RoutingConfig:
    """Turn the checked file into the routing values `route()` reads."""
    defaults = parsed.defaults or _Defaults()
    rules = tuple(
        RoutingRule(
            name=route.name or f"routes[{index}]",
            match=tuple(_matcher(label, value) for label, value in (route.match or {}).items()),
            severity=route.severity,
            action=route.action,
            service=route.service,
            runbook=route.runbook or "",
            page=tuple(route.page),
            on_refire=route.on_refire,
            escalation=route.escalation,
        )
        for index, route in enumerate(parsed.routes or [])
    )
    return RoutingConfig(
        rules=rules,
        on_refire=defaults.on_refire,
        page=tuple(defaults.page),
        escalation=defaults.escalation,
    )


def _matcher(label: str, value: str | list[str]) -> Matcher:
    if isinstance(value, list):
        return Matcher(label, values=tuple(value))
    if value.startswith("~"):
        return Matcher(label, pattern=_compile(value[1:]))
    return Matcher(label, values=(value,))


def _describe(error: ValidationError) -> str:
    """The first problem as `place fault`, and how many more there are."""
    problems = error.errors()
    first = problems[0]
    text = f"{_place(first['loc'])} {_fault(first)}"
    if len(problems) > 1:
        text += f" (and {len(problems) - 1} more)"
    return text


def _place(loc: tuple[int | str, ...]) -> str:
    """`('routes', 2, 'severity')` → `routes[2].severity`."""
    place = ""
    for part in loc:
        if isinstance(part, int):
            place += f"[{part}]"
        elif part != "[key]":
            place += f".{part}" if place else part
    return place or "the file"


def _fault(problem: ErrorDetails) -> str:
    """Pydantic's complaint in the words of this file's format."""
    return describe_problem(problem, _known_keys(problem["loc"]), _ENUMS)


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed where an unknown one was found."""
    depth = [part for part in loc[:-1] if isinstance(part, str)]
    model: type[BaseModel] = _File
    if depth[-1:] == ["defaults"]:
        model = _Defaults
    elif depth[-1:] == ["routes"]:
        model = _Route
    return list(model.model_fields)
