"""Correcting an incident's lifecycle times: which times can be corrected, in which order they
must stand, which a status cannot do without, and what a correction changes. Pure: the caller
passes the times as stored, the times wanted, the status, `now` and the zone to write times in.

Times are compared to the minute the way a person picks them: a time picked in the same minute
as the stored one is the stored one (the form shows minutes, the database keeps seconds).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from bot.kernel.errors import InvalidInput
from storage.enums import Status

# (attribute, how people call it), in the order the times must stand.
CORRECTABLE: tuple[tuple[str, str], ...] = (
    ("detected_at", "Impact start"),
    ("identified_at", "Identified"),
    ("mitigated_at", "Mitigated"),
    ("resolved_at", "Resolved"),
)
LABELS: dict[str, str] = dict(CORRECTABLE)
# The times a status cannot do without (the lifecycle stamps them on the way in; resolving
# stamps mitigation too). The impact start is every metric's start: it is never cleared.
NEEDED: dict[Status, frozenset[str]] = {
    Status.TRIAGE: frozenset({"detected_at"}),
    Status.INVESTIGATING: frozenset({"detected_at"}),
    Status.IDENTIFIED: frozenset({"detected_at", "identified_at"}),
    Status.MITIGATED: frozenset({"detected_at", "mitigated_at"}),
    Status.RESOLVED: frozenset({"detected_at", "mitigated_at", "resolved_at"}),
    Status.CLOSED: frozenset({"detected_at", "mitigated_at", "resolved_at"}),
}
RESOLVED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED})

Times = Mapping[str, datetime | None]


@dataclass(frozen=True)
class TimeChange:
    """One corrected time: which, from what, to what (None: not set)."""

    name: str
    old: datetime | None
    new: datetime | None

    @property
    def label(self) -> str:
        """How people call this time."""
        return LABELS[self.name]


def same_minute(a: datetime | None, b: datetime | None) -> bool:
    """Whether two times (or two blanks) are the same to a person picking minutes."""
    if a is None or b is None:
        return a is None and b is None
    return _minute(a) == _minute(b)


def show_time(when: datetime, zone: tzinfo) -> str:
    """A time as people read it in the team's zone: `2026-03-01 09:05 CET`."""
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z").strip()


def plan_corrections(
    stored: Times,
    wanted: Times,
    *,
    status: Status,
    closed_at: datetime | None,
    now: datetime,
    zone: tzinfo,
) -> list[TimeChange]:
    """The changes that turn `stored` into `wanted`, in lifecycle order; InvalidInput naming the
    field (and the time it conflicts with) when the result would not stand."""
    changes = [
        TimeChange(name, stored.get(name), wanted[name])
        for name, _ in CORRECTABLE
        if name in wanted and not same_minute(stored.get(name), wanted[name])
    ]
    result = {name: stored.get(name) for name, _ in CORRECTABLE}
    result.update({change.name: change.new for change in changes})
    for change in changes:
        _check_one(change, status=status, closed_at=closed_at, now=now, zone=zone)
    _check_order(result, {change.name for change in changes}, zone)
    return changes


def _check_one(
    change: TimeChange,
    *,
    status: Status,
    closed_at: datetime | None,
    now: datetime,
    zone: tzinfo,
) -> None:
    label, new = change.label, change.new
    if new is None:
        if change.name in NEEDED[status]:
            raise InvalidInput(
                f"A {status.value} incident needs its {label.lower()} time: it cannot be cleared.",
                field=change.name,
            )
        return
    if new > now:
        raise InvalidInput(
            f"{label} cannot be in the future ({show_time(new, zone)}; it is now "
            f"{show_time(now, zone)}).",
            field=change.name,
        )
    if change.name == "resolved_at" and status not in RESOLVED_STATUSES:
        raise InvalidInput(
            "The incident is not resolved: resolve it first (`/incident resolve`), then "
            "correct its resolved time.",
            field=change.name,
        )
    if closed_at is not None and _minute(new) > _minute(closed_at):
        raise InvalidInput(
            f"{label} ({show_time(new, zone)}) cannot be after the incident was closed "
            f"({show_time(closed_at, zone)}).",
            field=change.name,
        )


def _check_order(result: Times, changed: set[str], zone: tzinfo) -> None:
    """Impact start ≤ identified ≤ mitigated ≤ resolved, for the times that are set; the error
    lands on a time that was changed, naming the time it conflicts with."""
    names = [name for name, _ in CORRECTABLE]
    for i, earlier in enumerate(names):
        for later in names[i + 1 :]:
            first, second = result[earlier], result[later]
            if first is None or second is None or _minute(first) <= _minute(second):
                continue
            if later in changed:
                raise InvalidInput(
                    f"{LABELS[later]} ({show_time(second, zone)}) cannot be before "
                    f"{LABELS[earlier].lower()} ({show_time(first, zone)}).",
                    field=later,
                )
            raise InvalidInput(
                f"{LABELS[earlier]} ({show_time(first, zone)}) cannot be after "
                f"{LABELS[later].lower()} ({show_time(second, zone)}).",
                field=earlier,
            )


def describe_change(change: TimeChange, zone: tzinfo) -> str:
    """The words of the timeline event, without who did it: `Impact start corrected from …
    to …`, `Identified set to …`, `Mitigated cleared (was …)`."""
    if change.old is None and change.new is not None:
        return f"{change.label} set to {show_time(change.new, zone)}"
    if change.new is None and change.old is not None:
        return f"{change.label} cleared (was {show_time(change.old, zone)})"
    assert change.old is not None and change.new is not None
    return (
        f"{change.label} corrected from {show_time(change.old, zone)} "
        f"to {show_time(change.new, zone)}"
    )


def _minute(when: datetime) -> int:
    return int(when.astimezone(UTC).timestamp()) // 60
