"""The paging sections of `warroom.yml`: escalation policies, which service uses which, the
default policy, and people's contact methods beyond Slack.

```yaml
escalation_policies:
  - name: production-api                 # [a-z0-9-]+, unique
    levels:
      - targets: [schedule:sre/primary]  # U…/W… user ids, S… user groups,
        timeout: 30m                     # schedule:<name>[/<layer>], channel:<name>
      - targets: [schedule:sre/secondary, U0MANAGER]
        timeout: 15m                     # 45s, 30m, 1h, 1h30m
    repeat: 2                            # after the last level, start again (0-10 times)
    notify_at_once: {sev1: [U0MANAGER]}  # per severity: told at once, beside level 1
    unresolved: {sev2: {after: 30m, escalate_to: [U0MANAGER]}}
services:
  - name: checkout
    escalation: production-api
defaults:
  escalation: production-api             # incidents whose service has none
people:
  - user: U0CAROL
    phone: "+15550002222"                # E.164, quoted
    email: carol@example.com
    rules: [{method: sms, after: 0s}, {method: voice, after: 5m}, {method: email, after: 1m}]
```

Every problem is a `ConfigError` whose one line names the file, the entry and the field.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from bot.kernel.config_file import ConfigError, describe_problem, list_section, read_mapping
from bot.paging.config_fields import PersonEntry, PolicyEntry, ServiceEntry, known_keys
from bot.paging.definitions import (
    ContactDef,
    ContactRule,
    LevelDef,
    Method,
    PagingConfig,
    PolicyDef,
    UnresolvedRule,
)
from bot.paging.rules.targets import TargetKind, parse_target

__all__ = ["ConfigError", "load_paging_config"]


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class ScheduleShape(Protocol):
    """What paging needs of a schedule definition: its name and its layers' names."""

    @property
    def name(self) -> str: ...

    @property
    def layers(self) -> Sequence[_Named]: ...


class _Fault(Exception):
    """A problem within one entry: the field it is in and what is wrong."""

    def __init__(self, field: str, why: str) -> None:
        super().__init__(f"{field}: {why}")


def load_paging_config(
    path: str | None, schedules: Sequence[ScheduleShape] | None = None
) -> PagingConfig:
    """The paging sections of the YAML file at `path`; empty when `path` is None or has none.
    `schedules` are the file's schedules as loaded (None: their names are read from the file),
    which `schedule:` targets must name."""
    if path is None:
        return PagingConfig()
    data = read_mapping(path)
    known = _schedule_layers(schedules) if schedules is not None else _raw_schedules(data)
    policies = _policies(path, _section(path, data, "escalation_policies"), known)
    services = _services(path, _section(path, data, "services"), policies)
    default = _default_policy(path, data.get("defaults"), policies)
    people = _people(path, _section(path, data, "people"))
    return PagingConfig(policies=policies, services=services, default_policy=default, people=people)


def _section(path: str, data: Mapping[str, Any], key: str) -> tuple[str, list[Any]]:
    """The section's heading and its entries."""
    return key, list_section(path, data, key)


def _entries(
    path: str, section: tuple[str, list[Any]], kind: str, key: str, model: type[BaseModel]
) -> list[tuple[str, Any]]:
    """Each entry checked against `model`, with the words that name it in a message
    (`escalation policy production-api`, or `escalation_policies[2]` before it has a name)."""
    checked: list[tuple[str, Any]] = []
    seen: set[str] = set()
    heading, entries = section
    for index, entry in enumerate(entries):
        given = entry.get(key) if isinstance(entry, Mapping) else None
        where = f"{kind} {given}" if isinstance(given, str) and given else f"{heading}[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{path}: {where}: must be a mapping")
        try:
            parsed = model.model_validate(entry)
        except ValidationError as error:
            raise ConfigError(f"{path}: {where}: {_validation_fault(error, model)}") from None
        name = getattr(parsed, key)
        if name in seen:
            raise ConfigError(f"{path}: {where}: {key}: {name!r} is used twice")
        seen.add(name)
        checked.append((where, parsed))
    return checked


def _policies(
    path: str, entries: tuple[str, list[Any]], schedules: Mapping[str, Sequence[str]]
) -> dict[str, PolicyDef]:
    policies: dict[str, PolicyDef] = {}
    for where, entry in _entries(path, entries, "escalation policy", "name", PolicyEntry):
        try:
            policy = _policy(entry)
            for field, target in _targets(policy):
                _check_schedule(field, target, schedules)
        except _Fault as fault:
            raise ConfigError(f"{path}: {where}: {fault}") from None
        policies[policy.name] = policy
    return policies


def _policy(entry: PolicyEntry) -> PolicyDef:
    if not entry.levels:
        raise _Fault("levels", "must list at least one level")
    for index, level in enumerate(entry.levels):
        if not level.targets:
            raise _Fault(f"levels[{index}].targets", "must name at least one target")
    for severity, rule in entry.unresolved.items():
        if not rule.escalate_to:
            raise _Fault(f"unresolved.{severity}.escalate_to", "must name at least one target")
    return PolicyDef(
        name=entry.name,
        levels=tuple(LevelDef(tuple(level.targets), level.timeout) for level in entry.levels),
        repeat=entry.repeat,
        notify_at_once={severity: tuple(ts) for severity, ts in entry.notify_at_once.items()},
        unresolved=tuple(
            UnresolvedRule(severity, rule.after, tuple(rule.escalate_to))
            for severity, rule in sorted(entry.unresolved.items())
        ),
    )


