"""The shapes of the paging sections of `warroom.yml`, each field checked as it is read; the
cross-references (schedules, policy names) are checked by `bot.paging.config`."""

import re
from datetime import timedelta
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from bot.paging.definitions import Method
from bot.paging.rules.durations import EXAMPLES, format_duration, parse_duration
from bot.paging.rules.targets import parse_target
from storage.enums import Severity

_NAME = re.compile(r"[a-z0-9-]+")
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")
_E164 = re.compile(r"\+[1-9]\d{7,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
SEVERITIES = ", ".join(severity.value for severity in Severity)
RULE_METHODS = (Method.SMS, Method.VOICE, Method.EMAIL)


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{value!r} must be lowercase letters, digits and dashes ([a-z0-9-]+)")
    if len(value) > 64:
        raise ValueError("must be at most 64 characters")
    return value


def _duration(value: Any) -> timedelta:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"{value!r} needs a unit: write a duration like {EXAMPLES}")
    if not isinstance(value, str):
        raise ValueError(f"must be a duration like {EXAMPLES}")
    return parse_duration(value)


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"must be longer than {format_duration(timedelta(0))}")
    return value


def _target(value: str) -> str:
    return str(parse_target(value))  # written the one way the rest of the code reads


def _repeat(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
        raise ValueError(f"must be a whole number from 0 to 10, got {value!r}")
    return value


def _severity_keys(value: Any) -> Any:
    """Mappings keyed by severity: keys of any case, each a severity."""
    if not isinstance(value, dict):
        return value  # pydantic says it is not a mapping
    checked: dict[Severity, Any] = {}
    for key, item in value.items():
        word = key.lower() if isinstance(key, str) else key
        if word not in {severity.value for severity in Severity}:
            raise ValueError(f"{key!r} is not a severity ({SEVERITIES})")
        checked[Severity(word)] = item
    return checked


def _user_id(value: str) -> str:
    if not _USER_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a Slack user id (U…/W…)")
    return value


def _phone(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML reads +15550002222 as the number 15550002222: the + is lost
        raise ValueError(f'must be quoted, as in "+{value}"')
    if isinstance(value, str) and not _E164.fullmatch(value):
        raise ValueError(f"{value!r} is not an E.164 number (+ and 8-15 digits, no spaces)")
    return value


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _method(value: Any) -> Method:
    word = value.lower() if isinstance(value, str) else value
    if word not in RULE_METHODS:
        raise ValueError(f"{value!r} is not a method: one of sms, voice, email")
    return Method(word)


Name = Annotated[str, AfterValidator(_name)]
Duration = Annotated[timedelta, BeforeValidator(_duration)]
Timeout = Annotated[timedelta, BeforeValidator(_duration), AfterValidator(_positive)]
TargetText = Annotated[str, AfterValidator(_target)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LevelEntry(_Strict):
    """`levels[i]` of a policy."""

    targets: list[TargetText]
    timeout: Timeout


class UnresolvedEntry(_Strict):
    """`unresolved.<severity>` of a policy."""

    after: Timeout
    escalate_to: list[TargetText]


class PolicyEntry(_Strict):
    """One of `escalation_policies`."""

    name: Name
    levels: list[LevelEntry]
    repeat: Annotated[int, BeforeValidator(_repeat)] = 0
    notify_at_once: Annotated[
        dict[Severity, list[TargetText]], BeforeValidator(_severity_keys)
    ] = {}
    unresolved: Annotated[dict[Severity, UnresolvedEntry], BeforeValidator(_severity_keys)] = {}


class ServiceEntry(_Strict):
    """One of `services`."""

    name: str
    escalation: str


class RuleEntry(_Strict):
    """One of a person's `rules`."""

    method: Annotated[Method, BeforeValidator(_method)]
    after: Duration = timedelta(0)


class PersonEntry(_Strict):
    """One of `people`."""

    user: Annotated[str, AfterValidator(_user_id)]
    phone: Annotated[str | None, BeforeValidator(_phone)] = None
    email: Annotated[str, AfterValidator(_email)] | None = None
    rules: list[RuleEntry] = []


def known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed where pydantic found a problem at `loc` inside an entry of `model`."""
    inner: dict[str, type[BaseModel]] = {
        "levels": LevelEntry,
        "unresolved": UnresolvedEntry,
        "rules": RuleEntry,
    }
    for part in loc[:-1]:
        if isinstance(part, str) and part in inner:
            model = inner[part]
    return list(model.model_fields)
