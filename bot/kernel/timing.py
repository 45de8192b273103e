"""Durations: parsing settings like `30m`, formatting spans, subtracting in UTC."""

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> timedelta:
    """Parse `45s`, `30m`, `1h`, `2d` into a positive timedelta."""
    match = _DURATION.match(text.lower())
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"expected a duration like 45s, 30m or 1h, got {text!r}")
    return timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])


def between(start: datetime, end: datetime) -> timedelta:
    """The real time elapsed from `start` to `end`, computed in UTC."""
    return end.astimezone(UTC) - start.astimezone(UTC)


def format_span(span: timedelta) -> str:
    """A short human span: `45s`, `12m`, `3h 05m`, `2d 4h`."""
    seconds = max(0, int(span.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


def figure_duration(seconds: float | None) -> str:
    """A measured duration to the second, as insights show it everywhere (Slack, the report,
    the dashboard): `35s`, `4m 10s`, `1h 05m`, `2d 04h`; `—` when there is none."""
    if seconds is None:
        return "—"
    days, rest = divmod(max(0, round(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def slack_ts_to_datetime(ts: str) -> datetime:
    """A Slack message ts (`1700000000.000100`) as an aware UTC datetime."""
    return datetime.fromtimestamp(float(ts), tz=UTC)
