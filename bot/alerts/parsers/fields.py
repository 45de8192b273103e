"""Reading untrusted webhook JSON field by field, with reasons that name the field's path."""

import hashlib
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from bot.alerts.rules.signals import MAX_KEY, MAX_LINK, MAX_TITLE, PayloadError
from bot.kernel.text import truncate

# Go's zero time, which Alertmanager and Grafana send as `endsAt` while an alert fires.
NO_TIME = datetime(1, 1, 1, tzinfo=UTC)

# RFC 3339, plus the `+0000` offset PagerDuty's own examples use. ASCII digits only: `\d`
# would otherwise take any script's digits.
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d{2}):?(\d{2}))",
    re.ASCII,
)
_TIME_REASON = "must be an RFC 3339 time with a time zone, like 2024-05-01T12:00:00Z"


class Fields:
    """One JSON object, read field by field; each failure is a PayloadError naming the field.

    A field that is absent or `null` counts as not given: Go's encoders write empty maps
    and strings that way, and it keeps optional fields forgiving.
    """

    def __init__(self, data: dict[str, Any], path: str = "") -> None:
        self._data = data
        self.path = path

    @classmethod
    def of(cls, value: Any, path: str = "") -> "Fields":
        """Wrap `value`, which must be a JSON object; `path` names it in reasons."""
        if not isinstance(value, dict):
            raise PayloadError(f"{path or 'the body'} must be a JSON object")
        return cls(value, path)

    def __contains__(self, name: str) -> bool:
        """Whether the object has field `name` at all, even as `null`."""
        return name in self._data

    def at(self, name: str) -> str:
        """The path of field `name`, as reasons show it."""
        return f"{self.path}.{name}" if self.path else name

    def raw(self, name: str) -> Any:
        """The field's value as decoded, unchecked; None when absent."""
        return self._data.get(name)

    def text(self, name: str, *, required: bool = False, limit: int | None = None) -> str:
        """A string field; a required one must not be blank. "" when optional and absent."""
        value = self._data.get(name)
        if value is None:
            if required:
                raise PayloadError(f"{self.at(name)} is required")
            return ""
        if not isinstance(value, str):
            raise PayloadError(f"{self.at(name)} must be a string")
        value = storable(value)
        if required and not value.strip():
            raise PayloadError(f"{self.at(name)} must not be empty")
        if limit is not None and len(value) > limit:
            raise PayloadError(f"{self.at(name)} must be at most {limit} characters")
        return value

    def choice(self, name: str, options: tuple[str, ...], *, default: str | None = None) -> str:
        """A string field that must be one of `options`; required unless a default is given."""
        value = self._data.get(name)
        if value is None and default is not None:
            return default
        if not isinstance(value, str) or value not in options:
            raise PayloadError(f"{self.at(name)} must be one of {', '.join(options)}")
        return value

    def strings(self, name: str, *, required: bool = False) -> dict[str, str]:
        """An object whose values are all strings, such as labels; {} when optional and absent."""
        value = self._data.get(name)
        if value is None and not required:
            return {}
        if not isinstance(value, dict) or not all(
            isinstance(key, str) and isinstance(item, str) for key, item in value.items()
        ):
            raise PayloadError(f"{self.at(name)} must be an object of strings")
        return {storable(key): storable(item) for key, item in value.items()}

    def time(self, name: str) -> datetime | None:
        """An optional RFC 3339 time field, in UTC; None when absent."""
        value = self._data.get(name)
        return None if value is None else parse_time(value, self.at(name))

    def required_time(self, name: str) -> datetime:
        """A required RFC 3339 time field, in UTC."""
        value = self._data.get(name)
        if value is None:
            raise PayloadError(f"{self.at(name)} is required")
        return parse_time(value, self.at(name))

    def child(self, name: str, *, required: bool = False) -> "Fields":
        """A nested object field; an empty one when optional and absent."""
        value = self._data.get(name)
        if value is None and not required:
            return Fields({}, self.at(name))
        if value is None:
            raise PayloadError(f"{self.at(name)} is required")
        return Fields.of(value, self.at(name))

    def children(
        self, name: str, *, required: bool = False, limit: int | None = None
    ) -> list["Fields"]:
        """A list field whose items are all objects; [] when optional and absent."""
        value = self._data.get(name)
        if value is None:
            if required:
                raise PayloadError(f"{self.at(name)} is required")
            return []
        if not isinstance(value, list):
            raise PayloadError(f"{self.at(name)} must be a list")
        if limit is not None and len(value) > limit:
            raise PayloadError(f"{self.at(name)} must hold at most {limit} items")
        return [Fields.of(item, f"{self.at(name)}[{index}]") for index, item in enumerate(value)]


def parse_time(value: Any, path: str) -> datetime:
    """An RFC 3339 time with a time zone, as an aware UTC datetime (to the microsecond)."""
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise PayloadError(f"{path} {_TIME_REASON}")
    year, month, day, hour, minute, second, fraction, sign, off_hours, off_minutes = match.groups()
    try:
        offset = timedelta(hours=int(off_hours or 0), minutes=int(off_minutes or 0))
        zone = timezone(-offset if sign == "-" else offset)
        # Alertmanager sends nanoseconds; Python keeps microseconds, so the rest is cut.
        micro = int((fraction or "")[:6].ljust(6, "0"))
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), micro, zone
        )
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        # Day 31 of February, hour 25, or a time that leaves Python's range once in UTC.
        raise PayloadError(f"{path} {_TIME_REASON}") from None


def iso_utc(moment: datetime) -> str:
    """`moment` as an ISO 8601 string in UTC with a `Z`, the same for the same instant."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def bounded_key(text: str) -> str:
    """`text` when it fits a key or group (255 characters), else a stable `sha256:<hex>`."""
    if len(text) <= MAX_KEY:
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def first_text(*candidates: str) -> str:
    """The first candidate that is not blank, stripped; "" when all are blank."""
    return next((text.strip() for text in candidates if text.strip()), "")


def title_text(text: str) -> str:
    """`text` on one line, cut to the longest title an alert may have."""
    return truncate(" ".join(text.split()), MAX_TITLE)


def web_link(text: str) -> str:
    """`text` when it is an http(s) URL no longer than a link may be, else ""."""
    link = text.strip()
    if not link or len(link) > MAX_LINK or not link.isprintable() or " " in link:
        return ""
    try:
        parts = urlsplit(link)
        host = parts.hostname
    except ValueError:  # a malformed IPv6 host, say
        return ""
    return link if parts.scheme.lower() in ("http", "https") and host else ""


def storable(text: str) -> str:
    """`text` without what databases refuse: NUL characters and unpaired surrogates."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # JSON's `\ud800` escapes decode to lone surrogates, which UTF-8 cannot hold.
        return text.encode("utf-8", "replace").decode("utf-8")
    return text
