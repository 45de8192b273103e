"""The `schedules:` of `warroom.yml`: who rotates through which layer of which schedule.

```yaml
schedules:
  - name: sre                      # [a-z0-9-]+, unique
    timezone: Europe/Berlin        # IANA zone; handoffs are wall-clock times in it
    handoff_channel: sre           # optional: a post here at every handoff
    user_group: sre-oncall         # optional: a Slack user group kept equal to who is on call
    layers:                        # bottom first: later layers win where they cover a minute
      - name: primary
        users: [U0ALICE, carol@example.com]  # Slack user ids, or e-mails
        rotation: weekly           # hourly | daily | weekly | "<N>h" | "<N>d"
        handoff: "monday 09:00"
        start: 2026-01-05          # the anchor of the rotation
        restrict: "mon-fri 09:00-18:00"      # optional
      - name: imported
        ical: https://calendar.example.com/oncall.ics   # a feed instead of users
    holidays: {country: DE, subdivision: BE, cover: U0FRANK}   # optional
```

Every problem is a `ConfigError` whose one line names the file, the schedule, the layer when
there is one, and the field.
"""

import re
from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_calendars
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError

from bot.kernel.config_file import ConfigError, describe_problem, read_yaml
from bot.oncall.definitions import HolidayDef, LayerDef, ScheduleDef, is_email, is_user
from bot.oncall.rules.restrict import parse_restriction
from bot.oncall.rules.rotation import parse_rotation

__all__ = [
    "ConfigError",
    "HolidayDef",
    "LayerDef",
    "ScheduleDef",
    "is_email",
    "is_user",
    "load_schedules",
]

_NAME = re.compile(r"[a-z0-9-]+")
_HTTP_URL = re.compile(r"https?://[^\s/$.?#][^\s]*", re.IGNORECASE)
_CHANNEL_NAME = re.compile(r"#?[a-z0-9][a-z0-9_-]{0,79}")
_CHANNEL_ID = re.compile(r"[CG][A-Z0-9]{2,}")
_USER_GROUP = re.compile(r"S[A-Z0-9]{2,}|@?[a-z0-9][a-z0-9._-]{0,79}")


def _name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError(f"{value!r} must be lowercase letters, digits and dashes ([a-z0-9-]+)")
    if len(value) > 64:
        raise ValueError("must be at most 64 characters")
    return value


def _user(value: str) -> str:
    if not is_user(value):
        raise ValueError(f"{value!r} is neither a Slack user id (U…/W…) nor an e-mail")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return value


def _url(value: str) -> str:
    if not _HTTP_URL.fullmatch(value):
        raise ValueError(f"{value!r} must be an http(s) URL")
    return value


def _channel(value: str) -> str:
    if not (_CHANNEL_NAME.fullmatch(value) or _CHANNEL_ID.fullmatch(value)):
        raise ValueError(
            f"{value!r} is not a channel name (lowercase letters, digits, - and _, at most 80)"
        )
    return value.removeprefix("#")


def _user_group(value: str) -> str:
    if not _USER_GROUP.fullmatch(value):
        raise ValueError(f"{value!r} is not a user group handle or id (S…)")
    return value.removeprefix("@")


