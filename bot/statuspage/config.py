"""The status page sections of `warroom.yml`: the components it shows and its branding.

```yaml
components:
  - name: API                          # unique; shown as written; no commas
    group: Platform                    # optional: components of a group are shown together
    description: The public REST API   # optional
    services: [checkout, payments]     # incident services that affect it (prefilled states)
status_page:
  name: Example Status
  logo_url: https://example.com/logo.png   # optional, http(s)
  accent_color: "#1f6feb"                  # #rgb or #rrggbb, quoted
  support_url: https://example.com/help    # optional, http(s)
```

Every problem is a `ConfigError` whose one line names the file, the entry and the field.
"""

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.kernel.config_file import ConfigError, describe_problem, list_section, read_mapping
from bot.statuspage.definitions import Branding, ComponentDef, StatusPageConfig

__all__ = ["ConfigError", "load_statuspage_config"]

_COLOR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_URL = re.compile(r"https?://[^\s\"'<>]+")


def _component_name(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if "," in value:
        raise ValueError(f"{value!r} must not contain a comma (the command line splits on them)")
    return value


def _color(value: str) -> str:
    if not _COLOR.fullmatch(value):
        raise ValueError(f'{value!r} is not a colour like "#1f6feb" (quote it)')
    return value


def _url(value: str) -> str:
    if not _URL.fullmatch(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ComponentEntry(_Strict):
    """One entry of `components:` as written."""

    name: Annotated[str, Field(max_length=100), AfterValidator(_component_name)]
    group: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    description: Annotated[str, Field(max_length=500)] = ""
    services: list[str] = []


class BrandingEntry(_Strict):
    """`status_page:` as written."""

    name: Annotated[str, Field(min_length=1, max_length=100)] = Branding.name
    logo_url: Annotated[str, Field(max_length=2000), AfterValidator(_url)] | None = None
    accent_color: Annotated[str, AfterValidator(_color)] = Branding.accent_color
    support_url: Annotated[str, Field(max_length=2000), AfterValidator(_url)] | None = None


def load_statuspage_config(path: str | None) -> StatusPageConfig:
    """The components and branding of the YAML file at `path`; defaults when `path` is None or
    the file has neither section."""
    if path is None:
        return StatusPageConfig()
    data = read_mapping(path)
    return StatusPageConfig(
        components=_components(path, data),
        branding=_branding(path, data.get("status_page")),
    )


def _components(path: str, data: Mapping[str, Any]) -> tuple[ComponentDef, ...]:
    entries = list_section(path, data, "components")
    found: list[ComponentDef] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        given = entry.get("name") if isinstance(entry, Mapping) else None
        where = f"component {given}" if isinstance(given, str) and given else f"components[{index}]"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{path}: {where}: must be a mapping")
        try:
            parsed = ComponentEntry.model_validate(entry)
        except ValidationError as error:
            raise ConfigError(f"{path}: {where}: {_fault(error, ComponentEntry)}") from None
        if parsed.name in seen:
            raise ConfigError(f"{path}: {where}: name: {parsed.name!r} is used twice")
        seen.add(parsed.name)
        found.append(
            ComponentDef(
                name=parsed.name,
                group=parsed.group,
                description=parsed.description,
                services=tuple(dict.fromkeys(parsed.services)),
            )
        )
    return tuple(found)


def _branding(path: str, entry: Any) -> Branding:
    if entry is None:
        return Branding()
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{path}: status_page: must be a mapping")
    try:
        parsed = BrandingEntry.model_validate(entry)
    except ValidationError as error:
        raise ConfigError(f"{path}: status_page: {_fault(error, BrandingEntry)}") from None
    return Branding(
        name=parsed.name,
        logo_url=parsed.logo_url,
        accent_color=parsed.accent_color,
        support_url=parsed.support_url,
    )


def _fault(error: ValidationError, model: type[BaseModel]) -> str:
    """The first problem pydantic found, as `field: fault`."""
    problems = error.errors()
    unknown = [p for p in problems if p["type"] == "extra_forbidden"]
    problem = (unknown or problems)[0]
    field = ""
    for part in problem["loc"]:
        field += f"[{part}]" if isinstance(part, int) else (f".{part}" if field else str(part))
    if problem["type"] == "string_too_short":
        why = "must not be empty"
    elif problem["type"] == "string_too_long":
        why = f"must be at most {problem['ctx']['max_length']} characters"
    else:
        why = describe_problem(problem, list(model.model_fields))
    return f"{field or 'entry'}: {why}"
