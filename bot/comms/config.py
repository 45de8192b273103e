"""The `stakeholders:` section of `warroom.yml`: who outside the incident channel hears of
incidents, and which incidents reach them.

```yaml
stakeholders:
  - name: executives                 # [a-z0-9-]+, unique
    channel: "#exec-incidents"       # a channel name (with or without #) or id (C…)
    emails: [cto@example.com]        # optional
    severities: [sev1]               # incidents of these severities reach them
  - name: customer-success
    channel: cs-escalations
    when_customers_affected: true    # told at once when customers are affected
```

Every problem is a `ConfigError` whose one line names the file, the entry and the field.
"""

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, ValidationError

from bot.comms.definitions import Audience, CommsConfig
from bot.kernel.config_file import ConfigError, describe_problem, list_section, read_mapping
from storage.enums import Severity

__all__ = ["ConfigError", "load_comms_config"]

_NAME = re.compile(r"[a-z0-9-]{1,64}")
_CHANNEL_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_EMAIL = re.compile(r"[^@\s<>\"',]+@[^@\s<>\"',]+\.[^@\s<>\"',]+")
SEVERITIES = ", ".join(severity.value for severity in Severity)


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{value!r} must be lowercase letters, digits and dashes ([a-z0-9-]+)")
    return value


def _channel(value: str) -> str:
    """`#name`, `name` or `C…`, kept as the id or the bare name."""
    bare = value.strip().removeprefix("#")
    if _CHANNEL_ID.fullmatch(bare) or _CHANNEL_NAME.fullmatch(bare):
        return bare
    raise ValueError(
        f"{value!r} is not a Slack channel: give its name (lowercase, as in #exec-incidents) "
        "or its id (C…)"
    )


def _email(value: str) -> str:
    if not _EMAIL.fullmatch(value) or len(value) > 254:
        raise ValueError(f"{value!r} is not an e-mail address")
    return value


def _severity(value: Any) -> Any:
    word = value.lower() if isinstance(value, str) else value
    if word not in {severity.value for severity in Severity}:
        raise ValueError(f"{value!r} is not a severity ({SEVERITIES})")
    return Severity(word)


class AudienceEntry(BaseModel):
    """One of `stakeholders`, as written."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(_name)]
    channel: Annotated[str, AfterValidator(_channel)] | None = None
    emails: list[Annotated[str, AfterValidator(_email)]] = []
    severities: list[Annotated[Severity, BeforeValidator(_severity)]] = []
    when_customers_affected: bool = False


def load_comms_config(path: str | None) -> CommsConfig:
    """The audiences of the YAML file at `path`; none when `path` is None or it has none."""
    if path is None:
        return CommsConfig()
    audiences: list[Audience] = []
    for index, entry in enumerate(list_section(path, read_mapping(path), "stakeholders")):
        audience = _audience(path, index, entry)
        if any(a.name == audience.name for a in audiences):
            where = f"stakeholder audience {audience.name}"
            raise ConfigError(f"{path}: {where}: name: {audience.name!r} is used twice")
        audiences.append(audience)
    return CommsConfig(audiences=tuple(audiences))


def _audience(path: str, index: int, entry: Any) -> Audience:
    given = entry.get("name") if isinstance(entry, Mapping) else None
    where = (
        f"stakeholder audience {given}"
        if isinstance(given, str) and given
        else f"stakeholders[{index}]"
    )
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{path}: {where}: must be a mapping")
    try:
        parsed = AudienceEntry.model_validate(entry)
    except ValidationError as error:
        raise ConfigError(f"{path}: {where}: {_fault(error)}") from None
    if parsed.channel is None and not parsed.emails:
        raise ConfigError(f"{path}: {where}: give a channel, emails, or both")
    if not parsed.severities and not parsed.when_customers_affected:
        raise ConfigError(
            f"{path}: {where}: no incident reaches it: list severities, "
            "or set when_customers_affected: true"
        )
    return Audience(
        name=parsed.name,
        channel=parsed.channel,
        emails=tuple(dict.fromkeys(parsed.emails)),
        severities=frozenset(parsed.severities),
        when_customers_affected=parsed.when_customers_affected,
    )


def _fault(error: ValidationError) -> str:
    """The first problem pydantic found, as `field: fault`."""
    problems = error.errors()
    unknown = [p for p in problems if p["type"] == "extra_forbidden"]
    problem = (unknown or problems)[0]
    field = ""
    for part in problem["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    if problem["type"] == "bool_parsing" or problem["type"] == "bool_type":
        why = "must be true or false"
    else:
        why = describe_problem(problem, list(AudienceEntry.model_fields))
    return f"{field or 'entry'}: {why}"
