"""Roster versions: what `warroom.yml` said about each layer, and from when it holds.

A layer's people and rotation are stored as versions so a change never rewrites the past: the
first version holds since ever; a later one holds from the next handoff of the version in force
when the change was seen, so the current shift keeps its person too.
"""

from collections import defaultdict
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.oncall.config import LayerDef, ScheduleDef
from bot.oncall.rules.restrict import Restriction, parse_restriction
from bot.oncall.rules.rotation import Rotation, handoffs, parse_rotation
from storage.models import OncallRoster
from storage.queries import oncall as queries

POSITION = "position"  # the layer's index in the file's list when the version was stored
_FIRST_LOOK = timedelta(days=2)
_LONGEST_LOOK = timedelta(days=800)  # longer than any rotation a person would write


def layer_definition(schedule: ScheduleDef, layer: LayerDef) -> dict[str, Any]:
    """What a roster version stores of a layer besides its people: enough to rebuild its
    rotation without the file, and where the layer stood (for when it leaves the file)."""
    position = next(i for i, each in enumerate(schedule.layers) if each.name == layer.name)
    return {**layer.definition, "timezone": schedule.timezone, POSITION: position}


def _same(version: OncallRoster, users: list[str], definition: dict[str, Any]) -> bool:
    """Whether a version says what `users` and `definition` say (a layer moving up or down
    the file is not a roster change)."""
    return version.users == users and _rotation(version.rotation) == _rotation(definition)


def _rotation(definition: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in definition.items() if key != POSITION}


def stored_rotation(definition: dict[str, Any]) -> Rotation:
    """The rotation a stored version describes."""
    return _rotation_of(
        str(definition["rotation"]),
        definition.get("handoff"),
        str(definition["start"]),
        str(definition["timezone"]),
    )


@lru_cache(maxsize=1024)
def _rotation_of(rotation: str, handoff: str | None, start: str, zone: str) -> Rotation:
    # Parsed once per distinct definition: plans are built on every read.
    return parse_rotation(rotation, handoff, date.fromisoformat(start), ZoneInfo(zone))


def stored_restriction(definition: dict[str, Any]) -> Restriction | None:
    """The restriction a stored version describes, if any."""
    text = definition.get("restrict")
    return _restriction_of(str(text)) if text else None


@lru_cache(maxsize=1024)
def _restriction_of(text: str) -> Restriction:
    return parse_restriction(text)


def next_handoff(rotation: Rotation, after: datetime) -> datetime:
    """The first handoff strictly after `after`."""
    look = _FIRST_LOOK
    start = after + timedelta(microseconds=1)
    while True:
        found = handoffs(rotation, start, start + look)
        if found:
            return found[0]
        if look >= _LONGEST_LOOK:
            raise ValueError("the rotation has no handoff in the next two years")
        look *= 2


def sync_schedule(session: Session, schedule: ScheduleDef, now: datetime) -> int:
    """Store a version for each layer whose definition changed; how many were stored."""
    by_layer: dict[str, list[OncallRoster]] = defaultdict(list)
    for row in queries.list_rosters(session, schedule=schedule.name):
        by_layer[row.layer].append(row)
    first_ever = not by_layer
    stored = 0
    in_file = set()
    for layer in schedule.layers:
        if layer.ical is not None:
            continue  # a feed's shifts are kept as copies of the feed, not as rosters
        in_file.add(layer.name)
        wanted = (list(layer.users), layer_definition(schedule, layer))
        stored += _sync_layer(
            session,
            schedule.name,
            layer.name,
            by_layer[layer.name],
            wanted,
            now,
            first_ever=first_ever,
        )
    for name, versions in by_layer.items():
        if name not in in_file and versions and versions[-1].users:
            # A layer gone from the file stops at its next handoff; its past stays.
            wanted = ([], dict(versions[-1].rotation))
            stored += _sync_layer(
                session, schedule.name, name, versions, wanted, now, first_ever=False
            )
    return stored


def _sync_layer(
    session: Session,
    schedule: str,
    layer: str,
    versions: list[OncallRoster],
    wanted: tuple[list[str], dict[str, Any]],
    now: datetime,
    *,
    first_ever: bool,
) -> int:
    """Bring one layer's versions in line with `wanted`; 1 when a version was stored."""
    users, definition = wanted
    in_force = [v for v in versions if v.effective_from is None or v.effective_from <= now]
    pending = [v for v in versions if v.effective_from is not None and v.effective_from > now]
    latest = versions[-1] if versions else None
    if latest is not None and _same(latest, users, definition):
        return 0
    if pending:
        # A change not in force yet is replaced by the newest one, never stacked on it.
        queries.delete_rosters_after(session, schedule=schedule, layer=layer, after=now)
    current = in_force[-1] if in_force else None
    if current is not None and _same(current, users, definition):
        return 0  # the file went back to what holds now
    if current is not None:
        effective: datetime | None = next_handoff(stored_rotation(current.rotation), now)
    elif first_ever:
        effective = None
    else:
        # A layer added to a schedule already in use starts at its own next handoff.
        effective = next_handoff(stored_rotation(definition), now)
    queries.add_roster(
        session,
        schedule=schedule,
        layer=layer,
        users=users,
        rotation=definition,
        effective_from=effective,
        now=now,
    )
    return 1
