"""How `warroom oncall` prints: plain text for people, JSON and CSV for scripts. Times are
ISO-8601 with the offset, in the schedule's own zone."""

import csv
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.oncall.ports import FeedStatus
from bot.oncall.rules.hours import Hours
from bot.oncall.rules.shifts import Shift
from bot.oncall.service import OnCallNow

KINDS = ("business", "evening", "night", "weekend", "holiday", "total")


@dataclass(frozen=True)
class HourRow:
    """One person's hours in one schedule."""

    schedule: str
    user: str
    hours: Hours


def instant(moment: datetime, zone: ZoneInfo) -> str:
    """`2026-01-19 09:00 +01:00`: readable, and exact."""
    local = moment.astimezone(zone)
    offset = local.strftime("%z")
    return f"{local:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def person(user: str, names: Mapping[str, str]) -> str:
    """`Alice Archer (U0ALICE)` when the directory knows the name, else the id."""
    name = names.get(user)
    return f"{name} ({user})" if name and name != user else user


def shift_json(schedule: str, shift: Shift, zone: ZoneInfo) -> dict[str, Any]:
    """A final shift as `shifts --json` gives it."""
    return {
        "schedule": schedule,
        "layer": shift.layer,
        "user": shift.user,
        "start": shift.start.astimezone(zone).isoformat(),
        "end": shift.end.astimezone(zone).isoformat(),
        "source": shift.source.value,
    }


def shifts_json(schedule: str, shifts: Sequence[Shift], zone: ZoneInfo) -> str:
    """`[{"schedule","layer","user","start","end","source"}]`."""
    return json.dumps([shift_json(schedule, shift, zone) for shift in shifts], indent=2)


def shifts_text(
    schedule: str, shifts: Sequence[Shift], zone: ZoneInfo, names: Mapping[str, str]
) -> str:
    """One line a shift: from, to, who, layer and where it comes from."""
    if not shifts:
        return f"{schedule}: nobody is on call in this period"
    return "\n".join(
        f"{instant(s.start, zone)} → {instant(s.end, zone)}  {person(s.user, names)}  "
        f"{s.layer or 'all layers'} ({s.source.value})"
        for s in shifts
    )


def who_json(
    found: Sequence[OnCallNow],
    names: Mapping[str, str],
    zones: Mapping[str, ZoneInfo],
    failing: Sequence[FeedStatus] = (),
) -> str:
    """Each schedule: who, until when, who is next, each layer's person, and its iCal feeds
    that fail (`"feeds"`: empty when none does)."""
    out = []
    for now in found:
        zone = zones[now.schedule]
        out.append(
            {
                "schedule": now.schedule,
                "on_call": _who_json(now.shift, names, zone),
                "next": _who_json(now.next, names, zone),
                "layers": {
                    layer: shift.user if shift else None for layer, shift in now.layers.items()
                },
                "feeds": [
                    _feed_json(status, zone)
                    for status in failing
                    if status.schedule == now.schedule
                ],
            }
        )
    return json.dumps(out, indent=2)


def _feed_json(status: FeedStatus, zone: ZoneInfo) -> dict[str, Any]:
    def when(moment: datetime | None) -> str | None:
        return moment.astimezone(zone).isoformat() if moment else None

    return {
        # Not the URL: a private calendar's address is its secret.
        "layer": status.layer,
        "error": status.error,
        "failing_since": when(status.failing_since),
        "last_good_copy": when(status.fetched_at),
    }


def feed_line(status: FeedStatus, zone: ZoneInfo) -> str:
    """`layer imported: its calendar feed has failed since … (why); showing the last good copy
    from …`."""
    since = f" since {instant(status.failing_since, zone)}" if status.failing_since else ""
    if status.fetched_at is not None:
        shown = f"showing the last good copy from {instant(status.fetched_at, zone)}"
    else:
        shown = "it was never fetched well, so the layer is empty"
    return (
        f"layer {status.layer}: its calendar feed has failed{since} "
        f"({status.error or 'no reason given'}); {shown}"
    )


def _who_json(shift: Shift | None, names: Mapping[str, str], zone: ZoneInfo) -> Any:
    if shift is None:
        return None
    return {
        "user": shift.user,
        "name": names.get(shift.user),
        "layer": shift.layer,
        "source": shift.source.value,
        "start": shift.start.astimezone(zone).isoformat(),
        "end": shift.end.astimezone(zone).isoformat(),
    }


def who_text(
    found: Sequence[OnCallNow],
    names: Mapping[str, str],
    zones: Mapping[str, ZoneInfo],
    failing: Sequence[FeedStatus] = (),
) -> str:
    """A line a schedule, then a line a layer, then a line per iCal feed that fails."""
    lines = []
    for now in found:
        zone = zones[now.schedule]
        following = (
            f"; next {person(now.next.user, names)} from {instant(now.next.start, zone)}"
            if now.next
            else ""
        )
        if now.shift is None:
            lines.append(f"{now.schedule}: nobody on call{following}")
        else:
            lines.append(
                f"{now.schedule}: {person(now.shift.user, names)} until "
                f"{instant(now.shift.end, zone)} ({now.shift.source.value}){following}"
            )
        for layer, shift in now.layers.items():
            lines.append(f"  {layer}: {person(shift.user, names) if shift else 'nobody'}")
        lines += [f"  ! {feed_line(s, zone)}" for s in failing if s.schedule == now.schedule]
    return "\n".join(lines)


def _hours(value: timedelta) -> str:
    return f"{value.total_seconds() / 3600:.2f}"


def _cells(row: HourRow) -> list[str]:
    return [_hours(getattr(row.hours, kind)) for kind in KINDS]


def hours_csv(rows: Sequence[HourRow], names: Mapping[str, str]) -> str:
    """`schedule,user,name,business,…,total`, hours with two decimals."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["schedule", "user", "name", *KINDS])
    for row in rows:
        writer.writerow([row.schedule, row.user, names.get(row.user, ""), *_cells(row)])
    return buffer.getvalue()


def hours_text(rows: Sequence[HourRow], names: Mapping[str, str]) -> str:
    """An aligned table of hours, one row per person and schedule."""
    header = ["schedule", "person", *KINDS]
    table = [header] + [[row.schedule, person(row.user, names), *_cells(row)] for row in rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in table
    ]
    if not rows:
        lines.append("(nobody was on call in this period)")
    return "\n".join(lines) + "\n"
