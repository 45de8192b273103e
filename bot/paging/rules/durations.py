"""Durations as people write them in `warroom.yml` and commands: `45s`, `30m`, `1h`, `1h30m`."""

import re
from datetime import timedelta

# Hours, minutes, seconds, each at most once and in that order; spaces between them are
# allowed so that what `format_duration` writes reads back.
_DURATION = re.compile(r"(?:(\d{1,6})h)?\s*(?:(\d{1,6})m)?\s*(?:(\d{1,6})s)?")
LONGEST = timedelta(days=7)  # longer is a typo (`30h` for `30m`), never an escalation step
EXAMPLES = "45s, 30m, 1h or 1h30m"


def parse_duration(text: str) -> timedelta:
    """`1h30m` → 90 minutes; a ValueError with a short reason for anything else."""
    given = text.strip().lower()
    if not given:
        raise ValueError(f"is empty: write a duration like {EXAMPLES}")
    match = _DURATION.fullmatch(given)
    if match is None or not any(match.groups()):
        raise ValueError(f"{text!r} is not a duration like {EXAMPLES}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    duration = timedelta(hours=hours, minutes=minutes, seconds=seconds)
    if duration > LONGEST:
        raise ValueError(f"{text!r} is longer than {format_duration(LONGEST)}")
    return duration


def format_duration(duration: timedelta) -> str:
    """90 minutes → `1h 30m`; whole seconds, zero parts left out, zero as `0s`."""
    total = int(duration.total_seconds())
    if total < 0:
        raise ValueError("a duration cannot be negative")
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((hours, "h"), (minutes, "m"), (seconds, "s")) if n]
    return " ".join(parts) or "0s"