_Name = Annotated[str, AfterValidator(_name)]
_User = Annotated[str, AfterValidator(_user)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Layer(_Strict):
    name: _Name
    users: list[_User] = []
    rotation: str | None = None
    handoff: str | None = None
    start: date | None = None
    restrict: str | None = None
    ical: Annotated[str, AfterValidator(_url)] | None = None


class _Holidays(_Strict):
    country: str
    subdivision: str | None = None
    cover: _User | None = None


class _Schedule(_Strict):
    name: _Name
    timezone: Annotated[str, AfterValidator(_zone)]
    handoff_channel: Annotated[str, AfterValidator(_channel)] | None = None
    user_group: Annotated[str, AfterValidator(_user_group)] | None = None
    layers: list[_Layer]
    holidays: _Holidays | None = None


_KNOWN_KEYS = {
    "": list(_Schedule.model_fields),
    "layers": list(_Layer.model_fields),
    "holidays": list(_Holidays.model_fields),
}


class _Fault(Exception):
    """A problem within one schedule: the field (and layer) it is in and what is wrong."""

    def __init__(self, field: str, why: str, layer: str | None = None) -> None:
        super().__init__(f"{field}: {why}")
        self.layer = layer


def load_schedules(path: str | None) -> tuple[ScheduleDef, ...]:
    """The schedules of the YAML file at `path`; none when `path` is None or has none."""
    if path is None:
        return ()
    data = read_yaml(path)
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: the top level must be a mapping")
    entries = data.get("schedules")
    if entries is None:
        return ()
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: schedules: must be a list of schedules")
    schedules: list[ScheduleDef] = []
    for index, entry in enumerate(entries):
        where = _schedule_place(entry, index)
        try:
            schedule = _schedule(entry)
        except _Fault as fault:
            layer = f", layer {fault.layer}" if fault.layer else ""
            raise ConfigError(f"{path}: {where}{layer}: {fault}") from None
        if any(known.name == schedule.name for known in schedules):
            raise ConfigError(f"{path}: {where}: name: {schedule.name!r} is used twice")
        schedules.append(schedule)
    return tuple(schedules)


def _schedule_place(entry: Any, index: int) -> str:
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"schedule {name}" if isinstance(name, str) and name else f"schedules[{index}]"


def _schedule(entry: Any) -> ScheduleDef:
    """One checked schedule, or the _Fault that names its field."""
    if not isinstance(entry, Mapping):
        raise _Fault("schedule", "must be a mapping with name, timezone and layers")
    try:
        parsed = _Schedule.model_validate(entry)
    except ValidationError as error:
        raise _validation_fault(error, entry) from None
    zone = ZoneInfo(parsed.timezone)
    layers: list[LayerDef] = []
    for layer in parsed.layers:
        if any(known.name == layer.name for known in layers):
            raise _Fault("name", "is used by an earlier layer of this schedule", layer.name)
        layers.append(_layer(layer, zone))
    if not layers:
        raise _Fault("layers", "must list at least one layer")
    return ScheduleDef(
        name=parsed.name,
        timezone=parsed.timezone,
        handoff_channel=parsed.handoff_channel,
        user_group=parsed.user_group,
        layers=tuple(layers),
        holidays=_holidays(parsed.holidays) if parsed.holidays else None,
    )


def _layer(layer: _Layer, zone: ZoneInfo) -> LayerDef:
    """One checked layer: people with a rotation that exists, or a feed."""
    if layer.ical is not None:
        if layer.users:
            raise _Fault("ical", "a layer has either users or an ical feed, not both", layer.name)
        for field in ("rotation", "handoff", "start", "restrict"):
            if getattr(layer, field) is not None:
                raise _Fault(field, "an ical layer takes its shifts from the feed", layer.name)
        return LayerDef(name=layer.name, ical=layer.ical)
    if not layer.users:
        raise _Fault("users", "the layer is empty: list users or give an ical feed", layer.name)
    if layer.rotation is None:
        raise _Fault("rotation", "is required (hourly, daily, weekly, <N>h or <N>d)", layer.name)
    if layer.start is None:
        raise _Fault("start", "is required: the date the rotation is anchored to", layer.name)
    try:
        parse_rotation(layer.rotation, layer.handoff, layer.start, zone)
        if layer.restrict is not None:
            parse_restriction(layer.restrict)
    except ValueError as error:
        field, why = _split_field(str(error), "rotation")
        if layer.restrict is not None and field not in ("rotation", "handoff", "start"):
            field = "restrict"
        raise _Fault(field, why, layer.name) from None
    return LayerDef(
        name=layer.name,
        users=tuple(layer.users),
        rotation=layer.rotation,
        handoff=layer.handoff,
        start=layer.start,
        restrict=layer.restrict,
    )


def _split_field(message: str, default: str) -> tuple[str, str]:
    """`"handoff: no such weekday"` → ("handoff", "no such weekday")."""
    field, colon, why = message.partition(": ")
    if colon and re.fullmatch(r"[a-z_]+", field):
        return field, why
    return default, message


def _holidays(given: _Holidays) -> HolidayDef:
    """Holidays of a country (and subdivision) the `holidays` package knows."""
    supported = _supported_countries()
    country = given.country.upper()
    if country not in supported:
        raise _Fault("holidays.country", f"{given.country!r} is not a country code (e.g. DE, US)")
    subdivision = given.subdivision
    if subdivision is not None:
        known = supported[country]
        match = next((s for s in known if s.upper() == subdivision.upper()), None)
        if match is None:
            listed = ", ".join(known[:12]) + (", …" if len(known) > 12 else "")
            raise _Fault(
                "holidays.subdivision",
                f"{subdivision!r} is not a subdivision of {country} ({listed or 'none known'})",
            )
        subdivision = match
    return HolidayDef(country=country, subdivision=subdivision, cover=given.cover)


@cache
def _supported_countries() -> dict[str, list[str]]:
    return {code: list(subs) for code, subs in holiday_calendars.list_supported_countries().items()}


def _validation_fault(error: ValidationError, entry: Mapping[str, Any]) -> _Fault:
    """The first problem pydantic found, as the field (and layer) it is in."""
    problem = error.errors()[0]
    loc: Sequence[int | str] = problem["loc"]
    layer: str | None = None
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        raw = entry.get("layers") or []
        item = raw[loc[1]] if loc[1] < len(raw) else None
        name = item.get("name") if isinstance(item, Mapping) else None
        layer = name if isinstance(name, str) and name else f"layers[{loc[1]}]"
        if len(loc) == 2:
            return _Fault("layer", describe_problem(problem, _KNOWN_KEYS["layers"]), layer)
        loc = loc[2:]
        known = _KNOWN_KEYS["layers"]
    else:
        known = _KNOWN_KEYS.get(str(loc[0]) if len(loc) > 1 else "", _KNOWN_KEYS[""])
    field = ".".join(str(part) for part in loc if isinstance(part, str)) or "schedule"
    index = next((part for part in loc if isinstance(part, int)), None)
    if index is not None:
        field += f"[{index}]"
    return _Fault(field, describe_problem(problem, known), layer)