def _targets(policy: PolicyDef) -> list[tuple[str, str]]:
    """Every target of the policy with the field it is written in."""
    found = [
        (f"levels[{i}].targets[{j}]", target)
        for i, level in enumerate(policy.levels)
        for j, target in enumerate(level.targets)
    ]
    for severity, targets in policy.notify_at_once.items():
        found += [(f"notify_at_once.{severity}[{j}]", t) for j, t in enumerate(targets)]
    for rule in policy.unresolved:
        found += [
            (f"unresolved.{rule.severity}.escalate_to[{j}]", t)
            for j, t in enumerate(rule.escalate_to)
        ]
    return found


def _check_schedule(field: str, text: str, schedules: Mapping[str, Sequence[str]]) -> None:
    """A `schedule:<name>[/<layer>]` target names a schedule (and layer) of the file."""
    target = parse_target(text)
    if target.kind is not TargetKind.SCHEDULE:
        return
    if target.name not in schedules:
        listed = ", ".join(schedules) or "none are defined under schedules:"
        raise _Fault(field, f"{text} names no schedule (schedules: {listed})")
    layers = schedules[target.name]
    if target.layer is not None and target.layer not in layers:
        raise _Fault(
            field,
            f"{text}: schedule {target.name} has no layer {target.layer} "
            f"(layers: {', '.join(layers)})",
        )


def _services(
    path: str, entries: tuple[str, list[Any]], policies: Mapping[str, PolicyDef]
) -> dict[str, str]:
    services: dict[str, str] = {}
    for where, entry in _entries(path, entries, "service", "name", ServiceEntry):
        _check_policy_name(path, f"{where}: escalation", entry.escalation, policies)
        services[entry.name] = entry.escalation
    return services


def _default_policy(path: str, defaults: Any, policies: Mapping[str, PolicyDef]) -> str | None:
    """`defaults.escalation`; the other defaults are the routing config's."""
    if not isinstance(defaults, Mapping) or defaults.get("escalation") is None:
        return None  # a defaults that is no mapping is reported by the routing config
    name = defaults["escalation"]
    if not isinstance(name, str):
        raise ConfigError(f"{path}: defaults.escalation: must be the name of an escalation policy")
    _check_policy_name(path, "defaults.escalation", name, policies)
    return name


def _check_policy_name(path: str, place: str, name: str, policies: Mapping[str, Any]) -> None:
    if name not in policies:
        listed = ", ".join(policies) or "none are defined"
        raise ConfigError(
            f"{path}: {place}: {name!r} names no escalation policy (escalation_policies: {listed})"
        )


def _people(path: str, entries: tuple[str, list[Any]]) -> dict[str, ContactDef]:
    people: dict[str, ContactDef] = {}
    for where, entry in _entries(path, entries, "person", "user", PersonEntry):
        for index, rule in enumerate(entry.rules):
            address = "email" if rule.method is Method.EMAIL else "phone"
            if getattr(entry, address) is None:
                wanted = "an e-mail address (email:)" if address == "email" else "a phone number"
                raise ConfigError(
                    f"{path}: {where}: rules[{index}]: {rule.method} needs {wanted}"
                    + ("" if address == "email" else ' (phone: "+15550002222")')
                )
        people[entry.user] = ContactDef(
            user=entry.user,
            phone=entry.phone,
            email=entry.email,
            rules=tuple(ContactRule(rule.method, rule.after) for rule in entry.rules),
        )
    return people


def _schedule_layers(schedules: Sequence[ScheduleShape]) -> dict[str, list[str]]:
    return {schedule.name: [layer.name for layer in schedule.layers] for schedule in schedules}


def _raw_schedules(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """Schedule and layer names as written (the schedules are checked by the on-call config)."""
    known: dict[str, list[str]] = {}
    entries = data.get("schedules")
    for entry in entries if isinstance(entries, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("name"), str):
            given = entry.get("layers")
            layers = given if isinstance(given, list) else []
            names = [layer.get("name") for layer in layers if isinstance(layer, Mapping)]
            known[entry["name"]] = [name for name in names if isinstance(name, str)]
    return known


def _validation_fault(error: ValidationError, model: type[BaseModel]) -> str:
    """The first problem pydantic found, as `field: fault`."""
    problems = error.errors()
    # An unknown key first: a misspelt `timout` also makes `timeout` missing
    unknown = [p for p in problems if p["type"] == "extra_forbidden"]
    problem = (unknown or problems)[0]
    loc = tuple(part for part in problem["loc"] if part != "[key]")
    field = ""
    for part in loc:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    why = describe_problem(problem, known_keys(model, loc))
    return f"{field or 'entry'}: {why}"
