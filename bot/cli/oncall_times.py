"""`--from`, `--to` and `--at`: ISO-8601 dates and times, naive ones in the schedule's zone."""

import argparse
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.ops.problems import SetupError

Moment = date | datetime


def parse_moment(text: str, option: str) -> Moment:
    """`2026-01-05` (a date) or `2026-01-05T09:00[+01:00]` (a date and time); SetupError."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        return datetime.fromisoformat(text)
    except ValueError:
        raise SetupError(
            f"{option} {text!r} is not an ISO-8601 date or date and time "
            "(2026-01-05, 2026-01-05T09:00 or 2026-01-05T09:00+01:00)"
        ) from None


def start_of(moment: Moment, zone: ZoneInfo) -> datetime:
    """The instant a moment begins: a date at 00:00 and a naive time in `zone`."""
    if isinstance(moment, datetime):
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return datetime.combine(moment, time(0), zone)


def end_of(moment: Moment, zone: ZoneInfo) -> datetime:
    """The instant a moment ends: a date at the end of that day."""
    if isinstance(moment, datetime):
        return start_of(moment, zone)
    return datetime.combine(moment + timedelta(days=1), time(0), zone)


def period(args: argparse.Namespace, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """`--from` and `--to` as instants in `zone`; SetupError when they are the wrong way."""
    start = start_of(parse_moment(args.start, "--from"), zone)
    end = end_of(parse_moment(args.end, "--to"), zone)
    if end <= start:
        raise SetupError(f"--to ({args.end}) must be after --from ({args.start})")
    return start, end
